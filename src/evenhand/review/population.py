"""The population a round draws from: every case or decision of its kind in the unit and period, with the
person's ethnic group and tier band (the strata) and whose work it was. One query per kind, read as rows of
values (a PDU's cases, not the country's), sorted by id so that a seed always meets the same order."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import DateTimeField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from evenhand.assessment.models import PreSentenceReport, ReportStatus, TierCalculation
from evenhand.cases.models import RECALLS, Allocation, EnforcementDecision, Sentence, SentenceType
from evenhand.org.models import PDU
from evenhand.people.models import EthnicGroup

from .models import RoundStatus, SampledCase, SetKind, TierBand


@dataclass(frozen=True)
class Member:
    subject_id: int
    person_id: int
    ethnic_group: str
    tier_band: str
    practitioner_id: int | None
    judged_on: dt.date  # the day of the judged work: the decision's, or the period's end for a case


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(1)).day))


def tier_band(protect: str | None) -> str:
    if not protect:
        return TierBand.NONE
    return TierBand.HIGHER if protect in ("A", "B") else TierBand.LOWER


def _protect_at(end: dt.date, person: str) -> Subquery:
    latest = TierCalculation.objects.filter(
        person=OuterRef(person), computed_at__lt=_start(end + dt.timedelta(1))
    )
    return Subquery(latest.order_by("-computed_at", "-id").values("protect")[:1])


def _cases(pdu: PDU, start: dt.date, end: dt.date) -> QuerySet:
    holder = Allocation.objects.filter(sentence=OuterRef("pk"), start_date__lte=end).order_by(
        "-start_date", "-id"
    )
    return (
        Sentence.objects.filter(person__pdu=pdu, start_date__lte=end)
        .exclude(type=SentenceType.CUSTODY)
        .filter(
            Q(termination_date__isnull=True) | Q(termination_date__gte=start), expected_end_date__gte=start
        )
        .annotate(
            judged=Subquery(holder.values("practitioner")[:1]), when=Value(None, output_field=DateTimeField())
        )
    )


def _decisions(pdu: PDU, start: dt.date, end: dt.date, recalls: bool) -> QuerySet:
    found = EnforcementDecision.objects.filter(
        sentence__person__pdu=pdu,
        decided_at__gte=_start(start),
        decided_at__lt=_start(end + dt.timedelta(1)),
        corrected_by__isnull=True,
    )
    # A recall review covers the decisions after risk information too, including not to recall.
    recall = Q(decision__in=RECALLS) | Q(risk_information__isnull=False)
    found = found.filter(recall) if recalls else found.exclude(recall)
    return found.annotate(judged=F("decided_by_id"), when=F("decided_at"))


def population(
    *, pdu: PDU, kind: str, start: dt.date, end: dt.date, exclude_months: int
) -> tuple[list[Member], int]:
    """The round's population in id order, and how many were left out as reviewed in the last months."""
    person = "person_id"
    if kind == SetKind.CASE:
        rows: QuerySet = _cases(pdu, start, end)
    elif kind in (SetKind.ENFORCEMENT, SetKind.RECALL):
        rows = _decisions(pdu, start, end, recalls=kind == SetKind.RECALL)
        person = "sentence__person_id"
    elif kind == SetKind.ALLOCATION:
        rows = Allocation.objects.filter(
            sentence__person__pdu=pdu,
            allocated_at__gte=_start(start),
            allocated_at__lt=_start(end + dt.timedelta(1)),
        ).annotate(judged=F("allocated_by_id"), when=F("allocated_at"))
        person = "sentence__person_id"
    elif kind == SetKind.REPORT:
        rows = PreSentenceReport.objects.filter(
            person__pdu=pdu,
            status__in=[ReportStatus.DELIVERED, ReportStatus.SUPERSEDED],
            delivered_on__gte=start,
            delivered_on__lte=end,
        ).annotate(judged=F("author_id"), when=F("delivered_at"))
    else:
        raise ValueError(f"Not a kind of review: {kind!r}.")
    group_field = person.removesuffix("_id") + "__diversity__ethnic_group"
    values = (
        rows.annotate(
            who=F(person),
            group=Coalesce(F(group_field), Value(EthnicGroup.NOT_RECORDED.value)),
            protect=_protect_at(end, person),
        )
        .order_by("pk")
        .values_list("pk", "who", "group", "protect", "judged", "when")
    )
    # Already reviewed: the same person's case (or the same decision) in a confirmed round of this kind whose
    # period ended within the months before this one starts.
    since = months_before(start, exclude_months)
    reviewed = SampledCase.objects.filter(
        round__kind=kind,
        round__pdu=pdu,
        round__status__in=[RoundStatus.CONFIRMED, RoundStatus.CLOSED],
        round__period_end__gte=since,
    )
    if kind == SetKind.CASE:
        seen = set(reviewed.values_list("person_id", flat=True))
        members: dict[int, Member] = {}
        # One case per person: their latest sentence in the period (rows come in id order; a later start wins).
        starts = dict(rows.values_list("pk", "start_date"))
        for pk, who, group, protect, practitioner, _ in values:
            current = members.get(who)
            if current is None or starts[pk] >= starts[current.subject_id]:
                members[who] = Member(pk, who, group, tier_band(protect), practitioner, end)
        kept = sorted((m for m in members.values() if m.person_id not in seen), key=lambda m: m.subject_id)
        return kept, len(members) - len(kept)
    seen = set(reviewed.values_list("subject_id", flat=True))
    every = [
        Member(
            pk, who, group, tier_band(protect), practitioner, timezone.localtime(when).date() if when else end
        )
        for pk, who, group, protect, practitioner, when in values
    ]
    kept = [m for m in every if m.subject_id not in seen]
    return kept, len(every) - len(kept)
