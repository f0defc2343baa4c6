"""Who may see what of the workforce data.

An individual equality profile is seen by the staff member it describes and by no one else: not their
managers, not HR, not administrators (there is no page or operation that takes another person's profile).
Aggregates of the profiles (declaration rates; later the workforce measures) are for HR analysts, whose work is
to look for disparity, and who see counts and rates, never a name. A head of PDU sees the same measures for
their own PDU's staff only, with small groups' figures hidden.
"""

from django.core.exceptions import PermissionDenied

from evenhand.org.models import Role, StaffMember

AGGREGATE_ROLES = (Role.HR_ANALYST,)


def can_see_aggregates(staff: StaffMember) -> bool:
    return staff.role in AGGREGATE_ROLES


def ensure_can_see_aggregates(staff: StaffMember) -> None:
    if not can_see_aggregates(staff):
        raise PermissionDenied("The workforce equality figures are for HR analysts.")


def ensure_can_see_pdu_figures(staff: StaffMember) -> None:
    """Only a head of PDU, and only one placed in a PDU, sees their PDU's workforce figures."""
    if staff.role != Role.HEAD_OF_PDU or staff.team_id is None:
        raise PermissionDenied("These workforce figures are for the head of the PDU.")
