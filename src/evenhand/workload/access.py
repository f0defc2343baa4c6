"""Who may see and change which workload figures, and who allocates.

* A practitioner sees their own workload, reductions, tasks, sensitivities and consultations.
* Senior probation officers and heads of PDU see the workload of every practitioner in their PDU, its teams and
  its roll-up, and their region's roll-up; they record reductions and tasks for their PDU's practitioners and
  allocate its cases (the same roles as ``evenhand.cases.services.allocate`` accepts).
* Analysts and inspectors see team, PDU and region roll-ups and the allocation fairness report anywhere;
  they never allocate.
* A staff sensitivity is seen by its owner alone, whatever the viewer's role.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from evenhand.cases.services.sentences import ALLOCATING_ROLES
from evenhand.org.models import PDU, Region, Role, StaffMember, Team

MANAGER_ROLES = ALLOCATING_ROLES
SERVICE_WIDE_VIEWERS = (Role.ANALYST, Role.INSPECTOR)


def can_allocate(staff: StaffMember) -> bool:
    return staff.role in ALLOCATING_ROLES and staff.pdu_id is not None


def ensure_can_allocate(staff: StaffMember) -> None:
    if not can_allocate(staff):
        raise PermissionDenied("Only a senior probation officer or head of PDU can allocate cases.")


def holds_cases(staff: StaffMember) -> bool:
    return staff.role == Role.PRACTITIONER


def manages(viewer: StaffMember, practitioner: StaffMember) -> bool:
    """A senior probation officer or head of PDU of the practitioner's PDU."""
    return viewer.role in MANAGER_ROLES and viewer.pdu_id is not None and viewer.pdu_id == practitioner.pdu_id


def can_view_workload_of(viewer: StaffMember, practitioner: StaffMember) -> bool:
    return viewer.pk == practitioner.pk or manages(viewer, practitioner)


def ensure_can_view_workload_of(viewer: StaffMember, practitioner: StaffMember) -> None:
    if not can_view_workload_of(viewer, practitioner):
        raise PermissionDenied("You can see your own workload, or as a manager your PDU's.")


def ensure_manages(viewer: StaffMember, practitioner: StaffMember) -> None:
    if not manages(viewer, practitioner):
        raise PermissionDenied(
            "Only a senior probation officer or head of the practitioner's PDU can do this."
        )


def teams_visible_to(viewer: StaffMember) -> QuerySet[Team]:
    """The teams whose workload the viewer may see, each with its PDU (which the pages name)."""
    teams = Team.objects.select_related("pdu")
    if viewer.role in MANAGER_ROLES and viewer.pdu_id is not None:
        return teams.filter(pdu_id=viewer.pdu_id)
    if viewer.role in SERVICE_WIDE_VIEWERS:
        return teams.all()
    return teams.none()


def pdus_visible_to(viewer: StaffMember) -> QuerySet[PDU]:
    """The PDUs whose workload the viewer may see, each with its region (which the pages name)."""
    pdus = PDU.objects.select_related("region")
    if viewer.role in MANAGER_ROLES and viewer.pdu_id is not None:
        return pdus.filter(pk=viewer.pdu_id)
    if viewer.role in SERVICE_WIDE_VIEWERS:
        return pdus.all()
    return pdus.none()


def regions_visible_to(viewer: StaffMember) -> QuerySet[Region]:
    if viewer.role in MANAGER_ROLES and viewer.pdu_id is not None:
        return Region.objects.filter(pdus__pk=viewer.pdu_id)
    if viewer.role in SERVICE_WIDE_VIEWERS:
        return Region.objects.all()
    return Region.objects.none()


def can_see_rollups(viewer: StaffMember) -> bool:
    return (viewer.role in MANAGER_ROLES and viewer.pdu_id is not None) or viewer.role in SERVICE_WIDE_VIEWERS
