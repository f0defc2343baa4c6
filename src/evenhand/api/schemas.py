"""What goes in and out of the API.

Enumerations are the models' own ``TextChoices``, so the OpenAPI schema lists exactly the values the database
accepts. What a caller sees depends on who they are, decided here in one place with the rules of
``evenhand.people.access``:

* analysts get a pseudonym instead of a name, date of birth and CRN, and no free text (notes, rationales,
  reasons, locations, offence descriptions), because free text written about a person names people;
* the diversity profile is present only for roles that may see special-category data.

Output schemas are filled from model instances; the viewer comes from the request in the serialisation
context. Without a viewer nothing identifying is shown (fail closed).
"""

import datetime as dt
from typing import Annotated, Any

from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterLookup, FilterSchema, Schema
from pydantic import field_validator

from evenhand.cases.models import (
    NEXT_STATUSES,
    ContactOutcome,
    ContactType,
    Decision,
    DecisionOutcome,
    OffenceCategory,
    ReferralStatus,
    RequirementStatus,
    RequirementType,
    SentenceType,
    ServiceArea,
    TerminationReason,
)
from evenhand.org.models import StaffMember
from evenhand.people.access import can_see_diversity, can_see_identity, pseudonym
from evenhand.people.models import Disability, EthnicGroup, Ethnicity, IdentifiedBy, Religion, Sex

# --- who is looking ---------------------------------------------------------------------------------------


def _viewer(context: Any) -> StaffMember | None:
    request = (context or {}).get("request")
    staff = getattr(request, "auth", None)
    return staff if isinstance(staff, StaffMember) else None


def _shows_identity(context: Any) -> bool:
    staff = _viewer(context)
    return staff is not None and can_see_identity(staff)


def _identifying(value: Any, context: Any) -> Any:
    """The value for viewers who may see identities; None for analysts (and when nobody is known)."""
    return value if _shows_identity(context) else None


def _blank_to_none(value: str) -> str | None:
    return value or None


# --- errors -----------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ServiceErrorOut(Schema):
    """A business rule refused the request: what was wrong, per field (``__all__`` for the whole record)."""

    detail: str
    errors: dict[str, list[str]]


# Responses every operation may give, for the OpenAPI document.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ServiceErrorOut}
LIST_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}


# --- people -----------------------------------------------------------------------------------------------


class DiversityOut(Schema):
    ethnicity: Ethnicity
    ethnic_group: EthnicGroup
    ethnicity_identified_by: IdentifiedBy | None
    ethnicity_identified_on: dt.date | None
    religion: Religion
    disability: Disability
    gender_identity: str

    @staticmethod
    def resolve_ethnicity_identified_by(obj: Any) -> str | None:
        return _blank_to_none(obj.ethnicity_identified_by)


class PersonOut(Schema):
    id: int
    pseudonym: str | None = Field(description="Analysts only: a stable keyed pseudonym in place of identity")
    crn: str | None = Field(description="Null for analysts")
    first_name: str | None = Field(description="Null for analysts")
    last_name: str | None = Field(description="Null for analysts")
    date_of_birth: dt.date | None = Field(description="Null for analysts")
    sex: Sex
    first_language: str
    interpreter_required: bool
    pdu: str = Field(description="Code of the managing PDU")
    diversity: DiversityOut | None = Field(
        description="Null for roles that may not see special-category data"
    )

    @staticmethod
    def resolve_pseudonym(obj: Any, context: Any) -> str | None:
        staff = _viewer(context)
        return pseudonym(obj.pk) if staff is not None and not can_see_identity(staff) else None

    @staticmethod
    def resolve_crn(obj: Any, context: Any) -> str | None:
        return _identifying(obj.crn, context)

    @staticmethod
    def resolve_first_name(obj: Any, context: Any) -> str | None:
        return _identifying(obj.first_name, context)

    @staticmethod
    def resolve_last_name(obj: Any, context: Any) -> str | None:
        return _identifying(obj.last_name, context)

    @staticmethod
    def resolve_date_of_birth(obj: Any, context: Any) -> dt.date | None:
        return _identifying(obj.date_of_birth, context)

    @staticmethod
    def resolve_pdu(obj: Any) -> str:
        return obj.pdu.code

    @staticmethod
    def resolve_diversity(obj: Any, context: Any) -> Any:
        staff = _viewer(context)
        if staff is None or not can_see_diversity(staff):
            return None
        return getattr(obj, "diversity", None)


class PersonIn(Schema):
    crn: str = Field(max_length=7, description="One capital letter and six digits, like X123456")
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    date_of_birth: dt.date
    sex: Sex
    pdu: str = Field(description="Code of the managing PDU")
    first_language: str = Field("English", max_length=60)
    interpreter_required: bool = False


class PersonFilter(FilterSchema):
    pdu: Annotated[str | None, FilterLookup("pdu__code")] = Field(None, description="PDU code")
    crn: Annotated[str | None, FilterLookup("crn")] = Field(None, description="Exact CRN (not for analysts)")
    name: str | None = Field(
        None, description="Each word starts the first or last name, as in the web search (not for analysts)"
    )

    @field_validator("pdu", "crn", "name")
    @classmethod
    def _tidy(cls, value: str | None) -> str | None:
        # An empty parameter (``?crn=``) means no filter, not "match the empty string".
        if value is None:
            return None
        return " ".join(value.split()) or None

    def filter_name(self, value: str | None) -> Q:
        match = Q()
        for term in (value or "").split():
            match &= Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
        return match

    @field_validator("crn")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None


# --- sentences --------------------------------------------------------------------------------------------


class OffenceIn(Schema):
    category: OffenceCategory
    description: str = Field("", max_length=200)
    is_main: bool = False
    racially_or_religiously_aggravated: bool = False
    hate_crime: bool = False
    domestic_abuse: bool = False
    sexual: bool = False
    terrorism: bool = False


class OffenceOut(OffenceIn):
    id: int
    description: str | None = Field(description="Null for analysts")  # type: ignore[assignment]

    @staticmethod
    def resolve_description(obj: Any, context: Any) -> str | None:
        return _identifying(obj.description, context)


class RequirementIn(Schema):
    type: RequirementType
    unpaid_work_hours: int | None = Field(None, ge=0)
    rar_days: int | None = Field(None, ge=0)
    length_months: int | None = Field(None, ge=0)


class RequirementOut(RequirementIn):
    id: int
    status: RequirementStatus


class SentenceIn(Schema):
    person_id: int
    type: SentenceType
    court: str = Field(max_length=120)
    start_date: dt.date
    expected_end_date: dt.date
    offences: list[OffenceIn]
    requirements: list[RequirementIn] = []


class SentenceOut(Schema):
    id: int
    person_id: int
    type: SentenceType
    court: str
    start_date: dt.date
    expected_end_date: dt.date
    termination_date: dt.date | None
    termination_reason: TerminationReason | None
    active: bool = Field(description="Not terminated, or terminated on a date still to come")
    practitioner: str | None = Field(description="Staff code of the practitioner currently allocated")
    offences: list[OffenceOut]
    requirements: list[RequirementOut]

    @staticmethod
    def resolve_termination_reason(obj: Any) -> str | None:
        return _blank_to_none(obj.termination_reason)

    @staticmethod
    def resolve_active(obj: Any) -> bool:
        return obj.termination_date is None or obj.termination_date >= timezone.localdate()

    @staticmethod
    def resolve_practitioner(obj: Any) -> str | None:
        # ``current_allocations`` is prefetched by the router (at most one open allocation per sentence).
        current = getattr(obj, "current_allocations", None) or []
        return current[0].practitioner.staff_code if current else None


class SentenceFilter(FilterSchema):
    person: Annotated[int | None, FilterLookup("person_id")] = Field(None, description="Person id")
    type: SentenceType | None = None
    active: bool | None = Field(None, description="Only sentences still running (true) or ended (false)")

    def filter_active(self, value: bool | None) -> Q:
        running = Q(termination_date__isnull=True) | Q(termination_date__gte=timezone.localdate())
        return running if value else ~running


# --- contacts ---------------------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    person_id: int
    sentence_id: int
    type: ContactType
    starts_at: dt.datetime
    location: str | None = Field(description="Null for analysts")
    outcome: ContactOutcome | None
    notes: str | None = Field(description="Null for analysts")
    recorded_by: str = Field(description="Staff code")
    outcome_recorded_at: dt.datetime | None
    outcome_recorded_by: str | None = Field(description="Staff code")

    @staticmethod
    def resolve_location(obj: Any, context: Any) -> str | None:
        return _identifying(obj.location, context)

    @staticmethod
    def resolve_notes(obj: Any, context: Any) -> str | None:
        return _identifying(obj.notes, context)

    @staticmethod
    def resolve_outcome(obj: Any) -> str | None:
        return _blank_to_none(obj.outcome)

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return obj.recorded_by.staff_code

    @staticmethod
    def resolve_outcome_recorded_by(obj: Any) -> str | None:
        return obj.outcome_recorded_by.staff_code if obj.outcome_recorded_by_id else None


class ProposalOut(Schema):
    """The enforcement decision the rules call for after an unacceptable failure to comply."""

    decision: Decision
    reason: str


class ContactRecordedOut(Schema):
    contact: ContactOut
    proposal: ProposalOut | None = Field(
        description="Present when the outcome was an unacceptable failure to comply"
    )


class ContactIn(Schema):
    sentence_id: int
    type: ContactType
    starts_at: dt.datetime = Field(description="With a time zone offset")
    location: str = Field("", max_length=120)
    notes: str = ""
    outcome: ContactOutcome | None = Field(None, description="Only for a contact that has happened")


class ContactOutcomeIn(Schema):
    outcome: ContactOutcome
    notes: str = Field("", description="Added to the contact's notes")


class ContactFilter(FilterSchema):
    person: Annotated[int | None, FilterLookup("person_id")] = Field(None, description="Person id")
    sentence: Annotated[int | None, FilterLookup("sentence_id")] = Field(None, description="Sentence id")
    outcome: ContactOutcome | None = None
    starts_from: Annotated[dt.datetime | None, FilterLookup("starts_at__gte")] = Field(
        None, alias="from", description="Starts at or after"
    )
    starts_to: Annotated[dt.datetime | None, FilterLookup("starts_at__lt")] = Field(
        None, alias="to", description="Starts before"
    )


# --- enforcement decisions ---------------------------------------------------------------------------------


class DecisionOut(Schema):
    id: int
    person_id: int
    sentence_id: int
    decision: Decision
    proposed: Decision | None = Field(description="What the rules proposed when the decision was made")
    rationale: str | None = Field(description="Null for analysts")
    decided_by: str = Field(description="Staff code")
    decided_at: dt.datetime
    triggering_contact_ids: list[int]
    corrects: int | None = Field(description="The decision this one corrects")
    corrected_by: int | None = Field(description="The decision that corrects this one, if any")
    outcome: DecisionOutcome | None = Field(description="What became of a breach or recall")

    @staticmethod
    def resolve_person_id(obj: Any) -> int:
        return obj.sentence.person_id

    @staticmethod
    def resolve_proposed(obj: Any) -> str | None:
        return _blank_to_none(obj.proposed)

    @staticmethod
    def resolve_rationale(obj: Any, context: Any) -> str | None:
        return _identifying(obj.rationale, context)

    @staticmethod
    def resolve_decided_by(obj: Any) -> str:
        return obj.decided_by.staff_code

    @staticmethod
    def resolve_triggering_contact_ids(obj: Any) -> list[int]:
        return sorted(contact.pk for contact in obj.triggering_contacts.all())

    @staticmethod
    def resolve_corrects(obj: Any) -> int | None:
        return obj.corrects_id

    @staticmethod
    def resolve_corrected_by(obj: Any) -> int | None:
        correction = getattr(obj, "corrected_by", None)
        return correction.pk if correction is not None else None

    @staticmethod
    def resolve_outcome(obj: Any) -> str | None:
        outcome = getattr(obj, "outcome", None)
        return outcome.outcome if outcome is not None else None


class DecisionIn(Schema):
    sentence_id: int
    decision: Decision
    rationale: str
    triggering_contact_ids: list[int] = Field(
        [], description="The unacceptable failures this decision answers"
    )
    decided_at: dt.datetime | None = Field(None, description="Defaults to now")
    corrects: int | None = Field(None, description="Id of the decision this one corrects")


class DecisionFilter(FilterSchema):
    person: Annotated[int | None, FilterLookup("sentence__person_id")] = Field(None, description="Person id")
    sentence: Annotated[int | None, FilterLookup("sentence_id")] = Field(None, description="Sentence id")
    decision: Decision | None = None


# --- referrals --------------------------------------------------------------------------------------------


class ReferralOut(Schema):
    id: int
    person_id: int
    sentence_id: int
    service_area: ServiceArea
    provider: str
    reason: str | None = Field(description="Null for analysts")
    made_on: dt.date
    made_by: str = Field(description="Staff code")
    status: ReferralStatus
    status_changed_on: dt.date
    next_statuses: list[ReferralStatus] = Field(description="The statuses this referral may move to")

    @staticmethod
    def resolve_reason(obj: Any, context: Any) -> str | None:
        return _identifying(obj.reason, context)

    @staticmethod
    def resolve_made_by(obj: Any) -> str:
        return obj.made_by.staff_code

    @staticmethod
    def resolve_next_statuses(obj: Any) -> list[str]:
        return list(NEXT_STATUSES[obj.status])


class ReferralIn(Schema):
    sentence_id: int
    service_area: ServiceArea
    reason: str
    made_on: dt.date
    provider: str = Field("", max_length=120)


class ReferralStatusIn(Schema):
    status: ReferralStatus
    changed_on: dt.date
    note: str = ""


class ReferralFilter(FilterSchema):
    person: Annotated[int | None, FilterLookup("person_id")] = Field(None, description="Person id")
    service_area: ServiceArea | None = None
    status: ReferralStatus | None = None
