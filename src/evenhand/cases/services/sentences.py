"""Sentences, their offences and requirements, allocation, risk and assessment."""

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
    plain_text,
    require_text,
    validated,
)
from evenhand.org.models import Grade, Role, StaffMember
from evenhand.people.access import can_view_person, ensure_can_record
from evenhand.people.models import Person
from evenhand.people.services import MAX_AGE, MIN_AGE, plausible_age

from ..models import (
    COURT_ORDERS,
    Allocation,
    AssessmentSummary,
    Offence,
    Requirement,
    RiskSummary,
    Sentence,
    SentenceType,
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


@dataclass(frozen=True)
class OffenceInput:
    category: str
    description: str = ""
    is_main: bool = False
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


@transaction.atomic
def create_sentence(
    *,
    by: StaffMember,
    person: Person,
    type: str,
    court: str,
    start_date: dt.date,
    expected_end_date: dt.date,
    offences: list[OffenceInput],
    requirements: list[RequirementInput] | tuple[()] = (),
) -> Sentence:
    """Record a sentence with its offences (exactly one main) and, for court orders, its requirements.

    The dates must be plausible: a start from 1900 to ten years ahead, an expected end after the start and
    at most ten years after it, and a person aged 10 to 110 when the sentence starts.
    """
    ensure_can_record(by, person)
    _check_sentence_dates(person, start_date, expected_end_date)
    sentence = validated(
        Sentence(
            person=person,
            type=type,
            court=require_text(court, "court", "the court", kind=LINE),
            start_date=start_date,
            expected_end_date=expected_end_date,
        )
    )
    offences = [
        replace(
            o, description=plain_text(o.description, "offences", "the offence description", kind=SHORT_TEXT)
        )
        for o in offences
    ]
    if sum(o.is_main for o in offences) != 1:
        raise ValidationError({"offences": "Give exactly one main offence"})
    if requirements and type not in COURT_ORDERS:
        raise ValidationError(
            {"requirements": "Only community and suspended sentence orders have requirements"}
        )
    if type == SentenceType.COMMUNITY_ORDER and not requirements:
        raise ValidationError({"requirements": "A community order must have at least one requirement"})
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


@transaction.atomic
def terminate_sentence(
    *, by: StaffMember, sentence: Sentence, termination_date: dt.date, reason: str
) -> Sentence:
    """End a sentence, with the date and the reason."""
    ensure_can_record(by, sentence.person)
    sentence = Sentence.objects.select_for_update().get(pk=sentence.pk)
    if sentence.termination_date is not None:
        raise ValidationError({"termination_date": "This sentence has already ended"})
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


@transaction.atomic
def record_assessment(
    *,
    by: StaffMember,
    person: Person,
    type: str,
    started_on: dt.date,
    sentence: Sentence | None = None,
    completed_on: dt.date | None = None,
    diversity_factors_discussed: str = "",
    sentence_plan_agreed_on: dt.date | None = None,
) -> AssessmentSummary:
    """Record an assessment summary; a completed assessment must say whether diversity factors were discussed."""
    ensure_can_record(by, person)
    if sentence is not None and sentence.person_id != person.pk:
        raise ValidationError({"sentence": "The sentence belongs to someone else"})
    if completed_on is not None and not diversity_factors_discussed:
        raise ValidationError(
            {"diversity_factors_discussed": "Say whether diversity factors were discussed in the assessment"}
        )
    assessment = validated(
        AssessmentSummary(
            person=person,
            sentence=sentence,
            type=type,
            started_on=started_on,
            completed_on=completed_on,
            diversity_factors_discussed=diversity_factors_discussed,
            sentence_plan_agreed_on=sentence_plan_agreed_on,
            assessor=by,
        )
    )
    assessment.save()
    return assessment
