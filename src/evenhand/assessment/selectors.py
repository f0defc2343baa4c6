"""Reads the assessment pages, the API and the tier share (the door shapes and logs what they return)."""

import datetime as dt

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from evenhand.cases.models import Contact, ContactOutcome, Offence
from evenhand.people.models import Person

from .models import OPEN, Assessment, DiversityTopic, PreSentenceReport, TierCalculation


def with_parts() -> QuerySet[Assessment]:
    """Assessments with what a page of one shows, in a fixed number of queries."""
    return Assessment.objects.select_related(
        "person__pdu__region", "person__diversity", "assessor", "countersigned_by", "previous", "sentence"
    ).prefetch_related(
        "sections", Prefetch("topics", queryset=DiversityTopic.objects.select_related("profile_entry"))
    )


def assessments_of(person: Person) -> QuerySet[Assessment]:
    """A person's assessments, latest first."""
    return (
        Assessment.objects.filter(person=person)
        .select_related("assessor", "countersigned_by", "previous")
        .order_by("-started_on", "-id")
    )


def open_assessment_of(person: Person) -> Assessment | None:
    return Assessment.objects.filter(person=person, status__in=OPEN).first()


def attendance(person: Person, *, months: int = 12) -> list[tuple[str, int]]:
    """How the person's appointments of the last ``months`` months went: (outcome, count), most first."""
    since = timezone.now() - dt.timedelta(days=round(months * 30.44))
    rows = (
        Contact.objects.filter(person=person, starts_at__gte=since)
        .exclude(outcome="")
        .values("outcome")
        .annotate(n=Count("pk"))
        .order_by("-n", "outcome")
    )
    labels = dict(ContactOutcome.choices)
    return [(labels.get(r["outcome"], r["outcome"]), r["n"]) for r in rows]


def current_tier(person: Person | int) -> TierCalculation | None:
    """The person's latest computed tier, or None before one was computed."""
    pk = person if isinstance(person, int) else person.pk
    return TierCalculation.objects.filter(person_id=pk).order_by("-computed_at", "-id").first()


def tier_history(person: Person | int) -> QuerySet[TierCalculation]:
    """Every tier computed for the person, latest first."""
    pk = person if isinstance(person, int) else person.pk
    return TierCalculation.objects.filter(person_id=pk).order_by("-computed_at", "-id")


# --- pre-sentence reports -------------------------------------------------------------------------------


def reports_with_parts() -> QuerySet[PreSentenceReport]:
    """Pre-sentence reports with what a page of one shows, in a fixed number of queries."""
    return PreSentenceReport.objects.select_related(
        "person__pdu__region",
        "person__diversity",
        "author",
        "named_spo",
        "signed_off_by",
        "main_offence",
        "risk_review",
        "assessment",
    ).prefetch_related(
        "other_offences", Prefetch("assessment__topics", queryset=DiversityTopic.objects.order_by("id"))
    )


def reports_of(person: Person) -> QuerySet[PreSentenceReport]:
    """A person's pre-sentence reports, latest hearing first."""
    return (
        PreSentenceReport.objects.filter(person=person)
        .select_related("author", "named_spo", "signed_off_by", "main_offence", "risk_review", "assessment")
        .order_by("-hearing_date", "-id")
    )


def offences_of(person: Person) -> QuerySet[Offence]:
    """The offences the person's record holds, newest sentence first: a report's offences are chosen here."""
    return (
        Offence.objects.filter(sentence__person=person)
        .select_related("sentence")
        .order_by("-sentence__start_date", "-is_main", "id")
    )
