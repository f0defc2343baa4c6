"""Read queries over case records, shared by the web views and the API.

Every function returns a lazy queryset or a bounded list, built so that a page issues a fixed number of
queries however long the caseload or the timeline.
"""

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from evenhand.people.models import Person

from .models import (
    ENFORCEABLE_OUTCOMES,
    RECALLS,
    Allocation,
    Contact,
    EnforcementDecision,
    Referral,
    Registration,
    RegistrationReview,
    RiskInformation,
    RiskSummary,
    Sentence,
    SentenceCorrection,
    SentenceExtension,
)


def _latest_risk(field: str) -> Subquery:
    return Subquery(
        RiskSummary.objects.filter(person=OuterRef("pk")).order_by("-assessed_on", "-id").values(field)[:1]
    )


def unanswered_failures() -> QuerySet[Contact]:
    """Unacceptable failures to comply that no standing (uncorrected) decision answers yet."""
    answered = EnforcementDecision.triggering_contacts.through.objects.filter(
        contact_id=OuterRef("pk"), enforcementdecision__corrected_by__isnull=True
    )
    return Contact.objects.filter(outcome__in=ENFORCEABLE_OUTCOMES).filter(~Exists(answered))


def with_case_summary(people: QuerySet[Person]) -> QuerySet[Person]:
    """Annotate people with current tier and RoSH, next appointment and outstanding enforcement decisions."""
    now = timezone.now()
    outstanding = (
        unanswered_failures()
        .filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return people.annotate(
        tier=_latest_risk("tier"),
        rosh=_latest_risk("rosh"),
        next_appointment=Subquery(
            Contact.objects.filter(person=OuterRef("pk"), starts_at__gte=now, outcome="")
            .order_by()
            .values("person")
            .annotate(first=Min("starts_at"))
            .values("first")
        ),
        outstanding_enforcement=Coalesce(Subquery(outstanding), 0),
    )


def current_risk(person: Person) -> RiskSummary | None:
    return person.risk_summaries.order_by("-assessed_on", "-id").first()


def sentences_with_parts() -> QuerySet[Sentence]:
    """Sentences with what a record of one shows: offences, requirements, the current allocation
    (``current_allocations``, with its practitioner), extensions (``extension_list``) and corrections
    (``correction_list``), in a fixed number of queries however many."""
    current = Allocation.objects.filter(end_date__isnull=True).select_related("practitioner")
    extensions = SentenceExtension.objects.select_related("recorded_by")
    corrections = SentenceCorrection.objects.select_related("recorded_by")
    return Sentence.objects.prefetch_related(
        "offences",
        "requirements",
        Prefetch("allocations", queryset=current, to_attr="current_allocations"),
        Prefetch("extensions", queryset=extensions, to_attr="extension_list"),
        Prefetch("corrections", queryset=corrections, to_attr="correction_list"),
    )


def sentences_of(person: Person) -> QuerySet[Sentence]:
    """A person's sentences, newest first, with offences, requirements and the current practitioner."""
    return sentences_with_parts().filter(person=person).order_by("-start_date", "-pk")


def timeline(person: Person) -> QuerySet[Contact]:
    """A person's contacts, newest first, ready to paginate."""
    return (
        Contact.objects.filter(person=person)
        .select_related(
            "sentence", "recorded_by", "outcome_recorded_by", "rescheduled_to", "rescheduled_from"
        )
        .prefetch_related("enforcement_decisions")
        .order_by("-starts_at", "-pk")
    )


def decisions_to_show(decisions: QuerySet[EnforcementDecision]) -> QuerySet[EnforcementDecision]:
    """``decisions`` with what a decision's record shows (``DecisionRecord``): its sentence, decider, outcome and
    correction joined; the decision it corrects, its endorsement and the failures it answers read afterwards,
    by id. Joined all at once (nine tables with the endorser) PostgreSQL spent 7 to 14 ms choosing an order to
    read a person's one decision in 0.2 ms; in the fixed number of queries, under 1 ms."""
    return decisions.select_related("sentence", "decided_by", "outcome", "corrected_by").prefetch_related(
        "corrects",
        "endorsement__endorsed_by",
        Prefetch("triggering_contacts", queryset=Contact.objects.only("pk")),
    )


def enforcement_history(person: Person) -> QuerySet[EnforcementDecision]:
    return (
        decisions_to_show(EnforcementDecision.objects.filter(sentence__person=person))
        .annotate(is_corrected=Exists(EnforcementDecision.objects.filter(corrects=OuterRef("pk"))))
        .order_by("-decided_at", "-pk")
    )


def referrals_of(person: Person) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(person=person)
        .select_related("sentence", "made_by")
        .order_by("-made_on", "-pk")
    )


def outstanding_failures(person: Person) -> QuerySet[Contact]:
    """A person's unacceptable failures still waiting for an enforcement decision, oldest first."""
    return unanswered_failures().filter(person=person).select_related("sentence").order_by("starts_at", "pk")


def failures_to_decide(
    sentence: Sentence, *, corrects: EnforcementDecision | None = None
) -> QuerySet[Contact]:
    """The failures an enforcement decision on this sentence may answer, oldest first: those the decision it
    corrects answered, or else those still waiting for a decision."""
    if corrects is not None:
        failures = Contact.objects.filter(enforcement_decisions=corrects)
    else:
        failures = unanswered_failures().filter(sentence=sentence)
    return failures.select_related("sentence").order_by("starts_at", "pk")


def active_sentences(person: Person) -> QuerySet[Sentence]:
    today = timezone.localdate()
    return Sentence.objects.filter(person=person).filter(
        Q(termination_date__isnull=True) | Q(termination_date__gte=today)
    )


def risk_history(person: Person) -> QuerySet[RiskSummary]:
    """A person's risk reviews, latest first (the first is the current one), with who recorded each."""
    return person.risk_summaries.select_related("recorded_by").order_by("-assessed_on", "-id")


def registrations_with_reviews() -> QuerySet[Registration]:
    """Registrations with who recorded them and their reviews, latest first, in a fixed number of queries."""
    reviews = RegistrationReview.objects.select_related("reviewed_by")
    return Registration.objects.select_related("recorded_by").prefetch_related(
        Prefetch("reviews", queryset=reviews)
    )


def registrations_of(person: Person) -> QuerySet[Registration]:
    """A person's registrations: open ones first, then by start, latest first."""
    return (
        registrations_with_reviews()
        .filter(person=person)
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
    )


# --- risk information -----------------------------------------------------------------------------------


def risk_information_with_decisions() -> QuerySet[RiskInformation]:
    """Risk information with who recorded it and its standing decision (with the decider and any endorsement),
    in a fixed number of queries."""
    standing = decisions_to_show(EnforcementDecision.objects.filter(corrected_by__isnull=True))
    return RiskInformation.objects.select_related("recorded_by", "sentence").prefetch_related(
        Prefetch("decisions", queryset=standing, to_attr="standing_decisions")
    )


def risk_information_of(person: Person) -> QuerySet[RiskInformation]:
    """A person's risk information, latest received first."""
    return risk_information_with_decisions().filter(person=person).order_by("-received_at", "-pk")


def risk_decisions_waiting(people: QuerySet[Person]) -> QuerySet[RiskInformation]:
    """Risk information on licences of ``people`` whose decision on recall is not settled: no standing decision
    yet, or a decision not to recall that no manager has endorsed. Earliest deadline (most overdue) first."""
    settled = EnforcementDecision.objects.filter(
        risk_information=OuterRef("pk"), corrected_by__isnull=True
    ).filter(Q(decision__in=RECALLS) | Q(endorsement__isnull=False))
    return (
        risk_information_with_decisions()
        .filter(person__in=people, recall_considered=True)
        .exclude(Exists(settled))
        .select_related("person")
        .order_by("decision_due_at", "pk")
    )
