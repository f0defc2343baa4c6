"""Reading the access log by person: who looked at which record, shown by CRN and name rather than an internal
id, filtered by CRN, name, member of staff and dates. For those who may read the log (administrators).

The log itself belongs to ``audit``, below ``people``: it keeps a person as a plain id so that nothing can
delete the trace of a view. Naming the people is done here, for one page of entries at a time, and only for
people the reader may see: an entry about a record restricted from them says so and names no one.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Channel
from evenhand.audit.services import log_export
from evenhand.org.models import Role, StaffMember

from .access import visible_people
from .models import Person

PAGE_SIZE = 50
RESTRICTED = "A record you may not see"


def can_read_access_log(viewer: StaffMember) -> bool:
    """Administrators read the access log (README: "everyone, read only, and the access log")."""
    return viewer.role == Role.ADMIN


@dataclass(frozen=True)
class AccessLogRow:
    at: dt.datetime
    staff_name: str
    staff_code: str
    action_label: str
    channel_label: str
    detail: str
    person_id: int | None  # for the link to the record; shown to no one as text
    crn: str | None
    person_name: str | None  # None with a CRN of None and a person_id: a record the reader may not see
    restricted: bool


@dataclass(frozen=True)
class AccessLogQuery:
    crn: str = ""
    name: str = ""
    staff_code: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _entries(viewer: StaffMember, query: AccessLogQuery) -> QuerySet[AccessLogEntry]:
    entries = AccessLogEntry.objects.select_related("staff").order_by("-at", "-pk")
    if query.staff_code:
        entries = entries.filter(staff__staff_code__iexact=query.staff_code.strip())
    people: QuerySet[Person] | None = None
    if query.crn:
        people = visible_people(viewer).filter(crn=query.crn.strip().upper())
    if query.name:
        words = query.name.split()
        named = visible_people(viewer)
        for word in words:
            named = named.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
        people = named if people is None else people.filter(pk__in=named.values("pk"))
    if people is not None:
        entries = entries.filter(person_id__in=people.values("pk"))
    tz = timezone.get_current_timezone()
    if query.date_from:
        entries = entries.filter(at__gte=dt.datetime.combine(query.date_from, dt.time.min, tzinfo=tz))
    if query.date_to:
        next_day = query.date_to + dt.timedelta(days=1)
        entries = entries.filter(at__lt=dt.datetime.combine(next_day, dt.time.min, tzinfo=tz))
    return entries


def _rows(viewer: StaffMember, entries: list[AccessLogEntry]) -> list[AccessLogRow]:
    ids = {e.person_id for e in entries if e.person_id is not None}
    seen = {
        p.pk: p
        for p in visible_people(viewer).filter(pk__in=ids).only("pk", "crn", "first_name", "last_name")
    }
    rows = []
    for entry in entries:
        person = seen.get(entry.person_id) if entry.person_id is not None else None
        rows.append(
            AccessLogRow(
                at=entry.at,
                staff_name=entry.staff.full_name,
                staff_code=entry.staff.staff_code,
                action_label=entry.get_action_display(),
                channel_label=entry.get_channel_display(),
                detail=entry.detail,
                person_id=person.pk if person is not None else None,
                crn=person.crn if person is not None else None,
                person_name=person.full_name if person is not None else None,
                restricted=entry.person_id is not None and person is None,
            )
        )
    return rows


def access_log_page(*, viewer: StaffMember, query: AccessLogQuery, page: Any = None) -> Page:
    """One page of the access log, newest first, each entry with the CRN and name of the person it is about."""
    if not can_read_access_log(viewer):
        raise PermissionDenied("Only administrators can read the access log.")
    paginated = Paginator(_entries(viewer, query), PAGE_SIZE).get_page(page)
    rows = _rows(viewer, list(paginated.object_list))
    # The page names people, so it is an export of them like any list: one row per person named. (Entries
    # about no one, or about records the reader may not see, name no one and log nothing.)
    named = [row.person_id for row in rows if row.person_id is not None]
    if named:
        log_export(staff=viewer, channel=Channel.UI, detail="Access log", person_ids=named)
    paginated.object_list = rows  # type: ignore[assignment]
    return paginated


def who_looked(*, viewer: StaffMember, person_id: int | None, limit: int = 20) -> list[AccessLogRow] | None:
    """The latest entries about one person's record, for the person page: None for a viewer who may not read
    the access log."""
    if not can_read_access_log(viewer) or person_id is None:
        return None
    entries = list(
        AccessLogEntry.objects.select_related("staff")
        .filter(person_id=person_id)
        .order_by("-at", "-pk")[:limit]
    )
    return _rows(viewer, entries)
