"""Who may see the equality figures.

The dashboard and the API show aggregates only (counts, rates and ratios per group and unit; never a name,
CRN or pseudonym), but the aggregates are by ethnicity, religion and disability, so they are for the roles
whose work is to look for disparity: analysts, inspectors, and heads of PDU, who answer for their PDU's
decisions. A head of PDU may look at every unit, not only their own: comparing with the rest of the service
is the point, and nothing below a team's aggregate is shown. Practitioners, senior probation officers and
administrators are refused.
"""

from django.core.exceptions import PermissionDenied

from evenhand.org.models import Role, StaffMember

EQUALITY_ROLES = (Role.ANALYST, Role.INSPECTOR, Role.HEAD_OF_PDU)


def can_see_equality(staff: StaffMember) -> bool:
    return staff.role in EQUALITY_ROLES


def ensure_can_see_equality(staff: StaffMember) -> None:
    if not can_see_equality(staff):
        raise PermissionDenied("The equality figures are for analysts, inspectors and heads of PDU.")
