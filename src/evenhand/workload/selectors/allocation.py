"""The allocation queue, the recommendation for a queued case, and the sensitive-case protocol's reads."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from evenhand.cases.models import (
    Allocation,
    Offence,
    OffenceFlag,
    RiskSummary,
    Sentence,
    needs_probation_officer,
)
from evenhand.cases.selectors import current_risk
from evenhand.org.models import Grade, StaffMember
from evenhand.people.access import visible_people
from evenhand.people.models import Exclusion, Restriction

from ..models import Consultation, ConsultationResponse, StaffSensitivity, Transfer
from ..rules import sensitive_flags
from .figures import Figure, Weightings, _tier_on, case_holders, case_type_of, figures, tier_of


def _latest_risk(field: str) -> Subquery:
    return Subquery(
        RiskSummary.objects.filter(person_id=OuterRef("person_id"))
        .order_by("-assessed_on", "-id")
        .values(field)[:1]
    )


def _any_offence_flagged(flags: tuple[str, ...] | list[str]) -> Exists:
    flagged = Q()
    for flag in flags:
        flagged |= Q(**{flag: True})
    return Exists(Offence.objects.filter(flagged, sentence_id=OuterRef("pk")))


def allocation_queue(manager: StaffMember, today: dt.date | None = None) -> QuerySet[Sentence]:
    """Sentences in the manager's PDU that nobody holds (running, and with no allocation current today or later)
    or that were transferred in and wait for allocation while the sending practitioner still holds them.

    Oldest sentence first, annotated with the person's tier, RoSH and MAPPA level and whether the case falls under
    the sensitive-case protocol; the person and their PDU loaded, offences and requirements prefetched, so that
    ``evenhand.workload.door`` shapes a page of them in a fixed number of queries.
    """
    today = today or timezone.localdate()
    if manager.pdu_id is None:
        return Sentence.objects.none()
    held = Allocation.objects.filter(sentence_id=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    return (
        Sentence.objects.filter(person__pdu_id=manager.pdu_id, person__in=visible_people(manager))
        .filter(Q(termination_date__isnull=True) | Q(termination_date__gte=today))
        # A case transferred in waits here while the sending practitioner still holds it.
        .filter(
            ~Exists(held)
            | Exists(Transfer.objects.filter(sentence_id=OuterRef("pk"), allocation__isnull=True))
        )
        .select_related("person", "person__pdu", "person__pdu__region")
        .prefetch_related("offences", "requirements")
        .annotate(
            # The tier the workload figure weights the case by: computed, else entered on a risk review.
            tier=_tier_on(today, "person_id"),
            rosh=_latest_risk("rosh"),
            mappa_level=_latest_risk("mappa_level"),
            sensitive=_any_offence_flagged(sensitive_flags()),
        )
        .order_by("start_date", "pk")
    )


def sentence_flags(sentence: Sentence) -> set[str]:
    """The offence flags set on any of the sentence's offences."""
    values = Offence.objects.filter(sentence=sentence).values(*OffenceFlag.values)
    return {flag for row in values for flag, on in row.items() if on}


def protocol_flags(flags: set[str]) -> list[OffenceFlag]:
    """Which of these flags put the case under the sensitive-case protocol."""
    return [flag for flag in sensitive_flags() if flag in flags]


def consultation_flags(practitioner: StaffMember, flags: set[str]) -> list[OffenceFlag]:
    """Why a consultation with ``practitioner`` is called for, among a case's offence ``flags``: those that put it
    under the protocol, then those matching the practitioner's own sensitivities, in the order of the flags."""
    own = set(
        StaffSensitivity.objects.filter(staff=practitioner, kind__in=flags).values_list("kind", flat=True)
    )
    under = set(protocol_flags(flags))
    return [flag for flag in OffenceFlag if flag in under or flag in own]


def has_matching_sensitivity(practitioner: StaffMember, flags: set[str]) -> bool:
    return bool(flags) and StaffSensitivity.objects.filter(staff=practitioner, kind__in=flags).exists()


def consultation_required(sentence: Sentence, practitioner: StaffMember) -> bool:
    """Whether allocating this case to this practitioner waits for a consultation: the case is under the
    protocol, or it matches one of the practitioner's own (private) sensitivities."""
    flags = sentence_flags(sentence)
    return bool(protocol_flags(flags)) or has_matching_sensitivity(practitioner, flags)


def open_consultation(sentence: Sentence, practitioner: StaffMember) -> Consultation | None:
    """The latest consultation with this practitioner about this case that has not yet cleared an allocation."""
    return (
        Consultation.objects.filter(sentence=sentence, practitioner=practitioner, allocation__isnull=True)
        .order_by("-recorded_at", "-pk")
        .first()
    )


def consultations_waiting_for(practitioner: StaffMember) -> QuerySet[Consultation]:
    """Consultations the practitioner has still to answer, oldest first (see ``consultations_of``)."""
    return (
        consultations_of(practitioner)
        .filter(response=ConsultationResponse.PENDING)
        .order_by("recorded_at", "pk")
    )


def consultations_of(practitioner: StaffMember) -> QuerySet[Consultation]:
    """Consultations with the practitioner, annotated ``visible``: whether they may still open the person's
    record (an exclusion or restriction added after the consultation hides the person from them)."""
    return (
        Consultation.objects.filter(practitioner=practitioner)
        .select_related(
            "sentence", "sentence__person", "sentence__person__pdu", "sentence__person__pdu__region"
        )
        .select_related("practitioner", "recorded_by")
        .annotate(visible=Exists(visible_people(practitioner).filter(pk=OuterRef("sentence__person_id"))))
    )


def sensitivities_of(owner: StaffMember) -> QuerySet[StaffSensitivity]:
    """A member of staff's own sensitivities. There is deliberately no selector for anyone else's."""
    return StaffSensitivity.objects.filter(staff=owner)


# --- the recommendation -----------------------------------------------------------------------------------

GRADE_CONFLICT = "The case needs a probation officer"


@dataclass
class Candidate:
    """A practitioner of the person's PDU, as the allocation screen shows them for one case."""

    figure: Figure
    capacity_after: Decimal | None
    eligible: bool
    conflicts: list[str]
    continuity: dt.date | None  # when they last began supervising this person, if ever
    consult_first: bool
    consultation: Consultation | None

    @property
    def staff_id(self) -> int:
        return self.figure.staff_id


@dataclass
class PreviousPractitioner:
    name: str
    grade: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass
class Recommendation:
    sentence: Sentence
    risk: RiskSummary | None
    tier: str | None  # as the workload figure weights the case: computed, else entered on a risk review
    needs_po: bool
    case_points: int
    flags: list[str]  # labels of the offence flags on the case
    protocol: list[OffenceFlag]  # the flags that put it under the protocol
    candidates: list[Candidate]
    previous: list[PreviousPractitioner] = field(default_factory=list)

    @property
    def grade_needed(self) -> str:
        return "PO" if self.needs_po else "PO or PSO"

    @property
    def eligible(self) -> list[Candidate]:
        return [c for c in self.candidates if c.eligible]


def recommendation(sentence: Sentence, today: dt.date | None = None) -> Recommendation:
    """Every PSO and PO of the person's PDU for a queued case: the grade the case needs, their capacity now and
    after taking it, whether they supervised the person before, conflicts, and whether to consult first.

    Eligible practitioners come first, then those who supervised the person before, then the least loaded.
    A fixed number of queries however many practitioners the PDU has.
    """
    today = today or timezone.localdate()
    person = sentence.person
    risk = current_risk(person)
    needs_po = risk is not None and needs_probation_officer(risk.rosh, risk.mappa_level)
    flags = sentence_flags(sentence)
    protocol = protocol_flags(flags)
    weightings = Weightings()
    weighting = weightings.on(today)
    tier = tier_of(person.pk, today)
    case_points = weighting.case_points(case_type_of(sentence), tier)
    restricted_record = Restriction.objects.filter(person=person).exists()

    staff = case_holders().filter(team__pdu_id=person.pdu_id)
    supervised = Allocation.objects.filter(practitioner_id=OuterRef("pk"), sentence__person=person).order_by(
        "-start_date"
    )
    annotated = staff.annotate(
        continuity=Subquery(supervised.values("start_date")[:1]),
        excluded=Exists(Exclusion.objects.filter(person=person, staff_id=OuterRef("pk"))),
        listed=Exists(Restriction.objects.filter(person=person, staff_id=OuterRef("pk"))),
        sensitive=Exists(StaffSensitivity.objects.filter(staff_id=OuterRef("pk"), kind__in=flags))
        if flags
        else Value(False),
    ).values("pk", "continuity", "excluded", "listed", "sensitive")
    facts = {row["pk"]: row for row in annotated}
    consultations: dict[int, Consultation] = {}
    for consultation in Consultation.objects.filter(sentence=sentence, allocation__isnull=True).order_by(
        "recorded_at", "pk"
    ):
        consultations[consultation.practitioner_id] = consultation  # the latest wins

    candidates = []
    for figure in figures(staff, [today], today=today, weightings=weightings)[0].values():
        fact = facts[figure.staff_id]
        conflicts = []
        if needs_po and figure.grade != Grade.PO:
            conflicts.append(GRADE_CONFLICT)
        if fact["excluded"]:
            conflicts.append("On the exclusion list for this person")
        if restricted_record and not fact["listed"]:
            conflicts.append("Not on this record's restriction list")
        candidates.append(
            Candidate(
                figure=figure,
                capacity_after=figure.capacity_with(case_points),
                eligible=not conflicts,
                conflicts=conflicts,
                continuity=fact["continuity"],
                consult_first=bool(protocol) or fact["sensitive"],
                consultation=consultations.get(figure.staff_id),
            )
        )
    infinity = Decimal("Infinity")
    candidates.sort(
        key=lambda c: (
            not c.eligible,
            c.continuity is None,
            c.capacity_after if c.capacity_after is not None else infinity,
            c.figure.name,
        )
    )
    previous = [
        PreviousPractitioner(a.practitioner.full_name, a.practitioner.grade, a.start_date, a.end_date)
        for a in Allocation.objects.filter(sentence__person=person)
        .select_related("practitioner")
        .order_by("-start_date", "-pk")[:10]
    ]
    return Recommendation(
        sentence=sentence,
        risk=risk,
        tier=tier,
        needs_po=needs_po,
        case_points=case_points,
        flags=[OffenceFlag(f).label for f in OffenceFlag.values if f in flags],
        protocol=protocol,
        candidates=candidates,
        previous=previous,
    )


def allocation_history(sentence_id: int) -> tuple[list[Allocation], list[Transfer]]:
    """Every allocation of a sentence, with the correction that ended one made in error and the one it replaced,
    and every transfer of it between PDUs; latest first."""
    allocations = list(
        Allocation.objects.filter(sentence_id=sentence_id)
        .select_related(
            "practitioner",
            "allocated_by",
            "correction__corrected_by",
            "corrected_from__corrects__practitioner",
        )
        .order_by("-allocated_at", "-pk")
    )
    transfers = list(
        Transfer.objects.filter(sentence_id=sentence_id)
        .select_related("from_pdu", "to_pdu", "transferred_by", "allocation__practitioner")
        .order_by("-transferred_at", "-pk")
    )
    return allocations, transfers
