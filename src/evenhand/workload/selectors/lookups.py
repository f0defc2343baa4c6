"""Single records and short lists the workload pages and API operations look up: practitioners, reductions,
counted tasks, sensitivities, the weighting tables, and the team, PDU or region a viewer asks about."""

from typing import TypeVar

from django.db.models import Model, QuerySet

from evenhand.cases.models import Allocation
from evenhand.core.ids import MAX_ID, parse_id
from evenhand.org.models import PDU, Region, Role, StaffMember, Team

from ..models import CapacityReduction, Consultation, CountedTask, StaffSensitivity, WeightingVersion
from .figures import CASE_HOLDING_GRADES, case_holders

U = TypeVar("U", bound=Model)


# --- staff --------------------------------------------------------------------------------------------------


def case_holder(staff_id: int) -> StaffMember | None:
    """A PSO or PO by id, with their team and PDU loaded."""
    return case_holders().select_related("team", "team__pdu").filter(pk=staff_id).first()


def case_holder_by_code(staff_code: str) -> StaffMember | None:
    return case_holders().select_related("team", "team__pdu").filter(staff_code=staff_code).first()


def staff_by_code(staff_code: str) -> StaffMember | None:
    """Any member of staff by code: the services say whether they may take a case."""
    return StaffMember.objects.select_related("team").filter(staff_code=staff_code).first()


def staff_by_id(staff_id: int) -> StaffMember | None:
    return StaffMember.objects.select_related("team").filter(pk=staff_id).first()


# --- reductions, tasks, sensitivities -----------------------------------------------------------------------


def reductions_of(staff: StaffMember, limit: int = 50) -> list[CapacityReduction]:
    """A practitioner's reductions, latest first."""
    return list(CapacityReduction.objects.filter(staff=staff).order_by("-start_date", "-pk")[:limit])


def open_tasks_of(practitioner: StaffMember) -> list[CountedTask]:
    """Counted tasks not yet completed, soonest due first."""
    return list(
        CountedTask.objects.filter(practitioner=practitioner, completed_on__isnull=True).order_by(
            "due_date", "pk"
        )
    )


def reduction(reduction_id: int) -> CapacityReduction | None:
    return (
        CapacityReduction.objects.select_related("staff", "staff__team", "staff__team__pdu")
        .filter(pk=reduction_id)
        .first()
    )


def counted_task(task_id: int) -> CountedTask | None:
    return (
        CountedTask.objects.select_related("practitioner", "practitioner__team", "practitioner__team__pdu")
        .filter(pk=task_id)
        .first()
    )


def sensitivity_of(owner: StaffMember, sensitivity_id: int) -> StaffSensitivity | None:
    """One of the owner's own sensitivities; anyone else's is not found."""
    return StaffSensitivity.objects.filter(staff=owner, pk=sensitivity_id).first()


# --- allocation ---------------------------------------------------------------------------------------------


def consultations_about(sentence_id: int) -> list[Consultation]:
    """Every consultation about a case, newest first, with the staff on both sides (for its manager)."""
    return list(
        Consultation.objects.filter(sentence_id=sentence_id)
        .select_related("practitioner", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )


def find_consultation(consultation_id: int) -> Consultation | None:
    """A consultation by id (None if there is none), loaded as ``consultation`` loads it."""
    if not 1 <= consultation_id <= MAX_ID:
        return None
    return _consultations().filter(pk=consultation_id).first()


def consultation(consultation_id: int) -> Consultation:
    """A consultation with the case, the person and the staff on both sides loaded."""
    return _consultations().get(pk=consultation_id)


def _consultations() -> QuerySet[Consultation]:
    return Consultation.objects.select_related(
        "sentence",
        "sentence__person",
        "sentence__person__pdu",
        "sentence__person__pdu__region",
        "practitioner",
        "recorded_by",
    )


def allocation_made(allocation_id: int) -> Allocation:
    """An allocation just made, with the staff its answer names."""
    return Allocation.objects.select_related("practitioner", "allocated_by").get(pk=allocation_id)


# --- weighting tables ---------------------------------------------------------------------------------------


def weighting_versions() -> QuerySet[WeightingVersion]:
    """Every version of the weighting table with its weights, newest first."""
    return WeightingVersion.objects.prefetch_related("case_weightings", "task_weightings").order_by(
        "-effective_from"
    )


# --- teams, PDUs and regions --------------------------------------------------------------------------------


class NoSuchUnit(Exception):
    """A team, PDU or region asked for by id that does not exist or is out of the viewer's sight."""


def choose_unit(options: QuerySet[U], chosen: str | None, default: U | None) -> U | None:
    """The unit whose id is ``chosen`` among ``options``, or ``default`` when none is chosen.

    Raises ``NoSuchUnit`` for an id that is not among the options.
    """
    chosen = (chosen or "").strip()
    if not chosen:
        return default
    pk = parse_id(chosen)
    found = options.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NoSuchUnit(chosen)
    return found


def default_team(teams: QuerySet[Team], viewer: StaffMember) -> Team | None:
    """An SPO's own team; otherwise the first team (by name) that holds cases, not a management team."""
    holding = teams.filter(staff__grade__in=CASE_HOLDING_GRADES).distinct().order_by("name")
    if viewer.role == Role.SPO and viewer.team_id is not None:
        own = holding.filter(pk=viewer.team_id).first()
        if own is not None:
            return own
    return holding.first() or teams.order_by("name").first()


def default_pdu(pdus: QuerySet[PDU], viewer: StaffMember) -> PDU | None:
    """The viewer's own PDU when it is among ``pdus``, else the first by name."""
    own = pdus.filter(pk=viewer.pdu_id).first() if viewer.pdu_id is not None else None
    return own or pdus.order_by("name").first()


def default_region(regions: QuerySet[Region], viewer: StaffMember) -> Region | None:
    """The region of the viewer's PDU when it is among ``regions``, else the first by name."""
    own = regions.filter(pdus__pk=viewer.pdu_id).first() if viewer.pdu_id is not None else None
    return own or regions.order_by("name").first()


def teams_in_pdu(teams: QuerySet[Team], pdu_id: int) -> list[Team]:
    return list(teams.filter(pdu_id=pdu_id).order_by("name"))


def team_case_holders(team: Team) -> QuerySet[StaffMember]:
    return case_holders().filter(team=team)


def regions(options: QuerySet[Region]) -> list[Region]:
    return list(options.order_by("name"))


# --- transfers and corrections ------------------------------------------------------------------------------


def other_pdus(pdu_id: int | None) -> QuerySet[PDU]:
    """Every PDU but this one, by name: where a person can be transferred to."""
    pdus = PDU.objects.order_by("name")
    return pdus if pdu_id is None else pdus.exclude(pk=pdu_id)


def pdu_by_id(pdu_id: int) -> PDU | None:
    return PDU.objects.filter(pk=pdu_id).first()


def current_allocation(sentence_id: int) -> Allocation | None:
    """The sentence's open allocation, with its practitioner, or None."""
    return (
        Allocation.objects.select_related("practitioner__team", "sentence__person")
        .filter(sentence_id=sentence_id, end_date__isnull=True)
        .first()
    )


def pdu_by_code(code: str) -> PDU | None:
    return PDU.objects.filter(code=code).first()
