"""Writing the access log. Called by the code that shows or exports a record, never by a signal."""

from evenhand.org.models import StaffMember

from .models import AccessLogEntry, Action, Channel


def log_person_view(
    *, staff: StaffMember, person_id: int, channel: Channel, detail: str = ""
) -> AccessLogEntry:
    """Record that a member of staff opened a person record."""
    return AccessLogEntry.objects.create(
        staff=staff, person_id=person_id, action=Action.VIEW, channel=channel, detail=detail[:300]
    )


def log_export(
    *, staff: StaffMember, channel: Channel, detail: str, person_ids: list[int] | None = None
) -> AccessLogEntry:
    """Record an export (a download or an API listing of person records): what, by whom and how many."""
    count = f" ({len(person_ids)} records)" if person_ids is not None else ""
    return AccessLogEntry.objects.create(
        staff=staff, person_id=None, action=Action.EXPORT, channel=channel, detail=(detail + count)[:300]
    )
