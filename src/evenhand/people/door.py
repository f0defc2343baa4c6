"""The one door to a person's record.

Everything that shows a person (a page, an export, an API response) loads them here or through
``evenhand.cases.door``, which builds on this module. The door

1. checks the viewer: a current staff record, a role that may see people, the PDU scope or an allocation,
   and the restriction and exclusion lists (``access.visible_people``);
2. writes the access log: a view row for every record opened, a refused row for every attempt on a record
   that exists but may not be opened, and export rows, one per person, for every page of a list;
3. returns the record shaped for the viewer's role (``records``): for analysts a pseudonym and an opaque
   token instead of name, date of birth, CRN and id, no free text, dates to the month.

The web answers a refusal with 403 and an unknown record with 404; the API answers both with 404, so that
it never confirms that somebody is on probation.
"""

import re
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export, log_person_view, log_refused_view
from evenhand.core.concurrent import counted_beside
from evenhand.core.ids import parse_id
from evenhand.org.access import is_current
from evenhand.org.models import Role, StaffMember

from .access import can_record_casework, can_see_diversity, id_from_token, visible_people
from .duplicates import Candidate
from .models import CRN_PATTERN, DiversityEntry, Exclusion, Person, Restriction
from .records import (
    AccessEntryRecord,
    AccessPage,
    CandidateRecord,
    DetailsPage,
    DiversityEntryRecord,
    DiversityPage,
    Lens,
    PersonChangeRecord,
    PersonRecord,
)
from .selectors import diversity_history, entries_in_force
from .services import can_manage_access, managers_of

R = TypeVar("R")

PAGE_SIZE = 25


class RecordNotFound(Http404):
    """No such record, or a reference that is not one (a malformed id, a forged token)."""


class RecordRefused(PermissionDenied):
    """The record exists and this viewer may not open it (or may not record casework on it)."""


class RoleRefused(RecordRefused):
    """The viewer may see the record, but their role may not do this with it (an inspector opening a form to
    record casework). The API answers 403 rather than 404: it confirms nothing the viewer could not read."""


def refuse(
    *, viewer: StaffMember, person_id: int, channel: Channel, message: str, role_only: bool = False
) -> NoReturn:
    """Log a refused attempt on a person's record, then refuse it.

    Every refusal of a record that exists is logged, whatever the reason: out of scope, a list, a leaver, or a
    role that may not do this. ``role_only`` says the reason is the role alone; it is reported as such
    (``RoleRefused``) only when the viewer may in fact see the record.
    """
    log_refused_view(staff=viewer, person_id=person_id, channel=channel)
    if role_only and is_current(viewer) and visible_people(viewer).filter(pk=person_id).exists():
        raise RoleRefused(message)
    raise RecordRefused("You do not have access to this record.")


def record_id(lens: Lens, kind: str, ref: str | int) -> int:
    """The id a viewer's reference stands for: a plain id from staff who see identities, a token from
    analysts (who never see ids). Anything else, or an id outside 64 bits, is no record at all."""
    pk = parse_id(ref) if lens.identity else id_from_token(kind, str(ref))
    if pk is None:
        raise RecordNotFound("No such record.")
    return pk


def admit(
    *, viewer: StaffMember, person_id: int, channel: Channel, purpose: str, casework: bool = False
) -> None:
    """Let the viewer into one person's record, or refuse: either way it goes in the access log.

    ``casework`` asks for more than reading: a role that records casework (a form to record a contact, a
    decision, a referral). The caller has already checked that the record exists.
    """
    if casework and not can_record_casework(viewer):
        refuse(
            viewer=viewer,
            person_id=person_id,
            channel=channel,
            message="Your role cannot record casework.",
            role_only=True,
        )
    if not (is_current(viewer) and visible_people(viewer).filter(pk=person_id).exists()):
        refuse(viewer=viewer, person_id=person_id, channel=channel, message="")
    log_person_view(staff=viewer, person_id=person_id, channel=channel, detail=purpose)


def _person(pk: int, lens: Lens) -> Person:
    people = Person.objects.select_related("pdu", "pdu__region")
    if lens.diversity:
        people = people.select_related("diversity")
    person = people.filter(pk=pk).first()
    if person is None:
        raise RecordNotFound("No such person.")
    return person


def open_person(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> PersonRecord:
    """One person record, shaped for the viewer; the view or the refusal is logged."""
    return open_person_and_model(viewer=viewer, ref=ref, channel=channel, purpose=purpose)[1]


def open_person_and_model(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> tuple[Person, PersonRecord]:
    """``open_person``, with the model kept for the door's own further queries (``evenhand.cases.door``)."""
    lens = Lens.of(viewer)
    person = _person(record_id(lens, "person", ref), lens)
    admit(viewer=viewer, person_id=person.pk, channel=channel, purpose=purpose)
    return person, _full_record(person, lens)


def _full_record(person: Person, lens: Lens) -> PersonRecord:
    """The whole person record: identity details, addresses, diversity in force today, restriction."""
    restricted_to = [r.staff for r in Restriction.objects.filter(person=person).select_related("staff")]
    managed_by: tuple[str, ...] = ()
    if restricted_to:
        excluded = set(Exclusion.objects.filter(person=person).values_list("staff_id", flat=True))
        managed_by = tuple(
            s.full_name for s in managers_of(person, restricted=restricted_to, excluded=excluded)
        )
    return PersonRecord.shape(
        person,
        lens,
        restricted=bool(restricted_to),
        with_diversity=True,
        entries=entries_in_force(person, timezone.localdate()) if lens.diversity else None,
        addresses=list(person.addresses.all()) if lens.identity else None,
        managed_by=managed_by,
    )


def open_diversity(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> DiversityPage:
    """A person's diversity profile and its whole history, for the roles that may see special-category data
    (others are refused, and the refusal logged); the view is logged."""
    lens = Lens.of(viewer)
    person = _person(record_id(lens, "person", ref), lens)
    if not lens.diversity:
        refuse(
            viewer=viewer,
            person_id=person.pk,
            channel=channel,
            message="Your role does not see diversity information.",
            role_only=True,
        )
    admit(viewer=viewer, person_id=person.pk, channel=channel, purpose=purpose)
    history = tuple(DiversityEntryRecord.shape(e, lens) for e in diversity_history(person))
    return DiversityPage(
        person=_full_record(person, lens),
        history=history,
        can_record=lens.casework,
        can_manage_access=manages(viewer, person),
    )


def manages(viewer: StaffMember, person: Person | PersonRecord) -> bool:
    """Whether the viewer (already admitted to the record) manages its exclusion and restriction lists."""
    return can_manage_access(viewer) and (viewer.role != Role.HEAD_OF_PDU or viewer.pdu_id == person.pdu_id)


def person_for_diversity(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> Person:
    """The person, for recording a change to their diversity profile (casework roles, who also see
    special-category data); the view or the refusal is logged."""
    person = person_for_casework(viewer=viewer, person_id=ref, channel=channel, purpose=purpose)
    if not can_see_diversity(viewer):  # pragma: no cover - every casework role sees it today
        refuse(viewer=viewer, person_id=person.pk, channel=channel, message="", role_only=True)
    return person


def person_details(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> DetailsPage:
    """A person's details for correcting them (casework roles), with the history of their changes; the view or
    the refusal is logged."""
    person = person_for_casework(viewer=viewer, person_id=ref, channel=channel, purpose=purpose)
    lens = Lens.of(viewer)
    changes = tuple(
        PersonChangeRecord(
            field=change.field,
            old_value=change.old_value,
            new_value=change.new_value,
            reason=change.reason,
            changed_by_name=change.changed_by.full_name if change.changed_by else None,
            changed_at=change.changed_at,
        )
        for change in person.changes.select_related("changed_by")
    )
    return DetailsPage(model=person, person=_full_record(person, lens), changes=changes)


def diversity_entry_to_correct(*, person: Person, ref: str | None) -> DiversityEntry | None:
    """The row of this person's diversity history that ``ref`` (an id from ``?corrects=``) names, for a viewer
    already admitted to the person; None for no reference, or one that names no row of theirs."""
    if ref is None:
        return None
    pk = parse_id(ref)
    if pk is None:
        return None
    return DiversityEntry.objects.filter(person=person, pk=pk).select_related("person").first()


def person_for_access(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> Person:
    """The person, for a manager of their record's exclusion and restriction lists (a head of the record's
    PDU, or an administrator where the service allows); anyone else is refused, and the refusal logged."""
    lens = Lens.of(viewer)
    person = _person(record_id(lens, "person", ref), lens)
    if not manages(viewer, person):
        refuse(
            viewer=viewer,
            person_id=person.pk,
            channel=channel,
            message="Only a head of the record's PDU can manage who may see it.",
            role_only=True,
        )
    admit(viewer=viewer, person_id=person.pk, channel=channel, purpose=purpose)
    return person


def open_access(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> AccessPage:
    """A record's exclusion and restriction lists, for a manager of them (``person_for_access``)."""
    person = person_for_access(viewer=viewer, ref=ref, channel=channel, purpose=purpose)
    return access_page(viewer=viewer, person=person)


def access_page(*, viewer: StaffMember, person: Person) -> AccessPage:
    """The lists of a person already admitted by ``person_for_access``."""
    lens = Lens.of(viewer)

    def shaped(model: type[Exclusion] | type[Restriction], name: str) -> tuple[AccessEntryRecord, ...]:
        rows = (
            model.objects.filter(person=person).select_related("staff", "added_by").order_by("added_at", "pk")
        )
        return tuple(
            AccessEntryRecord(
                list_name=name,
                staff_id=row.staff_id,
                staff_code=row.staff.staff_code,
                staff_name=row.staff.full_name,
                staff_role=Role(row.staff.role).label,
                reason=row.reason,
                review_on=row.review_on,
                added_by_name=row.added_by.full_name if row.added_by else None,
                added_at=row.added_at,
            )
            for row in rows
        )

    return AccessPage(
        person=_full_record(person, lens),
        exclusions=shaped(Exclusion, "exclusion"),
        restrictions=shaped(Restriction, "restriction"),
    )


def shape_candidates(
    *, viewer: StaffMember, candidates: list[Candidate], channel: Channel, purpose: str
) -> tuple[list[CandidateRecord], int]:
    """The possible duplicates the registrar may see, shaped (and logged as an export), and how many others
    there are in records they may not open (shown only as a number, so the check still warns them)."""
    lens = Lens.of(viewer)
    ids = [c.person.pk for c in candidates]
    visible = (
        set(visible_people(viewer).filter(pk__in=ids).values_list("pk", flat=True))
        if lens.identity
        else set()
    )
    shown = [c for c in candidates if c.person.pk in visible]
    people = {p.pk: p for p in people_in_view(viewer).filter(pk__in=[c.person.pk for c in shown])}
    if shown:
        log_export(staff=viewer, channel=channel, detail=purpose, person_ids=[c.person.pk for c in shown])
    records = [
        CandidateRecord(person=PersonRecord.shape(people[c.person.pk], lens), reason=c.reason) for c in shown
    ]
    return records, len(candidates) - len(shown)


def person_for_casework(
    *, viewer: StaffMember, person_id: str | int, channel: Channel, purpose: str
) -> Person:
    """The person model, for a page or operation that records casework on them (casework roles only, who see
    identities); the view or the refusal is logged."""
    lens = Lens.of(viewer)
    person = _person(record_id(lens, "person", person_id), lens)
    admit(viewer=viewer, person_id=person.pk, channel=channel, purpose=purpose, casework=True)
    return person


# --- lists ----------------------------------------------------------------------------------------------------


def shaped_page(
    *,
    viewer: StaffMember,
    rows: QuerySet[Any] | Sequence[Any],
    number: Any,
    person_of: Callable[[Any], int],
    shape: Callable[[Any], R],
    channel: Channel,
    purpose: str,
    per_page: int = PAGE_SIZE,
    log: bool = True,
) -> Page:
    """One page of a list of records: the rows on it shaped, and one export row per person on it logged
    (unless ``log`` is off: a list inside a record already logged as viewed, such as a person's contacts).
    An empty page is still an export, logged as one row about no one.

    ``number`` is taken as the user typed it: malformed or out of range gives the nearest real page.
    """
    page = Paginator(rows, per_page).get_page(number)
    start = (page.number - 1) * per_page
    items = sliced(rows, start, start + per_page) if page.paginator.count else []
    if log:
        log_export(staff=viewer, channel=channel, detail=purpose, person_ids=[person_of(r) for r in items])
    page.object_list = [shape(item) for item in items]
    return page


def sliced(
    rows: QuerySet[Any] | Sequence[Any], start: int, stop: int, *, wide: QuerySet[Any] | None = None
) -> list[Any]:
    """``rows[start:stop]``, read from a queryset in two steps: the ids of the slice, in the list's order, from
    the narrow query (the filters and the ordering only), then those rows with everything the list shows
    (from ``wide`` by id alone, when given: the query of the same rows without the filters that chose them).

    One query that joins every related record a row shows (person, sentence, staff ...) and the viewer's
    scope, in order, and keeps 50 rows, has more tables than PostgreSQL reorders (join_collapse_limit), so it
    joined and sorted the whole national table before applying the scope: 19 s for a head of PDU's
    ``/api/v1/contacts``. The narrow query starts from the scope; the wide one reads 50 rows by id."""
    if (
        not isinstance(rows, QuerySet)
        or rows.query.combinator
        or rows.query.distinct_fields
        or getattr(rows, "_fields", None) is not None  # values(): dicts or tuples, not models
    ):
        return list(rows[start:stop])
    ids = list(rows.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    found = {row.pk: row for row in (rows if wide is None else wide).order_by().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def shaped_slice(
    *,
    viewer: StaffMember,
    rows: QuerySet[Any],
    offset: int,
    limit: int,
    person_of: Callable[[Any], int],
    shape: Callable[[Any], R],
    channel: Channel,
    purpose: str,
) -> tuple[int, list[R]]:
    """The API's limit/offset equivalent of ``shaped_page``: the total count and the shaped rows. The count
    (tens of thousands of a PDU's contacts) is read beside the page."""
    count, items = counted_beside(rows, lambda: sliced(rows, offset, offset + limit))
    log_export(staff=viewer, channel=channel, detail=purpose, person_ids=[person_of(r) for r in items])
    return count, [shape(item) for item in items]


def people_in_view(viewer: StaffMember) -> QuerySet[Person]:
    """People the viewer may see, with what a list row of them shows, in a fixed number of queries."""
    return visible_people(viewer).select_related("pdu", "pdu__region")


def name_or_crn(query: str) -> Q | None:
    """The match for a search box: an exact CRN, or every word starting the first or last name."""
    query = " ".join(query.split())
    if not query:
        return None
    if re.match(CRN_PATTERN, query.upper()):
        return Q(crn=query.upper())
    return name_starts(query)


def name_starts(query: str) -> Q:
    """Every word of the query starts the first or the last name."""
    match = Q()
    for term in query.split():
        match &= Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
    return match


def search_people(*, viewer: StaffMember, query: str, page: Any, channel: Channel) -> Page | None:
    """People the viewer may see whose CRN or name matches, a page at a time; None when there is nothing to
    search for. Analysts cannot search: a search by name or CRN would tell them who is on probation."""
    lens = Lens.of(viewer)
    match = name_or_crn(query)
    if match is None or not lens.identity:
        return None
    people = people_in_view(viewer).filter(match).order_by("last_name", "first_name", "pk")
    return shaped_page(
        viewer=viewer,
        rows=people,
        number=page,
        person_of=lambda p: p.pk,
        shape=lambda p: PersonRecord.shape(p, lens),
        channel=channel,
        purpose="Search results",
    )


# --- for the API ----------------------------------------------------------------------------------------------


def require_casework(viewer: StaffMember) -> None:
    """Refuse a role that does not record casework (analysts, inspectors, administrators) before anything is
    looked up, so that the refusal says nothing about whether a record exists."""
    if not can_record_casework(viewer):
        raise PermissionDenied("Your role cannot record casework.")


def by_ref(rows: QuerySet[Any], lookup: str, lens: Lens, kind: str, ref: str | int | None) -> QuerySet[Any]:
    """``rows`` filtered by a reference the viewer gave (an id, or an analyst's token); a reference to no
    record matches nothing, as a filter by an id that does not exist would."""
    if ref is None:
        return rows
    try:
        pk = record_id(lens, kind, ref)
    except RecordNotFound:
        return rows.none()
    return rows.filter(**{lookup: pk})


def list_people(
    *,
    viewer: StaffMember,
    pdu: str | None = None,
    crn: str | None = None,
    name: str | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[PersonRecord]]:
    """People the viewer may see, by surname (for analysts by id: an order by name would tell something of
    the names), with their diversity profile where the role may see it; the page is logged as an export.

    Analysts may not look people up by CRN or name: the answer would tell them who is on probation.
    """
    lens = Lens.of(viewer)
    if not lens.identity and (crn or name):
        raise PermissionDenied("Analysts cannot look people up by name or CRN.")
    people = people_in_view(viewer)
    if lens.diversity:
        people = people.select_related("diversity")
    if pdu:
        people = people.filter(pdu__code=pdu)
    if crn:
        people = people.filter(crn=crn.upper())
    if name:
        people = people.filter(name_starts(name))
    order = ("last_name", "first_name", "pk") if lens.identity else ("pk",)
    return shaped_slice(
        viewer=viewer,
        rows=people.order_by(*order),
        offset=offset,
        limit=limit,
        person_of=lambda p: p.pk,
        shape=lambda p: PersonRecord.shape(p, lens, with_diversity=True),
        channel=channel,
        purpose=purpose,
    )
