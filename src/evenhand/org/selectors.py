"""Reads of the organisation that views and the API share."""

from django.db.models import Q, QuerySet

from .models import PDU, Grade, StaffMember


def pdu_by_code(code: str) -> PDU | None:
    """The PDU with this code (as typed: surrounding spaces ignored), or None."""
    return PDU.objects.filter(code=code.strip()).first()


def management_line(staff: StaffMember) -> QuerySet[StaffMember]:
    """The member of staff and everyone in a line-management relation with them, either way: the senior
    probation officers of their team and the heads of their PDU above them; below them, the team an SPO
    manages or the PDU a head of PDU runs. The relation is symmetric, so ``a in management_line(b)`` exactly
    when ``b in management_line(a)``."""
    related = Q(pk=staff.pk)
    if staff.team_id is not None:
        team = staff.team
        assert team is not None
        related |= Q(team_id=team.pk, grade__in=(Grade.SPO, Grade.HEAD_OF_PDU))
        related |= Q(team__pdu_id=team.pdu_id, grade=Grade.HEAD_OF_PDU)
        if staff.grade == Grade.SPO:
            related |= Q(team_id=team.pk)
        if staff.grade == Grade.HEAD_OF_PDU:
            related |= Q(team__pdu_id=team.pdu_id)
    return StaffMember.objects.filter(related)
