"""Sentences, their offences and requirements, allocation and risk."""

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.dates import age_on, years_after
from evenhand.core.formatting import date_text
from evenhand.core.services import (
    LINE,
    SHORT_TEXT,
    TEXT,
    plain_text,
    require_past,
    require_text,
    validated,
)
from evenhand.org.models import Grade, Role, StaffMember
from evenhand.people.access import can_view_person, ensure_can_record
from evenhand.people.models import Person
from evenhand.people.services import MAX_AGE, MIN_AGE, plausible_age

from ..models import (
    AFTER_RELEASE,
    REVOCATIONS,
    Allocation,
    AllocationReason,
    Decision,
    DecisionOutcome,
    EnforcementDecision,
    Offence,
    Requirement,
    RequirementType,
    RiskSummary,
    Sentence,
    SentenceCorrection,
    SentenceExtension,
    SentenceType,
    TerminationReason,
    add_length,
    needs_probation_officer,
)
from ..selectors import current_risk

CASE_MANAGER_GRADES = (Grade.PSO, Grade.PO)
ALLOCATING_ROLES = (Role.SPO, Role.HEAD_OF_PDU)

# Plausible sentences. Nothing earlier than 1900 is casework; a licence may be recorded ahead of a release
# date, but not decades ahead. Community orders run up to three years and licences rarely beyond ten (the
# synthetic caseload's longest is three years), so an expected end further off is a typing error.
EARLIEST_START = dt.date(1900, 1, 1)
YEARS_AHEAD = 10
LONGEST_YEARS = 10
# Probation supervises adults: the court sentenced the person at 18 or over.
ADULT_AGE = 18

# The requirements (for a licence or PSS, the additional conditions) each type of sentence may carry. A court
# order may have any; a licence the conditions a releasing authority sets; post-sentence supervision the few
# the Offender Rehabilitation Act 2014 allows (residence, drug testing and appointments); custody none.
ALLOWED_REQUIREMENTS: dict[str, tuple[RequirementType, ...]] = {
    SentenceType.COMMUNITY_ORDER: tuple(RequirementType),
    SentenceType.SUSPENDED_SENTENCE_ORDER: tuple(RequirementType),
    SentenceType.CUSTODY: (),
    SentenceType.LICENCE: (
        RequirementType.CURFEW,
        RequirementType.RESIDENCE,
        RequirementType.EXCLUSION,
        RequirementType.ACCREDITED_PROGRAMME,
        RequirementType.DRUG_TREATMENT,
        RequirementType.ALCOHOL_TREATMENT,
        RequirementType.MENTAL_HEALTH_TREATMENT,
    ),
    SentenceType.POST_SENTENCE_SUPERVISION: (RequirementType.RESIDENCE, RequirementType.DRUG_TREATMENT),
}

# Post-sentence supervision (Offender Rehabilitation Act 2014): after a custodial sentence of more than one
# day and less than two years, for offences committed on or after 1 February 2015, of someone sentenced at 18
# or over; it runs to 12 months after release.
PSS_FROM = dt.date(2015, 2, 1)
PSS_MONTHS_AFTER_RELEASE = 12
PSS_SHORTER_THAN_YEARS = 2


@dataclass(frozen=True)
class OffenceInput:
    category: str
    description: str = ""
    is_main: bool = False
    committed_on: dt.date | None = None
    racially_or_religiously_aggravated: bool = False
    hate_crime: bool = False
    domestic_abuse: bool = False
    sexual: bool = False
    terrorism: bool = False


@dataclass(frozen=True)
class RequirementInput:
    type: str
    unpaid_work_hours: int | None = None
    rar_days: int | None = None
    length_months: int | None = None


def _type_label(sentence_type: str) -> str:
    return SentenceType(sentence_type).label.lower() if sentence_type in SentenceType.values else "sentence"


def _check_requirements(sentence_type: str, requirements: list[RequirementInput] | tuple[()]) -> None:
    allowed = ALLOWED_REQUIREMENTS.get(sentence_type, ())
    for requirement in requirements:
        if requirement.type not in RequirementType.values:
            raise ValidationError({"requirements": f"There is no requirement type {requirement.type!r}"})
        if requirement.type not in allowed:
            if not allowed:
                message = f"A {_type_label(sentence_type)} has no requirements"
            else:
                message = (
                    f"{RequirementType(requirement.type).label} is not allowed on a "
                    f"{_type_label(sentence_type)}"
                )
            raise ValidationError({"requirements": message})
        if requirement.type == RequirementType.UNPAID_WORK and not (
            requirement.unpaid_work_hours is not None and 40 <= requirement.unpaid_work_hours <= 300
        ):
            raise ValidationError({"requirements": "Unpaid work must be between 40 and 300 hours"})
        if requirement.type == RequirementType.RAR and not (
            requirement.rar_days is not None and 1 <= requirement.rar_days <= 400
        ):
            # The row's constraint too; said here so that it is refused before anything is written.
            raise ValidationError({"requirements": "A RAR must be between 1 and 400 days"})


def _checked_offences(
    offences: list[OffenceInput], sentenced_on: dt.date, *, dated: bool
) -> list[OffenceInput]:
    offences = [
        replace(
            o, description=plain_text(o.description, "offences", "the offence description", kind=SHORT_TEXT)
        )
        for o in offences
    ]
    if sum(o.is_main for o in offences) != 1:
        raise ValidationError({"offences": "Give exactly one main offence"})
    for offence in offences:
        if offence.committed_on is None:
            if dated:
                raise ValidationError(
                    {
                        "offences": "Give the date of each offence of a custodial sentence (whether "
                        "post-sentence supervision follows depends on it)"
                    }
                )
        elif not EARLIEST_START <= offence.committed_on <= sentenced_on:
            raise ValidationError(
                {
                    "offences": f"An offence must have been committed on or before the date of sentence "
                    f"({date_text(sentenced_on)})"
                }
            )
    return offences


def _check_adult(person: Person, sentenced_on: dt.date, field: str) -> None:
    age = age_on(person.date_of_birth, sentenced_on)
    if 0 <= age < ADULT_AGE:
        raise ValidationError(
            {
                field: f"The person was {age} on the date of sentence (born {date_text(person.date_of_birth)}); "
                f"probation supervises people sentenced at {ADULT_AGE} or over"
            }
        )


def check_sentence(
    *,
    person: Person,
    type: str,
    court: str,
    start_date: dt.date,
    expected_end_date: dt.date | None = None,
    offences: list[OffenceInput],
    requirements: list[RequirementInput] | tuple[()] = (),
    length: int | None = None,
    length_unit: str = "",
    custody: Sentence | None = None,
) -> tuple[Sentence, list[OffenceInput]]:
    """Every rule of recording a sentence (``create_sentence``), without reading or writing the database: the
    unsaved sentence and its offences, checked. An import checks a chunk of rows with it before writing."""
    if type in AFTER_RELEASE:
        if custody is None:
            raise ValidationError(
                {
                    "custody": f"A {_type_label(type)} follows a custody sentence: record the custody "
                    f"sentence, then the release"
                }
            )
        if custody.person_id != person.pk or custody.type != SentenceType.CUSTODY:
            raise ValidationError({"custody": "Choose a custody sentence of this person"})
        if start_date < custody.start_date:
            raise ValidationError(
                {
                    "start_date": f"The release cannot be before the date of sentence "
                    f"({date_text(custody.start_date)})"
                }
            )
    elif custody is not None:
        raise ValidationError({"custody": "Only a licence or post-sentence supervision follows custody"})
    if (length is None) != (not length_unit):
        raise ValidationError({"length": "Give the length of the sentence with its unit"})
    if length is not None and not 1 <= length <= 100 * 365:
        raise ValidationError({"length": "Give a length of at least 1"})
    if type == SentenceType.CUSTODY and length is None:
        raise ValidationError({"length": "Give the length of the custodial sentence"})
    expiry = add_length(start_date, length, length_unit) if length is not None and length_unit else None
    if expected_end_date is None:
        if expiry is None or type == SentenceType.CUSTODY:
            what = "the expected date of release" if type == SentenceType.CUSTODY else "the expected end date"
            raise ValidationError({"expected_end_date": f"Give {what}"})
        expected_end_date = expiry
    _check_sentence_dates(person, start_date, expected_end_date)
    sentenced_on = custody.start_date if custody is not None else start_date
    _check_adult(person, sentenced_on, "start_date")
    if type == SentenceType.CUSTODY and expiry is not None and expected_end_date > expiry:
        raise ValidationError(
            {
                "expected_end_date": f"The expected release must be no later than the end of the sentence "
                f"({date_text(expiry)})"
            }
        )
    sentence = Sentence(
        person=person,
        type=type,
        court=require_text(court, "court", "the court", kind=LINE),
        start_date=start_date,
        expected_end_date=expected_end_date,
        length=length,
        length_unit=length_unit,
        custody=custody,
    )
    # The fields' own rules (choices, lengths); the row's constraints are the checks above.
    sentence.clean_fields(exclude=["person", "custody"])
    offences = _checked_offences(offences, sentenced_on, dated=type == SentenceType.CUSTODY)
    _check_requirements(type, requirements)
    if type == SentenceType.COMMUNITY_ORDER and not requirements:
        raise ValidationError({"requirements": "A community order must have at least one requirement"})
    return sentence, offences


@transaction.atomic
def create_sentence(
    *,
    by: StaffMember,
    person: Person,
    type: str,
    court: str,
    start_date: dt.date,
    expected_end_date: dt.date | None = None,
    offences: list[OffenceInput],
    requirements: list[RequirementInput] | tuple[()] = (),
    length: int | None = None,
    length_unit: str = "",
    custody: Sentence | None = None,
) -> Sentence:
    """Record a sentence as the court passed it: its offences (exactly one main), its length, and the
    requirements its type allows (``ALLOWED_REQUIREMENTS``: no unpaid work on a licence, say).

    A custody sentence is managed before release: it needs its length and, as ``expected_end_date``, the
    expected date of release (no later than the sentence's expiry), and the date of each offence. A licence or
    post-sentence supervision starts from a custody sentence of the same person (``custody``; usually through
    ``record_release``). Without ``expected_end_date`` the sentence is expected to end when its length runs
    out. The dates must be plausible (a start from 1900 to ten years ahead, an end after the start and at most
    ten years after it) and the person 18 or over on the date of sentence.
    """
    ensure_can_record(by, person)
    sentence, offences = check_sentence(
        person=person,
        type=type,
        court=court,
        start_date=start_date,
        expected_end_date=expected_end_date,
        offences=offences,
        requirements=requirements,
        length=length,
        length_unit=length_unit,
        custody=custody,
    )
    validated(sentence)
    sentence.save()
    for offence in offences:
        validated(Offence(sentence=sentence, **offence.__dict__)).save()
    for requirement in requirements:
        validated(Requirement(sentence=sentence, **requirement.__dict__)).save()
    return sentence


def _check_sentence_dates(person: Person, start_date: dt.date, expected_end_date: dt.date) -> None:
    latest_start = years_after(timezone.localdate(), YEARS_AHEAD)
    if not EARLIEST_START <= start_date <= latest_start:
        raise ValidationError(
            {
                "start_date": f"The start date must be between {date_text(EARLIEST_START)} and "
                f"{date_text(latest_start)}"
            }
        )
    if expected_end_date <= start_date:
        raise ValidationError({"expected_end_date": "The expected end date must be after the start date"})
    if expected_end_date > years_after(start_date, LONGEST_YEARS):
        raise ValidationError(
            {
                "expected_end_date": f"The expected end date must be at most {LONGEST_YEARS} years after the start"
            }
        )
    if not plausible_age(person.date_of_birth, start_date):
        age = age_on(person.date_of_birth, start_date)
        then = f"would be {age}" if age >= 0 else "would not yet be born"
        raise ValidationError(
            {
                "start_date": f"The person {then} when the sentence starts (born "
                f"{date_text(person.date_of_birth)}); a sentence needs them to be {MIN_AGE} to {MAX_AGE}"
            }
        )


def pss_applies(custody: Sentence) -> bool:
    """Whether post-sentence supervision follows release from this custody sentence: more than one day and
    less than two years, every offence committed on or after 1 February 2015, sentenced at 18 or over."""
    expiry = custody.expiry_date
    if expiry is None:
        return False
    if (
        not custody.start_date + dt.timedelta(days=1)
        < expiry
        < years_after(custody.start_date, PSS_SHORTER_THAN_YEARS)
    ):
        return False
    dates = [o.committed_on for o in custody.offences.all()]
    if not dates or any(d is None or d < PSS_FROM for d in dates):
        return False
    return age_on(custody.person.date_of_birth, custody.start_date) >= ADULT_AGE


@dataclass(frozen=True)
class Release:
    """What a release started: the licence and, where it applies, post-sentence supervision after it."""

    custody: Sentence
    licence: Sentence
    pss: Sentence | None


def _carry_allocation(
    *, by: StaffMember, held: Allocation | None, sentence: Sentence, start: dt.date
) -> None:
    """The practitioner who managed the case in custody keeps it on release (no new allocation decision);
    without one, or one who can no longer hold it, the sentence goes to the allocation queue."""
    if held is None:
        return
    practitioner = held.practitioner
    if (
        (practitioner.end_date is not None and practitioner.end_date < start)
        or practitioner.pdu_id != sentence.person.pdu_id
        or not can_view_person(practitioner, sentence.person)
    ):
        return
    validated(
        Allocation(
            sentence=sentence,
            practitioner=practitioner,
            start_date=start,
            reason=AllocationReason.NEW_CASE,
            rationale=f"Carried over from the custody sentence on release ({date_text(start)}).",
            allocated_by=by,
            allocated_at=timezone.now(),
        )
    ).save()


@transaction.atomic
def record_release(
    *,
    by: StaffMember,
    custody: Sentence,
    released_on: dt.date,
    releasing_prison: str,
    licence_end_date: dt.date | None = None,
    requirements: list[RequirementInput] | tuple[()] = (),
) -> Release:
    """Record a release from custody: the custody sentence ends (released), and the licence starts from it
    with its offences, running to the end of the sentence (``licence_end_date`` when the licence says
    otherwise), with any additional conditions the licence allows. Where post-sentence supervision applies
    (``pss_applies``) it follows the licence to 12 months after release. The practitioner who held the
    custody case holds both; an unallocated case goes to the allocation queue."""
    ensure_can_record(by, custody.person)
    custody = Sentence.objects.select_for_update().select_related("person").get(pk=custody.pk)
    if custody.type != SentenceType.CUSTODY:
        raise ValidationError({"sentence": "Only a custody sentence is released"})
    if custody.termination_date is not None:
        raise ValidationError({"released_on": "This custody sentence has already ended"})
    if released_on < custody.start_date:
        raise ValidationError(
            {
                "released_on": f"The release cannot be before the date of sentence "
                f"({date_text(custody.start_date)})"
            }
        )
    require_past(released_on, "released_on", "The date of release")
    expiry = custody.expiry_date
    assert expiry is not None  # a custody sentence has its length (sentence_custody_has_length)
    licence_end = licence_end_date or expiry
    if released_on >= expiry:
        raise ValidationError(
            {"released_on": f"The sentence expired on {date_text(expiry)}: no licence follows a release then"}
        )
    if licence_end <= released_on:
        raise ValidationError({"licence_end_date": "The licence must end after the release"})
    held = (
        Allocation.objects.select_for_update()
        .select_related("practitioner")
        .filter(sentence=custody, end_date__isnull=True)
        .first()
    )
    offences = [
        OffenceInput(
            category=o.category,
            description=o.description,
            is_main=o.is_main,
            committed_on=o.committed_on,
            racially_or_religiously_aggravated=o.racially_or_religiously_aggravated,
            hate_crime=o.hate_crime,
            domestic_abuse=o.domestic_abuse,
            sexual=o.sexual,
            terrorism=o.terrorism,
        )
        for o in custody.offences.all()
    ]
    # The custody case ends the day before release, so that it and the licence are never counted together.
    custody.termination_date, custody.termination_reason = released_on, TerminationReason.RELEASED
    validated(custody)
    custody.save(update_fields=["termination_date", "termination_reason", "modified_at"])
    for allocation in Allocation.objects.filter(sentence=custody, end_date__isnull=True):
        allocation.end_date = max(allocation.start_date, released_on - dt.timedelta(days=1))
        allocation.save(update_fields=["end_date"])
    licence = create_sentence(
        by=by,
        person=custody.person,
        type=SentenceType.LICENCE,
        court=releasing_prison,
        start_date=released_on,
        expected_end_date=licence_end,
        offences=offences,
        requirements=requirements,
        custody=custody,
    )
    _carry_allocation(by=by, held=held, sentence=licence, start=released_on)
    pss = None
    pss_end = add_length(released_on, PSS_MONTHS_AFTER_RELEASE, "months")
    if pss_applies(custody) and pss_end > licence_end + dt.timedelta(days=1):
        pss = create_sentence(
            by=by,
            person=custody.person,
            type=SentenceType.POST_SENTENCE_SUPERVISION,
            court=releasing_prison,
            start_date=licence_end + dt.timedelta(days=1),
            expected_end_date=pss_end,
            offences=offences,
            custody=custody,
        )
        _carry_allocation(by=by, held=held, sentence=pss, start=pss.start_date)
    return Release(custody=custody, licence=licence, pss=pss)


def _check_revocation(sentence: Sentence, reason: str, on: dt.date) -> None:
    if sentence.type not in (SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER):
        raise ValidationError(
            {"reason": "Only a community or suspended sentence order is revoked; a licence is recalled"}
        )
    if reason == TerminationReason.REVOKED_BREACH:
        proven = EnforcementDecision.objects.filter(
            sentence=sentence,
            corrected_by__isnull=True,
            decision=Decision.BREACH,
            outcome__outcome=DecisionOutcome.BREACH_PROVEN,
            outcome__outcome_date__lte=on,
        )
        if not proven.exists():
            raise ValidationError(
                {
                    "reason": "Revocation on breach needs a proven breach of this sentence on or before that "
                    "date: record the breach decision and its outcome first"
                }
            )


@transaction.atomic
def terminate_sentence(
    *, by: StaffMember, sentence: Sentence, termination_date: dt.date, reason: str
) -> Sentence:
    """End a sentence, with the date and the reason, and its current allocation with it.

    Revocation (``REVOCATIONS``) ends a community or suspended sentence order only, and on breach only after a
    breach proven on it; a recall ends a licence only; a custody sentence ends by its release
    (``record_release``).
    """
    ensure_can_record(by, sentence.person)
    sentence = Sentence.objects.select_for_update().get(pk=sentence.pk)
    if sentence.termination_date is not None:
        raise ValidationError({"termination_date": "This sentence has already ended"})
    if reason == TerminationReason.RELEASED:
        raise ValidationError({"reason": "Record a release from custody to end a custody sentence that way"})
    if reason in REVOCATIONS:
        _check_revocation(sentence, reason, termination_date)
    if reason == TerminationReason.RECALLED and sentence.type != SentenceType.LICENCE:
        raise ValidationError({"reason": "Only a licence ends by recall"})
    if Allocation.objects.filter(
        sentence=sentence, end_date__isnull=True, start_date__gt=termination_date
    ).exists():
        raise ValidationError(
            {"termination_date": "The sentence cannot end before its current allocation began"}
        )
    sentence.termination_date, sentence.termination_reason = termination_date, reason
    validated(sentence)
    sentence.save(update_fields=["termination_date", "termination_reason", "modified_at"])
    Allocation.objects.filter(sentence=sentence, end_date__isnull=True).update(end_date=termination_date)
    return sentence


@transaction.atomic
def extend_sentence(
    *, by: StaffMember, sentence: Sentence, new_end_date: dt.date, ordered_on: dt.date, reason: str
) -> SentenceExtension:
    """Extend a running sentence to a later expected end, as a court (or for a licence, the releasing
    authority) ordered: the extension is a record of its own, and the sentence's expected end moves with it."""
    ensure_can_record(by, sentence.person)
    sentence = Sentence.objects.select_for_update().get(pk=sentence.pk)
    if sentence.termination_date is not None:
        raise ValidationError({"sentence": "This sentence has ended"})
    if sentence.type == SentenceType.CUSTODY:
        raise ValidationError(
            {"sentence": "A custody sentence is not extended here; its release is recorded when it happens"}
        )
    if ordered_on < sentence.start_date:
        raise ValidationError({"ordered_on": "The extension cannot be ordered before the sentence started"})
    require_past(ordered_on, "ordered_on", "The date of the order")
    if new_end_date <= sentence.expected_end_date:
        raise ValidationError(
            {
                "new_end_date": f"The new end date must be after the current one "
                f"({date_text(sentence.expected_end_date)})"
            }
        )
    if new_end_date > years_after(sentence.start_date, LONGEST_YEARS):
        raise ValidationError(
            {"new_end_date": f"The new end date must be at most {LONGEST_YEARS} years after the start"}
        )
    extension = validated(
        SentenceExtension(
            sentence=sentence,
            ordered_on=ordered_on,
            previous_end_date=sentence.expected_end_date,
            new_end_date=new_end_date,
            reason=plain_text(reason, "reason", "the reason for the extension", kind=TEXT, required=True),
            recorded_by=by,
        )
    )
    extension.save()
    sentence.expected_end_date = new_end_date
    validated(sentence)
    sentence.save(update_fields=["expected_end_date", "modified_at"])
    return extension


def _recorded_span(sentence: Sentence) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of what is recorded on a sentence (allocations, contacts, referrals, extension
    orders, supervision after release): a corrected sentence must still hold them all."""
    firsts: list[dt.date] = []
    lasts: list[dt.date] = []
    allocations = sentence.allocations.order_by("start_date").values_list("start_date", flat=True)
    firsts += allocations[:1]
    contacts = sentence.contacts.order_by("starts_at").values_list("starts_at", flat=True)
    if (first := contacts.first()) is not None:
        firsts.append(timezone.localdate(first))
        latest = sentence.contacts.order_by("-starts_at").values_list("starts_at", flat=True)[0]
        lasts.append(timezone.localdate(latest))
    firsts += sentence.referrals.order_by("made_on").values_list("made_on", flat=True)[:1]
    firsts += sentence.extensions.order_by("ordered_on").values_list("ordered_on", flat=True)[:1]
    firsts += sentence.supervision_after_release.order_by("start_date").values_list("start_date", flat=True)[
        :1
    ]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


@transaction.atomic
def correct_sentence(
    *,
    by: StaffMember,
    sentence: Sentence,
    reason: str,
    court: str | None = None,
    start_date: dt.date | None = None,
    length: int | None = None,
    length_unit: str | None = None,
    expected_end_date: dt.date | None = None,
) -> SentenceCorrection:
    """Correct details of a sentence typed in error (the court, the date of sentence, the length, the expected
    end or release), with the reason; the correction is kept as a record of what changed from what. The same
    rules as recording it hold, and the sentence must still hold everything recorded on it (allocations,
    contacts, referrals, extensions, a release). Its type and offences are not corrected here."""
    ensure_can_record(by, sentence.person)
    sentence = (
        Sentence.objects.select_for_update(of=("self",))
        .select_related("person", "custody")
        .get(pk=sentence.pk)
    )
    reason = plain_text(reason, "reason", "the reason for the correction", kind=TEXT, required=True)
    new_court = require_text(court, "court", "the court", kind=LINE) if court is not None else sentence.court
    new_start = start_date or sentence.start_date
    new_length = length if length is not None else sentence.length
    new_unit = length_unit if length_unit is not None else sentence.length_unit
    new_end = expected_end_date or sentence.expected_end_date
    new: dict[str, object] = {
        "court": new_court,
        "start_date": new_start,
        "length": new_length,
        "length_unit": new_unit,
        "expected_end_date": new_end,
    }
    changes = {
        field: [str(getattr(sentence, field)), str(value)]
        for field, value in new.items()
        if value != getattr(sentence, field)
    }
    if not changes:
        raise ValidationError({"reason": "Nothing would change: give the corrected details"})
    if (new_length is None) != (not new_unit):
        raise ValidationError({"length": "Give the length of the sentence with its unit"})
    if sentence.type == SentenceType.CUSTODY and new_length is None:
        raise ValidationError({"length": "Give the length of the custodial sentence"})
    _check_sentence_dates(sentence.person, new_start, new_end)
    sentenced_on = sentence.custody.start_date if sentence.custody is not None else new_start
    _check_adult(sentence.person, sentenced_on, "start_date")
    if sentence.custody is not None and new_start < sentence.custody.start_date:
        raise ValidationError(
            {
                "start_date": f"The release cannot be before the date of sentence "
                f"({date_text(sentence.custody.start_date)})"
            }
        )
    if sentence.type == SentenceType.CUSTODY and new_length is not None:
        expiry = add_length(new_start, new_length, new_unit)
        if new_end > expiry:
            raise ValidationError(
                {
                    "expected_end_date": f"The expected release must be no later than the end of the sentence "
                    f"({date_text(expiry)})"
                }
            )
    first, last = _recorded_span(sentence)
    if first is not None and new_start > first:
        raise ValidationError(
            {
                "start_date": f"Casework is recorded on this sentence from {date_text(first)}: the sentence must "
                f"start on or before it"
            }
        )
    if last is not None and sentence.termination_date is None and new_end < last:
        raise ValidationError(
            {
                "expected_end_date": f"A contact is recorded on this sentence on {date_text(last)}: the sentence "
                f"must run to it"
            }
        )
    if sentence.termination_date is not None and sentence.termination_date < new_start:
        raise ValidationError({"start_date": "The sentence cannot start after it ended"})
    for field, value in new.items():
        setattr(sentence, field, value)
    validated(sentence)
    sentence.save(update_fields=[*changes, "modified_at"])
    correction = validated(
        SentenceCorrection(sentence=sentence, changes=changes, reason=reason, recorded_by=by)
    )
    correction.save()
    return correction


@transaction.atomic
def allocate(
    *,
    by: StaffMember,
    sentence: Sentence,
    practitioner: StaffMember,
    reason: str,
    start_date: dt.date,
    rationale: str = "",
    capacity_before: Decimal | None = None,
    capacity_after: Decimal | None = None,
) -> Allocation:
    """Make a practitioner responsible for a sentence, ending any current allocation the day before.

    Allocation is a manager's decision: senior probation officers and heads of PDU make it. Only PSOs and POs
    hold cases, within the person's PDU, and a case with high or very high risk of serious harm or under
    MAPPA needs a probation officer (``needs_probation_officer``).

    This is the rule-checked write. Managers allocate through ``evenhand.workload.services.allocate_case``,
    which adds the sensitive-case protocol and records the practitioner's capacity before and after
    (``capacity_before``, ``capacity_after``); imports and the demo call this directly.
    """
    if by.role not in ALLOCATING_ROLES:
        raise PermissionDenied("Only a senior probation officer or head of PDU can allocate cases.")
    ensure_can_record(by, sentence.person)
    if practitioner.grade not in CASE_MANAGER_GRADES:
        raise ValidationError({"practitioner": "Cases are allocated to a PSO or a PO"})
    if practitioner.end_date is not None and practitioner.end_date < start_date:
        raise ValidationError({"practitioner": "This practitioner has left"})
    if practitioner.pdu_id != sentence.person.pdu_id:
        raise ValidationError({"practitioner": "Allocate to a practitioner in the person's PDU"})
    if not can_view_person(practitioner, sentence.person):
        raise ValidationError({"practitioner": "This practitioner is excluded or restricted from the record"})
    risk = current_risk(sentence.person)
    if (
        risk is not None
        and needs_probation_officer(risk.rosh, risk.mappa_level)
        and practitioner.grade != Grade.PO
    ):
        raise ValidationError(
            {"practitioner": "A high risk of serious harm or MAPPA case needs a probation officer"}
        )
    if sentence.termination_date is not None:
        raise ValidationError({"sentence": "This sentence has ended"})
    if start_date < sentence.start_date:
        raise ValidationError({"start_date": "The allocation cannot start before the sentence"})
    current = Allocation.objects.select_for_update().filter(sentence=sentence, end_date__isnull=True).first()
    if current is not None:
        if current.practitioner_id == practitioner.pk:
            raise ValidationError({"practitioner": "The case is already allocated to this practitioner"})
        if start_date <= current.start_date:
            raise ValidationError({"start_date": "The new allocation must start after the current one"})
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    allocation = validated(
        Allocation(
            sentence=sentence,
            practitioner=practitioner,
            start_date=start_date,
            reason=reason,
            rationale=rationale.strip(),
            allocated_by=by,
            allocated_at=timezone.now(),
            capacity_before=capacity_before,
            capacity_after=capacity_after,
        )
    )
    allocation.save()
    return allocation


@transaction.atomic
def record_risk_summary(
    *,
    by: StaffMember,
    person: Person,
    rosh: str,
    tier: str,
    assessed_on: dt.date,
    mappa_category: int | None = None,
    mappa_level: int | None = None,
) -> RiskSummary:
    """Record a new risk summary; the latest by assessment date is the current one."""
    ensure_can_record(by, person)
    summary = validated(
        RiskSummary(
            person=person,
            rosh=rosh,
            tier=tier,
            assessed_on=assessed_on,
            mappa_category=mappa_category,
            mappa_level=mappa_level,
            recorded_by=by,
        )
    )
    summary.save()
    return summary
