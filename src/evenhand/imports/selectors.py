"""Reads for imports."""

from evenhand.org.models import StaffMember

from .models import ImportRun


def importer_by_code(code: str) -> StaffMember | None:
    """The member of staff a command-line import is made as, by their staff code."""
    return StaffMember.objects.select_related("team__pdu", "user").filter(staff_code=code.strip()).first()


def runs_by(staff: StaffMember, *, limit: int = 20) -> list[ImportRun]:
    """The latest imports a member of staff made."""
    return list(ImportRun.objects.filter(by=staff).order_by("-started_at", "-id")[:limit])
