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
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from evenhand.core.formatting import date_text, date_time_text
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from . import progress as rules_progress
from . import todo
from .models import (
    ENFORCEABLE_OUTCOMES,
    AssessmentSummary,
    AssessmentType,
    Contact,
    ContactOutcome,
    EnforcementDecision,
    Referral,
    Requirement,
    RequirementStatus,
    RiskSummary,
    Sentence,
    SentenceType,
)
from .todo import TodoKind

People = Collection[int] | QuerySet[Any]


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
    sentences: Collection[int] | QuerySet[Any], today: dt.date
) -> list[tuple[int, str, rules_progress.Progress]]:
    """(person id, status, progress) of every unpaid work, RAR and programme requirement of ``sentences``, in
    one grouped query: hours from the lengths of sessions attended and complied with, RAR days as the distinct
    days of such contacts, programme sessions as their count."""
    complied = Q(contacts__outcome=ContactOutcome.ATTENDED_COMPLIED)
    rows = (
        Requirement.objects.filter(sentence_id__in=sentences, type__in=rules_progress.COUNTED)
        .order_by()
        .values(
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
        .annotate(
            minutes=Sum("contacts__duration_minutes", filter=complied),
            days=Count(
                TruncDate("contacts__starts_at", tzinfo=timezone.get_current_timezone()),
                filter=complied,
                distinct=True,
            ),
            sessions=Count("contacts", filter=complied),
        )
    )
    found = []
    for row in rows:
        kind = row["type"]
        done = {
            "unpaid_work": rules_progress.hours(row["minutes"] or 0),
            "rar": Decimal(row["days"]),
        }.get(kind, Decimal(row["sessions"]))
        made = rules_progress.progress(
            requirement_id=row["pk"],
            type=kind,
            unpaid_work_hours=row["unpaid_work_hours"],
            rar_days=row["rar_days"],
            length_months=row["length_months"],
            sentence_start=row["sentence__start_date"],
            sentence_end=row["sentence__termination_date"] or row["sentence__expected_end_date"],
            done=done,
            today=today,
        )
        found.append((row["sentence__person_id"], row["status"], made))
    return found


def requirement_progress(
    sentences: Collection[int] | QuerySet[Any], today: dt.date
) -> dict[int, rules_progress.Progress]:
    """The progress of every unpaid work, RAR and programme requirement of ``sentences``, by requirement id,
    in one grouped query (see ``_progress_rows``)."""
    return {made.requirement_id: made for _, _, made in _progress_rows(sentences, today)}


# --- the to-do list ----------------------------------------------------------------------------------------


def _running(today: dt.date) -> Q:
    return Q(termination_date__isnull=True) | Q(termination_date__gte=today)


def _outcomes(people: People, now: dt.datetime) -> list[TodoItem]:
    rows = (
        Contact.objects.filter(person_id__in=people, outcome="", starts_at__lte=now)
        .order_by("starts_at", "pk")
        .values_list("pk", "person_id", "type", "starts_at")
    )
    labels = dict(Contact._meta.get_field("type").choices)  # type: ignore[arg-type]
    return [
        TodoItem(
            kind=TodoKind.OUTCOME,
            person_id=person_id,
            due=timezone.localdate(starts_at),
            overdue=timezone.localdate(starts_at) < timezone.localdate(now),
            text=f"Record the outcome of the {str(labels[type]).lower()} on {date_time_text(starts_at, tz=timezone.get_current_timezone())}",
            record_id=pk,
        )
        for pk, person_id, type, starts_at in rows
        if todo.outcome_due(starts_at, now)
    ]


def _enforcement(people: People) -> list[TodoItem]:
    """Unacceptable failures to comply that no standing (uncorrected) decision answers, as
    ``selectors.unanswered_failures`` defines them; read as the people's failures (by the person index) and
    then which of those are answered, because PostgreSQL plans the anti-join for a PDU's people over every
    decision in the country (seconds)."""
    failures = list(
        Contact.objects.filter(person_id__in=people, outcome__in=ENFORCEABLE_OUTCOMES)
        .order_by("starts_at", "pk")
        .values_list("pk", "person_id", "sentence_id", "starts_at", "outcome")
    )
    if not failures:
        return []
    answered = set(
        EnforcementDecision.triggering_contacts.through.objects.filter(
            contact_id__in=[f[0] for f in failures], enforcementdecision__corrected_by__isnull=True
        ).values_list("contact_id", flat=True)
    )
    labels = dict(ContactOutcome.choices)
    return [
        TodoItem(
            kind=TodoKind.ENFORCEMENT,
            person_id=person_id,
            due=timezone.localdate(starts_at),
            overdue=True,
            text=f"Decide what to do about the {labels[outcome].lower()} on "
            f"{date_text(timezone.localdate(starts_at))}",
            record_id=sentence_id,
        )
        for pk, person_id, sentence_id, starts_at, outcome in failures
        if pk not in answered
    ]


def _sentences(people: People, today: dt.date) -> tuple[list[TodoItem], list[int]]:
    """Assessments and sentences ending, from the running sentences; and those sentences' ids."""
    assessed = AssessmentSummary.objects.filter(
        person_id=OuterRef("person_id"), completed_on__isnull=False
    ).exclude(type=AssessmentType.PRE_SENTENCE_REPORT)
    rows = (
        Sentence.objects.filter(person_id__in=people)
        .filter(_running(today))
        .exclude(type=SentenceType.CUSTODY)
        .annotate(
            assessed=Exists(
                assessed.filter(Q(sentence_id=OuterRef("pk")) | Q(completed_on__gte=OuterRef("start_date")))
            )
        )
        .order_by("start_date", "pk")
        .values_list(
            "pk", "person_id", "type", "start_date", "expected_end_date", "termination_date", "assessed"
        )
    )
    labels = dict(SentenceType.choices)
    items: list[TodoItem] = []
    ids: list[int] = []
    for pk, person_id, type, start, expected_end, terminated, assessed_yet in rows:
        ids.append(pk)
        label = labels[type].lower()
        if type in todo.ASSESSED_SENTENCES and not assessed_yet and todo.assessment_due(start, today):
            deadline = todo.assessment_deadline(start)
            overdue = todo.assessment_overdue(start, today)
            items.append(
                TodoItem(
                    kind=TodoKind.ASSESSMENT,
                    person_id=person_id,
                    due=deadline,
                    overdue=overdue,
                    text=f"Assessment for the {label} {'was due' if overdue else 'is due'} by {date_text(deadline)}",
                    record_id=pk,
                )
            )
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
    return items, ids


def _requirements(
    sentence_ids: list[int], today: dt.date
) -> tuple[list[TodoItem], dict[int, rules_progress.Progress]]:
    """Requirements still running that are at risk; and the progress of every requirement, by id."""
    if not sentence_ids:
        return [], {}
    items = []
    progress = {}
    for person_id, status, made in _progress_rows(sentence_ids, today):
        progress[made.requirement_id] = made
        if status in (RequirementStatus.COMPLETED, RequirementStatus.TERMINATED) or not made.at_risk:
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


def _rosh_reviews(people: People, today: dt.date) -> list[TodoItem]:
    latest = RiskSummary.objects.filter(person=OuterRef("pk")).order_by("-assessed_on", "-id")
    rows = (
        Person.objects.filter(pk__in=people)
        .annotate(next_review=Subquery(latest.values("next_review_due")[:1]))
        .filter(next_review__lt=today)
        .order_by()
        .values_list("pk", "next_review")
    )
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


def _referrals(people: People, today: dt.date) -> list[TodoItem]:
    quiet_since = today - dt.timedelta(days=todo.REFERRAL_QUIET_DAYS)
    rows = (
        Referral.objects.filter(
            person_id__in=people, status__in=todo.OPEN_REFERRALS, status_changed_on__lte=quiet_since
        )
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
    record, and one per registered source) whatever their number."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    items: list[TodoItem] = []
    items += _outcomes(people, now)
    items += _enforcement(people)
    from_sentences, sentence_ids = _sentences(people, today)
    items += from_sentences
    at_risk, progress = _requirements(sentence_ids, today)
    items += at_risk
    items += _rosh_reviews(people, today)
    items += _referrals(people, today)
    for source in TODO_SOURCES:
        items += source(people, viewer, today)
    found: dict[int, list[TodoItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.due, i.kind)):
        found[item.person_id].append(item)
    return found, progress


def todo_items(
    people: People, *, viewer: StaffMember, now: dt.datetime | None = None
) -> dict[int, list[TodoItem]]:
    """Every to-do item of ``people``, by person (see ``todo_and_progress``)."""
    return todo_and_progress(people, viewer=viewer, now=now)[0]


def counts(items: list[TodoItem]) -> dict[str, int]:
    """How many items of each kind."""
    found = dict.fromkeys(TodoKind.values, 0)
    for item in items:
        found[item.kind] += 1
    return found


# --- appointments ------------------------------------------------------------------------------------------


def appointments() -> QuerySet[Contact]:
    return Contact.objects.select_related(
        "person", "sentence", "requirement", "with_staff", "recorded_by", "outcome_recorded_by"
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
