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


def log_refused_view(*, staff: StaffMember, person_id: int, channel: Channel) -> AccessLogEntry:
    """Record that a member of staff tried to open a record they may not see (restricted, excluded or out of
    scope), so that administrators can see attempts on sensitive records as well as views."""
    return AccessLogEntry.objects.create(
        staff=staff, person_id=person_id, action=Action.REFUSED, channel=channel
    )


def log_refused_staff_view(*, staff: StaffMember, channel: Channel, detail: str) -> AccessLogEntry:
    """Record a refused attempt on something about a member of staff rather than a person on probation (such
    as a practitioner's own case review results): no person, what was asked for in the detail."""
    return AccessLogEntry.objects.create(
        staff=staff, action=Action.REFUSED, channel=channel, detail=detail[:300]
    )


def log_access_change(*, staff: StaffMember, person_id: int, channel: Channel, detail: str) -> AccessLogEntry:
    """Record a change to who may see a person record (an exclusion or restriction list entry added or
    removed): the access history of a record includes the changes to its lists, by whom and why."""
    return AccessLogEntry.objects.create(
        staff=staff, person_id=person_id, action=Action.ACCESS, channel=channel, detail=detail[:300]
    )


def log_export(
    *, staff: StaffMember, channel: Channel, detail: str, person_ids: list[int] | None = None
) -> list[AccessLogEntry]:
    """Record an export (a download, or an API listing of records): one row for each person in it, so that
    "who has seen this person's record" is answered by one indexed query; one row if no person is named."""
    detail = detail[:300]
    if not person_ids:
        return [
            AccessLogEntry.objects.create(staff=staff, action=Action.EXPORT, channel=channel, detail=detail)
        ]
    return AccessLogEntry.objects.bulk_create(
        AccessLogEntry(staff=staff, person_id=person_id, action=Action.EXPORT, channel=channel, detail=detail)
        for person_id in dict.fromkeys(person_ids)
    )
