"""Read queries for the practitioner's day: appointments, requirement progress and the to-do list.

Each function reads a whole caseload (or a page of it, or one person) in a fixed number of grouped queries,
however many people: the rules that turn the rows into to-do items are in :mod:`evenhand.cases.todo` and
:mod:`evenhand.cases.progress`. Nothing here checks the viewer; the door does, before and after.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from operator import attrgetter
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from evenhand.core.concurrent import read_together
from evenhand.core.formatting import date_text, date_time_text
from evenhand.core.lookups import Ids
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from . import progress as rules_progress
from . import todo
from .models import (
    ENFORCEABLE_OUTCOMES,
    Contact,
    ContactOutcome,
    EnforcementDecision,
    Referral,
    Requirement,
    RequirementStatus,
    RequirementType,
    RiskSummary,
    Sentence,
    SentenceType,
)
from .todo import TodoKind

People = Collection[int] | Ids | QuerySet[Any]


@dataclass(frozen=True)
class TodoItem:
    """One thing to do about a person, computed from their records."""

    kind: TodoKind
    person_id: int
    due: dt.date
    overdue: bool
    text: str
    record_id: int | None = None  # the contact, sentence, requirement, referral or consultation it is about

    @property
    def kind_label(self) -> str:
        return self.kind.label


# Sources of to-do items held by apps above this one (the workload app's consultations), registered when
# those apps start: each takes the people and the viewer and returns items, in one query.
TodoSource = Callable[[People, StaffMember, dt.date], Iterable[TodoItem]]
TODO_SOURCES: list[TodoSource] = []


def register_todo_source(source: TodoSource) -> TodoSource:
    if source not in TODO_SOURCES:
        TODO_SOURCES.append(source)
    return source


# --- requirement progress ----------------------------------------------------------------------------------


def _progress_rows(
    of_sentences: Q, today: dt.date, *, running_only: bool = False
) -> list[tuple[int, str, rules_progress.Progress]]:
    """(person id, status, progress) of every unpaid work, RAR and programme requirement of the sentences
    ``of_sentences`` chooses (a condition on requirements), in
    two queries: the requirements, then what their contacts attended and complied with add up to, by
    requirement (hours from the sessions' lengths, RAR days as the distinct days, programme sessions as their
    count). One query joining both PostgreSQL judged forty times larger than it is, and gave it to parallel
    workers whose start cost more than the work (15 ms of a head of PDU's to-do list, against 2).
    ``running_only``: not the requirements completed or terminated (none of them is at risk)."""
    chosen = Requirement.objects.filter(of_sentences, type__in=rules_progress.COUNTED)
    if running_only:
        chosen = chosen.exclude(status__in=ENDED_REQUIREMENTS)
    requirements = list(
        chosen.order_by().values_list(
            "pk",
            "type",
            "status",
            "unpaid_work_hours",
            "rar_days",
            "length_months",
            "sentence__person_id",
            "sentence__start_date",
            "sentence__expected_end_date",
            "sentence__termination_date",
        )
    )
    done_by: dict[int, dict[str, Any]] = {}
    if requirements:
        done_by = {
            row["requirement_id"]: dict(row)
            for row in Contact.objects.filter(
                requirement_id__among={r[0] for r in requirements}, outcome=ContactOutcome.ATTENDED_COMPLIED
            )
            .order_by()
            .values("requirement_id")
            .annotate(
                minutes=Sum("duration_minutes"),
                days=Count(TruncDate("starts_at", tzinfo=timezone.get_current_timezone()), distinct=True),
                sessions=Count("pk"),
            )
        }
    none = {"minutes": 0, "days": 0, "sessions": 0}
    found = []
    for pk, kind, status, hours, rar_days, months, person_id, start, expected_end, terminated in requirements:
        row = done_by.get(pk, none)
        if kind == RequirementType.UNPAID_WORK:
            done = rules_progress.hours(row["minutes"] or 0)
        else:
            done = Decimal(row["days"] if kind == RequirementType.RAR else row["sessions"])
        made = rules_progress.progress(
            requirement_id=pk,
            type=kind,
            unpaid_work_hours=hours,
            rar_days=rar_days,
            length_months=months,
            sentence_start=start,
            sentence_end=terminated or expected_end,
            done=done,
            today=today,
        )
        found.append((person_id, status, made))
    return found


def requirement_progress(
    sentences: Collection[int] | QuerySet[Any], today: dt.date
) -> dict[int, rules_progress.Progress]:
    """The progress of every unpaid work, RAR and programme requirement of ``sentences``, by requirement id,
    in one grouped query (see ``_progress_rows``)."""
    chosen = Q(sentence_id__among=sentences if isinstance(sentences, QuerySet) else set(sentences))
    return {made.requirement_id: made for _, _, made in _progress_rows(chosen, today)}


# --- the to-do list ----------------------------------------------------------------------------------------


ENDED_REQUIREMENTS = (RequirementStatus.COMPLETED, RequirementStatus.TERMINATED)


def _running(today: dt.date, sentence: str = "") -> Q:
    """Sentences not terminated before ``today`` (``sentence``: the path to them, from another model)."""
    return Q(**{f"{sentence}termination_date__isnull": True}) | Q(
        **{f"{sentence}termination_date__gte": today}
    )


def _running_in_the_community(people: People, today: dt.date, sentence: str = "") -> Q:
    """The running sentences of ``people`` served in the community: those with appointments, requirements and
    an expected end to warn of (``sentence``: the path to them, from another model)."""
    return (
        Q(**{f"{sentence}person_id__among": people})
        & _running(today, sentence)
        & ~Q(**{f"{sentence}type": SentenceType.CUSTODY})
    )


def _outcomes_due(people: People, now: dt.datetime) -> QuerySet[Contact]:
    """Appointments of ``people`` with no outcome that have started (``todo.outcome_due``)."""
    return Contact.objects.filter(person_id__among=people, outcome="", starts_at__lte=now)


def _outcomes(people: People, now: dt.datetime) -> list[TodoItem]:
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now, zone)
    rows = (
        _outcomes_due(people, now)
        .order_by("starts_at", "pk")
        .values_list("pk", "person_id", "type", "starts_at")
    )
    labels = dict(Contact._meta.get_field("type").choices)  # type: ignore[arg-type]
    return [
        TodoItem(
            kind=TodoKind.OUTCOME,
            person_id=person_id,
            due=(day := timezone.localdate(starts_at, zone)),
            overdue=day < today,
            text=f"Record the outcome of the {str(labels[type]).lower()} on {date_time_text(starts_at, tz=zone)}",
            record_id=pk,
        )
        for pk, person_id, type, starts_at in rows
        if todo.outcome_due(starts_at, now)
    ]


def _unanswered_failures(people: People, *, detail: bool = True) -> list[tuple[Any, ...]]:
    """(person id, sentence id, when, outcome) of the unacceptable failures to comply of ``people`` that no
    standing (uncorrected) decision answers, as ``selectors.unanswered_failures`` defines them, earliest first;
    without ``detail``, (person id,) of each, in no order (for counting: a PDU's 1,300 times not read).

    In two steps: the people's failures (by their partial index), then which of those the standing decisions
    answer, by their ids. As one query with ``NOT EXISTS``, PostgreSQL's statistics after a VACUUM ANALYZE
    judged the standing decisions to be one row, and compared each of a PDU's 1,357 failures with all 90,000
    of the country's (a second, against 7 ms)."""
    rows = Contact.objects.filter(person_id__among=people, outcome__in=ENFORCEABLE_OUTCOMES)
    failures: list[tuple[Any, ...]] = list(
        rows.order_by("starts_at", "pk").values_list("pk", "person_id", "sentence_id", "starts_at", "outcome")
        if detail
        else rows.order_by().values_list("pk", "person_id")
    )
    if not failures:
        return []
    answered = set(
        EnforcementDecision.triggering_contacts.through.objects.filter(
            contact_id__among=Ids(f[0] for f in failures), enforcementdecision__corrected_by__isnull=True
        ).values_list("contact_id", flat=True)
    )
    return [failure[1:] for failure in failures if failure[0] not in answered]


def _enforcement(people: People) -> list[TodoItem]:
    failures = _unanswered_failures(people)
    labels = dict(ContactOutcome.choices)
    zone = timezone.get_current_timezone()
    return [
        TodoItem(
            kind=TodoKind.ENFORCEMENT,
            person_id=person_id,
            due=(day := timezone.localdate(starts_at, zone)),
            overdue=True,
            text=f"Decide what to do about the {labels[outcome].lower()} on {date_text(day)}",
            record_id=sentence_id,
        )
        for person_id, sentence_id, starts_at, outcome in failures
    ]


def _sentences_ending(people: People, today: dt.date) -> list[TodoItem]:
    """Sentences ending, from the running sentences in the community. (Assessments due are the assessment
    app's registered source.)"""
    rows = (
        Sentence.objects.filter(_running_in_the_community(people, today))
        .order_by("start_date", "pk")
        .values_list("pk", "person_id", "type", "expected_end_date", "termination_date")
    )
    labels = dict(SentenceType.choices)
    items: list[TodoItem] = []
    for pk, person_id, type, expected_end, terminated in rows:
        label = labels[type].lower()
        ends = terminated or expected_end
        if terminated is None and todo.sentence_ending_soon(ends, today):
            items.append(
                TodoItem(
                    kind=TodoKind.SENTENCE_ENDING,
                    person_id=person_id,
                    due=ends,
                    overdue=False,
                    text=f"The {label} is expected to end on {date_text(ends)}",
                    record_id=pk,
                )
            )
    return items


def _requirements(
    people: People, today: dt.date, *, running_only: bool = False
) -> tuple[list[TodoItem], dict[int, rules_progress.Progress]]:
    """Requirements still running that are at risk; and the progress of every requirement of the running
    sentences in the community of ``people`` (``running_only``: of those still running), by id. Read apart
    from the sentences ending, so that the two can be read side by side."""
    items = []
    progress = {}
    of_sentences = _running_in_the_community(people, today, sentence="sentence__")
    for person_id, status, made in _progress_rows(of_sentences, today, running_only=running_only):
        progress[made.requirement_id] = made
        if status in ENDED_REQUIREMENTS or not made.at_risk:
            continue
        items.append(
            TodoItem(
                kind=TodoKind.REQUIREMENT,
                person_id=person_id,
                due=made.expected_end,
                overdue=today > made.expected_end,
                text=f"{made.done} of {made.ordered} {made.unit} done: at this rate it will not be complete "
                f"by {date_text(made.expected_end)}",
                record_id=made.requirement_id,
            )
        )
    return items, progress


def _rosh_overdue(people: People, today: dt.date) -> QuerySet[Person]:
    """The people whose latest risk summary's next review date has passed (``todo.rosh_review_overdue``), with
    that date as ``next_review``."""
    latest = RiskSummary.objects.filter(person=OuterRef("pk")).order_by("-assessed_on", "-id")
    return (
        Person.objects.filter(pk__among=people)
        .annotate(next_review=Subquery(latest.values("next_review_due")[:1]))
        .filter(next_review__lt=today)
        .order_by()
    )


def _rosh_reviews(people: People, today: dt.date) -> list[TodoItem]:
    # next_review: the annotation _rosh_overdue makes, which the type checker does not follow.
    rows = _rosh_overdue(people, today).values_list("pk", "next_review")  # type: ignore[misc]
    return [
        TodoItem(
            kind=TodoKind.ROSH_REVIEW,
            person_id=person_id,
            due=due,
            overdue=True,
            text=f"Risk of serious harm review was due on {date_text(due)}",
        )
        for person_id, due in rows
        if todo.rosh_review_overdue(due, today)
    ]


def _referrals_quiet(people: People, today: dt.date) -> QuerySet[Referral]:
    """Open referrals of ``people`` whose status has not changed in 28 days (``todo.referral_quiet``)."""
    quiet_since = today - dt.timedelta(days=todo.REFERRAL_QUIET_DAYS)
    return Referral.objects.filter(
        person_id__among=people, status__in=todo.OPEN_REFERRALS, status_changed_on__lte=quiet_since
    )


def _referrals(people: People, today: dt.date) -> list[TodoItem]:
    rows = (
        _referrals_quiet(people, today)
        .order_by("status_changed_on", "pk")
        .values_list("pk", "person_id", "service_area", "status", "status_changed_on")
    )
    areas = dict(Referral._meta.get_field("service_area").choices)  # type: ignore[arg-type]
    return [
        TodoItem(
            kind=TodoKind.REFERRAL,
            person_id=person_id,
            due=changed + dt.timedelta(days=todo.REFERRAL_QUIET_DAYS),
            overdue=True,
            text=f"{areas[area]} referral: no update since {date_text(changed)}",
            record_id=pk,
        )
        for pk, person_id, area, status, changed in rows
        if todo.referral_quiet(status, changed, today)
    ]


def todo_and_progress(
    people: People, *, viewer: StaffMember, now: dt.datetime | None = None
) -> tuple[dict[int, list[TodoItem]], dict[int, rules_progress.Progress]]:
    """Every to-do item of ``people`` (ids, or a query of them), by person, soonest due first, and the progress
    of their running sentences' requirements, by requirement id; in a fixed number of queries (one per kind of
    record, and one per registered source) whatever their number. To count them, ``todo_counts``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    people = _as_ids(people)
    items: list[TodoItem] = []
    items += _outcomes(people, now)
    items += _enforcement(people)
    items += _sentences_ending(people, today)
    at_risk, progress = _requirements(people, today)
    items += at_risk
    items += _rosh_reviews(people, today)
    items += _referrals(people, today)
    for source in TODO_SOURCES:
        items += source(people, viewer, today)
    found: dict[int, list[TodoItem]] = defaultdict(list)
    for item in sorted(items, key=attrgetter("due", "kind")):
        found[item.person_id].append(item)
    return found, progress


def _as_ids(people: People) -> People:
    # Written out once for every query's ``__among`` (core/lookups.py).
    return people if isinstance(people, QuerySet | Ids) else Ids(people)


def todo_counts(
    people: People, *, viewer: StaffMember, now: dt.datetime | None = None
) -> dict[int, dict[str, int]]:
    """How many to-do items of each kind each of ``people`` has, for those with any: what ``todo_items`` finds,
    counted (tests hold the two equal), with the appointment outcomes to record (thousands in a PDU), reviews
    overdue and quiet referrals counted by the database instead of made into items. For sorting a team or a PDU
    by what is to do. The kinds are read side by side (``read_together``): none depends on another."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Ids, never a query: the calls below run in threads, which must not share a query object (core.concurrent).
    people = Ids(people.values_list("pk", flat=True)) if isinstance(people, QuerySet) else _as_ids(people)

    def per_person(rows: QuerySet[Any]) -> list[tuple[int, int]]:
        return list(rows.order_by().values("person_id").annotate(n=Count("pk")).values_list("person_id", "n"))

    def from_source(source: TodoSource) -> Callable[[], list[TodoItem]]:
        return lambda: list(source(people, viewer, today))

    # The longest first: it runs in this thread while the others start in the pool.
    at_risk, *sourced, ending, outcomes, referrals, rosh, failures = read_together(
        lambda: _requirements(people, today, running_only=True)[0],
        *(from_source(source) for source in TODO_SOURCES),
        lambda: _sentences_ending(people, today),
        lambda: per_person(_outcomes_due(people, now)),
        lambda: per_person(_referrals_quiet(people, today)),
        lambda: list(_rosh_overdue(people, today).values_list("pk", flat=True)),
        lambda: _unanswered_failures(people, detail=False),
    )
    kinds = TodoKind.values  # worked out from the enumeration at each reading: once, not once a person
    found: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(kinds, 0))
    for kind, counted in ((TodoKind.OUTCOME, outcomes), (TodoKind.REFERRAL, referrals)):
        for person_id, n in counted:
            found[person_id][kind] += n
    for person_id in rosh:
        found[person_id][TodoKind.ROSH_REVIEW] += 1
    for person_id, *_ in failures:
        found[person_id][TodoKind.ENFORCEMENT] += 1
    for item in chain(at_risk, ending, *sourced):
        found[item.person_id][item.kind] += 1
    return dict(found)


def todo_items(
    people: People, *, viewer: StaffMember, now: dt.datetime | None = None
) -> dict[int, list[TodoItem]]:
    """Every to-do item of ``people``, by person (see ``todo_and_progress``)."""
    return todo_and_progress(people, viewer=viewer, now=now)[0]


# --- appointments ------------------------------------------------------------------------------------------


def appointments() -> QuerySet[Contact]:
    # The person's PDU and region too: the person's name is shaped from their record (PersonRecord), which
    # reads both (two queries a row for the API's list of appointments without them).
    return Contact.objects.select_related(
        "person__pdu__region", "sentence", "requirement", "with_staff", "recorded_by", "outcome_recorded_by"
    )


def week_of(practitioner: StaffMember, monday: dt.date) -> QuerySet[Contact]:
    """The appointments with ``practitioner`` in the week from ``monday`` (local time), in time order."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time()), zone)
    end = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time()), zone)
    return (
        appointments()
        .filter(with_staff=practitioner, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "pk")
    )


def upcoming_for(person: Person, now: dt.datetime | None = None) -> QuerySet[Contact]:
    """A person's booked appointments from now on, soonest first."""
    return (
        appointments()
        .filter(person=person, outcome="", starts_at__gt=now or timezone.now())
        .order_by("starts_at", "pk")
    )
