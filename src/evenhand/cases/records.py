"""Case records shaped for the viewer's role (see ``evenhand.people.records``).

For analysts: tokens instead of ids, no free text (contact notes and locations, rationales, referral reasons,
offence descriptions, court names), no staff names, and dates to the month.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from evenhand.org.models import StaffMember
from evenhand.people.records import Addressed, Lens, reference

from .models import (
    NEXT_STATUSES,
    Contact,
    ContactOutcome,
    EnforcementDecision,
    Offence,
    Referral,
    Registration,
    RegistrationReview,
    Requirement,
    RiskInformation,
    RiskSummary,
    Sentence,
    SentenceCorrection,
    SentenceExtension,
)


class OfPerson(Addressed):
    """A record of a person's: its references and the person's."""

    person_id: int | None
    person_token: str | None

    @property
    def person_ref(self) -> str:
        return reference(self.person_id, self.person_token)


class OfSentence(OfPerson):
    """A record of a sentence's: its references, the person's and the sentence's."""

    sentence_id: int | None
    sentence_token: str | None

    @property
    def sentence_ref(self) -> str:
        return reference(self.sentence_id, self.sentence_token)


def _staff_name(staff: StaffMember | None, lens: Lens) -> str | None:
    return staff.full_name if staff is not None and lens.identity else None


def _staff_code(staff: StaffMember | None, lens: Lens) -> str | None:
    return staff.staff_code if staff is not None and lens.identity else None


@dataclass(frozen=True)
class OffenceRecord:
    id: int | None
    category: str
    category_label: str
    description: str | None
    is_main: bool
    committed_on: dt.date | None
    racially_or_religiously_aggravated: bool
    hate_crime: bool
    domestic_abuse: bool
    sexual: bool
    terrorism: bool
    flags: list[str]

    @property
    def title(self) -> str:
        return self.description or self.category_label

    @classmethod
    def shape(cls, offence: Offence, lens: Lens) -> "OffenceRecord":
        return cls(
            id=lens.id(offence.pk),
            category=offence.category,
            category_label=offence.get_category_display(),
            description=lens.text(offence.description),
            is_main=offence.is_main,
            committed_on=lens.date(offence.committed_on),
            racially_or_religiously_aggravated=offence.racially_or_religiously_aggravated,
            hate_crime=offence.hate_crime,
            domestic_abuse=offence.domestic_abuse,
            sexual=offence.sexual,
            terrorism=offence.terrorism,
            flags=offence.flags,
        )


@dataclass(frozen=True)
class RequirementRecord:
    id: int | None
    type: str
    title: str
    unpaid_work_hours: int | None
    rar_days: int | None
    length_months: int | None
    status: str
    status_label: str

    @classmethod
    def shape(cls, requirement: Requirement, lens: Lens) -> "RequirementRecord":
        return cls(
            id=lens.id(requirement.pk),
            type=requirement.type,
            title=str(requirement),
            unpaid_work_hours=requirement.unpaid_work_hours,
            rar_days=requirement.rar_days,
            length_months=requirement.length_months,
            status=requirement.status,
            status_label=requirement.get_status_display(),
        )


@dataclass(frozen=True)
class ExtensionRecord:
    ordered_on: dt.date
    previous_end_date: dt.date
    new_end_date: dt.date
    reason: str | None
    recorded_by: str | None  # staff code

    @classmethod
    def shape(cls, extension: SentenceExtension, lens: Lens) -> "ExtensionRecord":
        return cls(
            ordered_on=lens.date(extension.ordered_on),
            previous_end_date=lens.date(extension.previous_end_date),
            new_end_date=lens.date(extension.new_end_date),
            reason=lens.text(extension.reason),
            recorded_by=_staff_code(extension.recorded_by, lens),
        )


@dataclass(frozen=True)
class CorrectionRecord:
    """A correction of a sentence's details; analysts see which fields changed, not the values or the reason."""

    fields: list[str]
    changes: dict[str, list[str]] | None
    reason: str | None
    recorded_by: str | None  # staff code
    recorded_on: dt.date

    @classmethod
    def shape(cls, correction: SentenceCorrection, lens: Lens) -> "CorrectionRecord":
        return cls(
            fields=sorted(correction.changes),
            changes=correction.changes if lens.identity else None,
            reason=lens.text(correction.reason),
            recorded_by=_staff_code(correction.recorded_by, lens),
            recorded_on=lens.date(timezone.localdate(correction.recorded_at)),
        )


@dataclass(frozen=True)
class SentenceRecord(OfPerson):
    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    type: str
    type_label: str
    court: str | None
    start_date: dt.date
    expected_end_date: dt.date
    length: int | None
    length_unit: str | None
    length_text: str
    expiry_date: dt.date | None  # date of sentence plus its length
    custody_id: int | None  # the custody sentence a licence or PSS follows
    custody_token: str | None
    termination_date: dt.date | None
    termination_reason: str | None
    termination_reason_label: str | None
    active: bool
    is_custody: bool
    practitioner: str | None  # staff code
    practitioner_name: str | None
    practitioner_grade: str | None
    allocated_since: dt.date | None
    offences: list[OffenceRecord]
    requirements: list[RequirementRecord]
    extensions: list[ExtensionRecord]
    corrections: list[CorrectionRecord]

    @property
    def custody_ref(self) -> str:
        return reference(self.custody_id, self.custody_token)

    @classmethod
    def shape(cls, sentence: Sentence, lens: Lens) -> "SentenceRecord":
        """``sentence`` with ``offences`` and ``requirements`` prefetched and ``current_allocations`` loaded (and
        ``extension_list`` and ``correction_list`` where the page shows them: ``selectors.sentences_with_parts``)."""
        current = getattr(sentence, "current_allocations", None) or []
        allocation = current[0] if current else None
        practitioner = allocation.practitioner if allocation is not None else None
        return cls(
            id=lens.id(sentence.pk),
            token=lens.token("sentence", sentence.pk),
            person_id=lens.id(sentence.person_id),
            person_token=lens.token("person", sentence.person_id),
            type=sentence.type,
            type_label=sentence.get_type_display(),
            court=lens.text(sentence.court),
            start_date=lens.date(sentence.start_date),
            expected_end_date=lens.date(sentence.expected_end_date),
            length=sentence.length,
            length_unit=sentence.length_unit or None,
            length_text=sentence.length_text,
            expiry_date=lens.date(sentence.expiry_date),
            custody_id=lens.id(sentence.custody_id),
            custody_token=lens.token("sentence", sentence.custody_id) if sentence.custody_id else None,
            termination_date=lens.date(sentence.termination_date),
            termination_reason=sentence.termination_reason or None,
            termination_reason_label=sentence.get_termination_reason_display() or None,
            active=sentence.is_active,
            is_custody=sentence.is_custody,
            practitioner=_staff_code(practitioner, lens),
            practitioner_name=_staff_name(practitioner, lens),
            practitioner_grade=practitioner.grade if practitioner is not None and lens.identity else None,
            allocated_since=lens.date(allocation.start_date) if allocation is not None else None,
            offences=[OffenceRecord.shape(o, lens) for o in sentence.offences.all()],
            requirements=[RequirementRecord.shape(r, lens) for r in sentence.requirements.all()],
            extensions=[ExtensionRecord.shape(e, lens) for e in getattr(sentence, "extension_list", [])],
            corrections=[CorrectionRecord.shape(c, lens) for c in getattr(sentence, "correction_list", [])],
        )


@dataclass(frozen=True)
class ContactRecord(OfSentence):
    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    sentence_id: int | None
    sentence_token: str | None
    type: str
    type_label: str
    starts_at: dt.datetime
    location: str | None
    outcome: str | None
    outcome_label: str | None
    notes: str | None
    recorded_by: str | None  # staff code
    recorded_by_name: str | None
    outcome_recorded_at: dt.datetime | None
    outcome_recorded_by: str | None
    decisions: list[str]  # the labels of the decisions that answered it
    # Rescheduled or cancelled: who asked and why (no reason for analysts, it is free text); the time it was
    # moved to, and for the appointment booked in its place, the time it was moved from.
    change_requested_by: str | None = None
    change_requested_by_label: str | None = None
    change_reason: str | None = None
    rescheduled_to: dt.datetime | None = None
    rescheduled_from: dt.datetime | None = None

    @property
    def title(self) -> str:
        return f"{self.type_label} in {self.starts_at:%B %Y}" if self.id is None else self.type_label

    @classmethod
    def shape(cls, contact: Contact, lens: Lens, *, with_decisions: bool = False) -> "ContactRecord":
        """``contact`` with ``recorded_by`` and ``outcome_recorded_by`` loaded (and its ``enforcement_decisions``
        prefetched when ``with_decisions``)."""
        decisions = (
            [d.get_decision_display() for d in contact.enforcement_decisions.all()] if with_decisions else []
        )
        return cls(
            id=lens.id(contact.pk),
            token=lens.token("contact", contact.pk),
            person_id=lens.id(contact.person_id),
            person_token=lens.token("person", contact.person_id),
            sentence_id=lens.id(contact.sentence_id),
            sentence_token=lens.token("sentence", contact.sentence_id),
            type=contact.type,
            type_label=contact.get_type_display(),
            starts_at=lens.date(contact.starts_at),
            location=lens.text(contact.location),
            outcome=contact.outcome or None,
            outcome_label=contact.get_outcome_display() or None,
            notes=lens.text(contact.notes),
            recorded_by=_staff_code(contact.recorded_by, lens),
            recorded_by_name=_staff_name(contact.recorded_by, lens),
            outcome_recorded_at=lens.date(contact.outcome_recorded_at),
            outcome_recorded_by=_staff_code(contact.outcome_recorded_by, lens),
            decisions=decisions,
            change_requested_by=contact.change_requested_by or None,
            change_requested_by_label=contact.get_change_requested_by_display() or None,
            change_reason=lens.text(contact.change_reason or None),
            rescheduled_to=lens.date(_moved_to(contact)),
            rescheduled_from=lens.date(_moved_from(contact)),
        )


def _moved_to(contact: Contact) -> dt.datetime | None:
    """When a rescheduled appointment was moved to: the appointment booked in its place (one row each)."""
    if contact.outcome != ContactOutcome.RESCHEDULED:
        return None
    try:
        return contact.rescheduled_to.starts_at
    except Contact.DoesNotExist:
        return None


def _moved_from(contact: Contact) -> dt.datetime | None:
    """When the appointment this one was booked in place of was to have been."""
    moved_from = contact.rescheduled_from if contact.rescheduled_from_id is not None else None
    return moved_from.starts_at if moved_from is not None else None


@dataclass(frozen=True)
class DecisionRecord(OfSentence):
    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    sentence_id: int | None
    sentence_token: str | None
    decision: str
    decision_label: str
    proposed: str | None
    proposed_label: str | None
    rationale: str | None
    decided_by: str | None  # staff code
    decided_by_name: str | None
    decided_at: dt.datetime
    triggering_contact_ids: list[int] | None
    corrects: int | None
    corrects_label: str | None  # "the warning of 3 March 2026"
    corrects_decided_at: dt.datetime | None
    corrected_by: int | None
    is_corrected: bool
    outcome: str | None
    outcome_label: str | None
    # A decision on risk information; one not to recall needs a manager's endorsement, pending until given.
    risk_information_id: int | None
    needs_endorsement: bool
    endorsed: bool
    endorsed_by_name: str | None
    endorsed_at: dt.datetime | None
    endorsement_rationale: str | None

    @property
    def pending_endorsement(self) -> bool:
        return self.needs_endorsement and not self.endorsed

    @classmethod
    def shape(cls, decision: EnforcementDecision, lens: Lens) -> "DecisionRecord":
        """``decision`` with ``sentence``, ``decided_by``, ``corrects``, ``corrected_by`` and ``outcome``
        loaded and ``triggering_contacts`` prefetched."""
        corrected_by = getattr(decision, "corrected_by", None)
        outcome = getattr(decision, "outcome", None)
        endorsement = getattr(decision, "endorsement", None)
        corrects = decision.corrects
        return cls(
            id=lens.id(decision.pk),
            token=lens.token("decision", decision.pk),
            person_id=lens.id(decision.sentence.person_id),
            person_token=lens.token("person", decision.sentence.person_id),
            sentence_id=lens.id(decision.sentence_id),
            sentence_token=lens.token("sentence", decision.sentence_id),
            decision=decision.decision,
            decision_label=decision.get_decision_display(),
            proposed=decision.proposed or None,
            proposed_label=decision.get_proposed_display() or None,
            rationale=lens.text(decision.rationale),
            decided_by=_staff_code(decision.decided_by, lens),
            decided_by_name=_staff_name(decision.decided_by, lens),
            decided_at=lens.date(decision.decided_at),
            triggering_contact_ids=sorted(c.pk for c in decision.triggering_contacts.all())
            if lens.identity
            else None,
            corrects=lens.id(decision.corrects_id),
            corrects_label=corrects.get_decision_display() if corrects is not None else None,
            corrects_decided_at=lens.date(corrects.decided_at) if corrects is not None else None,
            corrected_by=lens.id(corrected_by.pk) if corrected_by is not None else None,
            is_corrected=corrected_by is not None,
            outcome=outcome.outcome if outcome is not None else None,
            outcome_label=outcome.get_outcome_display() if outcome is not None else None,
            risk_information_id=lens.id(decision.risk_information_id),
            needs_endorsement=decision.risk_information_id is not None and not decision.is_recall,
            endorsed=endorsement is not None,
            endorsed_by_name=_staff_name(endorsement.endorsed_by, lens) if endorsement is not None else None,
            endorsed_at=lens.date(endorsement.endorsed_at) if endorsement is not None else None,
            endorsement_rationale=lens.text(endorsement.rationale) if endorsement is not None else None,
        )


@dataclass(frozen=True)
class ReferralRecord(OfSentence):
    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    sentence_id: int | None
    sentence_token: str | None
    service_area: str
    service_area_label: str
    provider: str | None
    reason: str | None
    made_on: dt.date
    made_by: str | None  # staff code
    status: str
    status_label: str
    status_changed_on: dt.date
    next_statuses: list[str]

    @classmethod
    def shape(cls, referral: Referral, lens: Lens) -> "ReferralRecord":
        """``referral`` with ``made_by`` loaded."""
        return cls(
            id=lens.id(referral.pk),
            token=lens.token("referral", referral.pk),
            person_id=lens.id(referral.person_id),
            person_token=lens.token("person", referral.person_id),
            sentence_id=lens.id(referral.sentence_id),
            sentence_token=lens.token("sentence", referral.sentence_id),
            service_area=referral.service_area,
            service_area_label=referral.get_service_area_display(),
            provider=lens.text(referral.provider),
            reason=lens.text(referral.reason),
            made_on=lens.date(referral.made_on),
            made_by=_staff_code(referral.made_by, lens),
            status=referral.status,
            status_label=referral.get_status_display(),
            status_changed_on=lens.date(referral.status_changed_on),
            next_statuses=list(NEXT_STATUSES[referral.status]),
        )


@dataclass(frozen=True)
class RiskRecord:
    """A risk of serious harm review (or an older summary, without the four levels). Analysts see it without
    ids, dates to the month and no staff."""

    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    tier: str
    tier_source: str | None
    tier_source_label: str | None
    rosh: str
    rosh_label: str
    rosh_children: str | None
    rosh_public: str | None
    rosh_known_adult: str | None
    rosh_staff: str | None
    levels: list[tuple[str, str]]  # (to whom, level label), empty for an older summary
    review_reason: str | None
    review_reason_label: str | None
    next_review_due: dt.date | None
    mappa_category: int | None
    mappa_category_label: str | None
    mappa_level: int | None
    mappa_level_label: str | None
    assessed_on: dt.date
    recorded_by: str | None  # staff code

    @classmethod
    def shape(cls, risk: RiskSummary, lens: Lens) -> "RiskRecord":
        levels = [
            ("Children", risk.get_rosh_children_display()),
            ("Public", risk.get_rosh_public_display()),
            ("Known adult", risk.get_rosh_known_adult_display()),
            ("Staff", risk.get_rosh_staff_display()),
        ]
        return cls(
            id=lens.id(risk.pk),
            token=lens.token("risk_review", risk.pk),
            person_id=lens.id(risk.person_id),
            person_token=lens.token("person", risk.person_id),
            tier=risk.tier,
            tier_source=risk.tier_source or None,
            tier_source_label=risk.get_tier_source_display() or None,
            rosh=risk.rosh,
            rosh_label=risk.get_rosh_display(),
            rosh_children=risk.rosh_children or None,
            rosh_public=risk.rosh_public or None,
            rosh_known_adult=risk.rosh_known_adult or None,
            rosh_staff=risk.rosh_staff or None,
            levels=levels if risk.rosh_children else [],
            review_reason=risk.review_reason or None,
            review_reason_label=risk.get_review_reason_display() or None,
            next_review_due=lens.date(risk.next_review_due),
            mappa_category=risk.mappa_category,
            mappa_category_label=risk.get_mappa_category_display() if risk.mappa_category else None,
            mappa_level=risk.mappa_level,
            mappa_level_label=risk.get_mappa_level_display() if risk.mappa_level else None,
            assessed_on=lens.date(risk.assessed_on),
            recorded_by=_staff_code(risk.recorded_by, lens),
        )


@dataclass(frozen=True)
class RegistrationReviewRecord:
    reviewed_on: dt.date
    next_review_date: dt.date
    notes: str | None
    reviewed_by: str | None

    @classmethod
    def shape(cls, review: RegistrationReview, lens: Lens) -> "RegistrationReviewRecord":
        return cls(
            reviewed_on=lens.date(review.reviewed_on),
            next_review_date=lens.date(review.next_review_date),
            notes=lens.text(review.notes),
            reviewed_by=_staff_code(review.reviewed_by, lens),
        )


@dataclass(frozen=True)
class RegistrationRecord:
    """A registration; analysts see its type and dates to the month, no id, notes or staff."""

    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    type: str
    type_label: str
    is_complexity_factor: bool
    start_date: dt.date
    next_review_date: dt.date
    end_date: dt.date | None
    end_reason: str | None
    active: bool
    notes: str | None
    recorded_by: str | None
    reviews: list[RegistrationReviewRecord]

    @classmethod
    def shape(cls, registration: Registration, lens: Lens) -> "RegistrationRecord":
        """``registration`` with ``recorded_by`` loaded and ``reviews`` (with ``reviewed_by``) prefetched."""
        return cls(
            id=lens.id(registration.pk),
            token=lens.token("registration", registration.pk),
            person_id=lens.id(registration.person_id),
            person_token=lens.token("person", registration.person_id),
            type=registration.type,
            type_label=registration.get_type_display(),
            is_complexity_factor=registration.is_complexity_factor,
            start_date=lens.date(registration.start_date),
            next_review_date=lens.date(registration.next_review_date),
            end_date=lens.date(registration.end_date),
            end_reason=lens.text(registration.end_reason) or None,
            active=registration.end_date is None,
            notes=lens.text(registration.notes) or None,
            recorded_by=_staff_code(registration.recorded_by, lens),
            reviews=[RegistrationReviewRecord.shape(r, lens) for r in registration.reviews.all()],
        )


# Where a piece of risk information stands.
NO_DECISION_DUE = "no_decision_due"  # not a licence: recorded, no decision on recall
DECISION_DUE = "decision_due"
OVERDUE = "overdue"
PENDING_ENDORSEMENT = "pending_endorsement"
DECIDED = "decided"
STATUS_LABELS = {
    NO_DECISION_DUE: "Recorded: no recall decision applies",
    DECISION_DUE: "Decision due",
    OVERDUE: "Decision overdue",
    PENDING_ENDORSEMENT: "Waiting for a manager's endorsement",
    DECIDED: "Decided",
}


@dataclass(frozen=True)
class RiskInformationRecord(OfSentence):
    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    sentence_id: int | None
    sentence_token: str | None
    person_name: str | None  # for lists across people (the manager's); None for analysts
    person_crn: str | None
    source: str
    source_label: str
    source_detail: str | None  # free text: None for analysts
    summary: str | None  # free text: None for analysts
    received_at: dt.datetime
    reliability: str
    reliability_label: str
    urgency: str
    urgency_label: str
    recall_considered: bool
    decision_due_at: dt.datetime | None
    recorded_by_name: str | None
    status: str
    status_label: str
    decision: DecisionRecord | None  # the standing decision, if any

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE or (
            self.status == PENDING_ENDORSEMENT
            and self.decision_due_at is not None
            and self.decision_due_at < timezone.now()
        )

    @classmethod
    def shape(cls, information: RiskInformation, lens: Lens) -> "RiskInformationRecord":
        """``information`` from ``selectors.risk_information_with_decisions`` (its standing decision
        prefetched as ``standing_decisions``, with the decider and any endorsement)."""
        standing = getattr(information, "standing_decisions", None)
        if standing is None:
            standing = list(information.decisions.filter(corrected_by__isnull=True))
        decision = standing[0] if standing else None
        if not information.recall_considered:
            status = NO_DECISION_DUE
        elif decision is None:
            due = information.decision_due_at
            status = OVERDUE if due is not None and due < timezone.now() else DECISION_DUE
        elif not decision.is_recall and getattr(decision, "endorsement", None) is None:
            status = PENDING_ENDORSEMENT
        else:
            status = DECIDED
        person = information.person if "person" in information._state.fields_cache else None
        if decision is not None:
            decision.sentence = information.sentence
        return cls(
            id=lens.id(information.pk),
            token=lens.token("risk_information", information.pk),
            person_id=lens.id(information.person_id),
            person_token=lens.token("person", information.person_id),
            sentence_id=lens.id(information.sentence_id),
            sentence_token=lens.token("sentence", information.sentence_id),
            person_name=person.full_name if person is not None and lens.identity else None,
            person_crn=person.crn if person is not None and lens.identity else None,
            source=information.source,
            source_label=information.get_source_display(),
            source_detail=lens.text(information.source_detail) or None,
            summary=lens.text(information.summary),
            received_at=lens.date(information.received_at),
            reliability=information.reliability,
            reliability_label=information.get_reliability_display(),
            urgency=information.urgency,
            urgency_label=information.get_urgency_display(),
            recall_considered=information.recall_considered,
            decision_due_at=lens.date(information.decision_due_at),
            recorded_by_name=_staff_name(information.recorded_by, lens),
            status=status,
            status_label=STATUS_LABELS[status],
            decision=DecisionRecord.shape(decision, lens) if decision is not None else None,
        )
