"""What goes in and out of the API.

Enumerations are the models' own ``TextChoices``, so the OpenAPI schema lists exactly the values the database
accepts.

Output schemas read the records the door returns (``evenhand.people.records``, ``evenhand.cases.records``),
already shaped for the caller's role: for analysts ``id`` and the other internal ids are null and ``token``
(``person_token`` …) carries the opaque reference instead, free text and staff codes are null, and dates are
the first of their month; the diversity profile is present only for roles that may see it.

Inputs are bounded where the API meets them: ids within 64 bits, free text capped and without NUL
characters, and times that exist on the calendar in every time zone the service converts them to.
"""

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from evenhand.cases.models import (
    ContactOutcome,
    ContactType,
    Decision,
    DecisionOutcome,
    InformationSource,
    LengthUnit,
    OffenceCategory,
    ReferralStatus,
    Reliability,
    RequirementStatus,
    RequirementType,
    SentenceType,
    ServiceArea,
    TerminationReason,
    Urgency,
)
from evenhand.core.converters import RecordRefConverter
from evenhand.core.ids import MAX_ID
from evenhand.people.models import (
    Disability,
    EthnicGroup,
    Ethnicity,
    GenderIdentity,
    IdentifiedBy,
    Religion,
    Sex,
    SexualOrientation,
)

# Free text a person types: long enough for any real note or rationale, short enough to be plausible.
LONG_TEXT = 5000
# A record's reference in a path or a filter: what the web's ``ref`` converter matches, anchored.
REF_PATTERN = f"^(?:{RecordRefConverter.regex})$"


# --- bounded inputs -----------------------------------------------------------------------------------------


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no person types one.
    if "\x00" in value:
        raise ValueError("The text must not contain NUL characters")
    return value


def _ref_in_range(value: str) -> str:
    if value.isdigit() and int(value) > MAX_ID:
        raise ValueError(f"An id is at most {MAX_ID}")
    return value


def _on_the_calendar(value: dt.datetime, *, local: bool = True) -> dt.datetime:
    """An aware time that exists in UTC and (``local``) in the service's time zone, where the services read
    its date; given in UTC, since PostgreSQL takes offsets of at most 15:59 and Python up to 23:59."""
    try:
        utc = value.astimezone(dt.UTC)
        if local:
            timezone.localtime(value)
    except (OverflowError, ValueError):
        raise ValueError("The date and time is outside the calendar the service can store") from None
    return utc


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        raise ValueError("Give the time with its offset from UTC, like 2026-03-14T10:00:00+00:00")
    return _on_the_calendar(value)


def _local_if_naive(value: dt.datetime | None) -> dt.datetime | None:
    """A filter's time (compared in UTC): without an offset it is the service's local time."""
    if value is None:
        return None
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError):
            raise ValueError("The date and time is outside the calendar the service can store") from None
    return _on_the_calendar(value, local=False)


def _strip_blank(value: Any) -> Any:
    # An empty query parameter (``?crn=``) means no filter, not "match the empty string".
    if isinstance(value, str):
        return " ".join(value.split()) or None
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_no_nul)]
Time = Annotated[dt.datetime, AfterValidator(_aware)]
FilterTime = Annotated[dt.datetime | None, AfterValidator(_local_if_naive)]
# A path's reference: one that matches but names no record (or an id beyond 64 bits) is the door's 404.
Ref = Annotated[
    str,
    Field(pattern=REF_PATTERN, description="The record's id, or for analysts its token", examples=["1024"]),
]
FilterRef = Annotated[Annotated[Ref, AfterValidator(_ref_in_range)] | None, BeforeValidator(_strip_blank)]


# Query parameters' text: spaces tidied, empty meaning no filter, bounded and without NUL.
PduFilter = Annotated[Annotated[Text, Field(max_length=12)] | None, BeforeValidator(_strip_blank)]
CrnFilter = Annotated[Annotated[Text, Field(max_length=7)] | None, BeforeValidator(_strip_blank)]
NameFilter = Annotated[Annotated[Text, Field(max_length=200)] | None, BeforeValidator(_strip_blank)]


# --- errors -----------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Every error the API answers: what went wrong, and per field what to change (``__all__`` for the whole
    request). ``errors`` is empty when no field is at fault (401, 403, 404, 409)."""

    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


# Responses each kind of operation may give, for the OpenAPI document.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
LIST_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


# --- pages ------------------------------------------------------------------------------------------------


class PageQuery(Schema):
    """Limit and offset, with the bounds ninja's ``LimitOffsetPagination`` had."""

    limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_ID - settings.NINJA_PAGINATION_MAX_LIMIT)


# --- people -----------------------------------------------------------------------------------------------


class DiversityOut(Schema):
    ethnicity: Ethnicity
    ethnic_group: EthnicGroup
    ethnicity_identified_by: IdentifiedBy | None
    ethnicity_identified_on: dt.date | None
    religion: Religion
    disability: Disability
    gender_identity: str | None = Field(description="In the person's own words; null for analysts")
    sexual_orientation: SexualOrientation | None = Field(
        None, description="In force today (on a single record only; null in lists and before it is recorded)"
    )
    gender_identity_value: GenderIdentity | None = Field(
        None, description="Whether it is the same as the sex registered at birth (on a single record only)"
    )
    adjustments: str | None = Field(
        None, description="Reasonable adjustments a disability needs (single record; null for analysts)"
    )


class AddressOut(Schema):
    line_1: str
    line_2: str
    town: str
    postcode: str
    start_date: dt.date
    end_date: dt.date | None


class AddressIn(Schema):
    line_1: Text = Field(max_length=120)
    line_2: Text = Field("", max_length=120)
    town: Text = Field(max_length=60)
    postcode: Text = Field(max_length=10)
    start_date: dt.date = Field(description="When they started living there")
    end_date: dt.date | None = Field(None, description="When they stopped; null while they live there")


class PersonOut(Schema):
    id: int | None = Field(description="Null for analysts, who address the person by ``token``")
    token: str | None = Field(description="Analysts only: an opaque reference to the person")
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
    middle_names: str | None = Field(None, description="Null for analysts")
    preferred_name: str | None = Field(None, description="Null when none is given, and for analysts")
    pnc: str | None = Field(None, description="PNC number; null when none is held, and for analysts")
    phone: str | None = Field(None, description="Null when none is held, and for analysts")
    email: str | None = Field(None, description="Null when none is held, and for analysts")
    addresses: list[AddressOut] = Field(
        default_factory=list, description="On a single record; empty in lists and for analysts"
    )
    restricted: bool = Field(False, description="On a single record: whether it has a restriction list")
    managed_by: list[str] = Field(
        default_factory=list,
        description="On a single restricted record: who manages its lists (empty for analysts)",
    )

    @staticmethod
    def resolve_pdu(obj: Any) -> str:
        return str(obj.pdu_code)


class PersonIn(Schema):
    crn: Text | None = Field(
        None,
        max_length=7,
        description="The CRN the person already has (one capital letter and six digits, like X123456); "
        "leave it out for Evenhand to give the next one",
    )
    first_name: Text = Field(max_length=100)
    middle_names: Text = Field("", max_length=100)
    last_name: Text = Field(max_length=100)
    preferred_name: Text = Field("", max_length=100)
    date_of_birth: dt.date
    sex: Sex
    gender_identity: GenderIdentity | None = Field(
        None, description="Only as the person gives it: recorded as self-identified, today"
    )
    gender_identity_words: Text = Field("", max_length=200, description="In the person's own words")
    pnc: Text = Field("", max_length=13, description="PNC number, like 98/1234567L, with its check letter")
    pdu: Text = Field(max_length=12, description="Code of the managing PDU")
    first_language: Text = Field("English", max_length=60)
    interpreter_required: bool = False
    phone: Text = Field("", max_length=20)
    email: Text = Field("", max_length=120)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)
    distinct_reason: Text = Field(
        "",
        max_length=200,
        description="Why this is a different person from the possible duplicates the check found (409)",
    )


class PersonFilter(Schema):
    pdu: PduFilter = Field(None, description="PDU code")
    crn: CrnFilter = Field(None, description="Exact CRN (not for analysts)")
    name: NameFilter = Field(
        None,
        description="Each word starts the first or last name, as in the web search (not for analysts)",
    )


# --- sentences --------------------------------------------------------------------------------------------


class OffenceIn(Schema):
    category: OffenceCategory
    description: Text = Field("", max_length=200)
    is_main: bool = False
    committed_on: dt.date | None = Field(None, description="Required for each offence of a custody sentence")
    racially_or_religiously_aggravated: bool = False
    hate_crime: bool = False
    domestic_abuse: bool = False
    sexual: bool = False
    terrorism: bool = False


class OffenceOut(Schema):
    id: int | None = Field(description="Null for analysts")
    category: OffenceCategory
    description: str | None = Field(description="Null for analysts")
    is_main: bool
    committed_on: dt.date | None
    racially_or_religiously_aggravated: bool
    hate_crime: bool
    domestic_abuse: bool
    sexual: bool
    terrorism: bool


class RequirementIn(Schema):
    type: RequirementType
    # The statutory maxima: 300 hours of unpaid work; an order (and so its RAR days) runs at most three years.
    unpaid_work_hours: int | None = Field(None, ge=0, le=300)
    rar_days: int | None = Field(None, ge=0, le=1096)
    length_months: int | None = Field(None, ge=0, le=36)


class RequirementOut(Schema):
    id: int | None = Field(description="Null for analysts")
    type: RequirementType
    unpaid_work_hours: int | None
    rar_days: int | None
    length_months: int | None
    status: RequirementStatus


class SentenceIn(Schema):
    person_id: Id
    type: SentenceType
    court: Text = Field(
        max_length=120, description="The sentencing court; for a licence, the releasing prison"
    )
    start_date: dt.date = Field(description="The date of sentence; for a licence, the date of release")
    expected_end_date: dt.date | None = Field(
        None,
        description="For custody, the expected date of release (required); otherwise the expected end, "
        "worked out from the length when not given",
    )
    length: int | None = Field(
        None, ge=1, le=36500, description="As the court passed it; required for custody"
    )
    length_unit: LengthUnit | None = None
    custody_id: Id | None = Field(
        None, description="For a licence or post-sentence supervision: the custody sentence it follows"
    )
    offences: list[OffenceIn] = Field(max_length=50)
    requirements: list[RequirementIn] = Field([], max_length=20)


class ExtensionOut(Schema):
    ordered_on: dt.date
    previous_end_date: dt.date
    new_end_date: dt.date
    reason: str | None = Field(description="Null for analysts")
    recorded_by: str | None = Field(description="Staff code; null for analysts")


class CorrectionOut(Schema):
    fields: list[str] = Field(description="The corrected fields")
    changes: dict[str, list[str]] | None = Field(
        description="Each field's value before and after; null for analysts"
    )
    reason: str | None = Field(description="Null for analysts")
    recorded_by: str | None = Field(description="Staff code; null for analysts")
    recorded_on: dt.date


class SentenceOut(Schema):
    id: int | None = Field(description="Null for analysts, who address the sentence by ``token``")
    token: str | None = Field(description="Analysts only: an opaque reference to the sentence")
    person_id: int | None = Field(description="Null for analysts")
    person_token: str | None = Field(description="Analysts only")
    type: SentenceType
    court: str | None = Field(description="Null for analysts")
    start_date: dt.date
    expected_end_date: dt.date
    length: int | None
    length_unit: LengthUnit | None
    expiry_date: dt.date | None = Field(description="The date of sentence plus its length, when known")
    custody_id: int | None = Field(
        description="The custody sentence a licence or PSS follows; null for analysts"
    )
    custody_token: str | None = Field(description="Analysts only")
    termination_date: dt.date | None
    termination_reason: TerminationReason | None
    active: bool = Field(description="Not terminated, or terminated on a date still to come")
    practitioner: str | None = Field(
        description="Staff code of the practitioner currently allocated; null for analysts"
    )
    offences: list[OffenceOut]
    requirements: list[RequirementOut]
    extensions: list[ExtensionOut]
    corrections: list[CorrectionOut]


class SentenceFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    type: SentenceType | None = None
    active: bool | None = Field(None, description="Only sentences still running (true) or ended (false)")


# --- contacts ---------------------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int | None = Field(description="Null for analysts, who address the contact by ``token``")
    token: str | None = Field(description="Analysts only: an opaque reference to the contact")
    person_id: int | None = Field(description="Null for analysts")
    person_token: str | None = Field(description="Analysts only")
    sentence_id: int | None = Field(description="Null for analysts")
    sentence_token: str | None = Field(description="Analysts only")
    type: ContactType
    starts_at: dt.datetime = Field(description="For analysts the first of the month")
    location: str | None = Field(description="Null for analysts")
    outcome: ContactOutcome | None
    notes: str | None = Field(description="Null for analysts")
    recorded_by: str | None = Field(description="Staff code; null for analysts")
    outcome_recorded_at: dt.datetime | None
    outcome_recorded_by: str | None = Field(description="Staff code; null for analysts")


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
    sentence_id: Id
    type: ContactType
    starts_at: Time = Field(description="With a time zone offset")
    location: Text = Field("", max_length=120)
    notes: Text = Field("", max_length=LONG_TEXT)
    outcome: ContactOutcome | None = Field(None, description="Only for a contact that has happened")


class ContactOutcomeIn(Schema):
    outcome: ContactOutcome
    notes: Text = Field("", max_length=LONG_TEXT, description="Added to the contact's notes")


class ContactFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    sentence: FilterRef = Field(None, description="The sentence's id (analysts: its token)")
    outcome: ContactOutcome | None = None
    starts_from: FilterTime = Field(
        None,
        alias="from",
        description="Starts at or after (without an offset: UK time; analysts: from the month after, "
        "unless on the first of a month)",
    )
    starts_to: FilterTime = Field(
        None,
        alias="to",
        description="Starts before (analysts: before the first of the month after, unless on the first "
        "of a month)",
    )


# --- enforcement decisions ---------------------------------------------------------------------------------


class DecisionOut(Schema):
    id: int | None = Field(description="Null for analysts, who address the decision by ``token``")
    token: str | None = Field(description="Analysts only: an opaque reference to the decision")
    person_id: int | None = Field(description="Null for analysts")
    person_token: str | None = Field(description="Analysts only")
    sentence_id: int | None = Field(description="Null for analysts")
    sentence_token: str | None = Field(description="Analysts only")
    decision: Decision
    proposed: Decision | None = Field(description="What the rules proposed when the decision was made")
    rationale: str | None = Field(description="Null for analysts")
    decided_by: str | None = Field(description="Staff code; null for analysts")
    decided_at: dt.datetime = Field(description="For analysts the first of the month")
    triggering_contact_ids: list[int] | None = Field(description="Null for analysts")
    corrects: int | None = Field(description="The decision this one corrects (null for analysts)")
    corrected_by: int | None = Field(
        description="The decision that corrects this one, if any (null for analysts)"
    )
    is_corrected: bool = Field(description="A later decision corrects this one")
    outcome: DecisionOutcome | None = Field(description="What became of a breach or recall")
    risk_information_id: int | None = Field(
        None, description="The risk information this decision answers, if any (null for analysts)"
    )
    needs_endorsement: bool = Field(
        False, description="A decision not to recall after risk information: a manager must endorse it"
    )
    endorsed: bool = Field(
        False, description="A manager has endorsed it; until then such a decision is pending"
    )
    endorsed_at: dt.datetime | None = Field(None, description="For analysts the first of the month")


class DecisionIn(Schema):
    sentence_id: Id
    decision: Decision
    rationale: Text = Field(max_length=LONG_TEXT)
    triggering_contact_ids: list[Id] = Field(
        [], max_length=100, description="The unacceptable failures this decision answers"
    )
    decided_at: Time | None = Field(None, description="With a time zone offset; defaults to now")
    corrects: Id | None = Field(None, description="Id of the decision this one corrects")


class DecisionFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    sentence: FilterRef = Field(None, description="The sentence's id (analysts: its token)")
    decision: Decision | None = None


# --- risk information -------------------------------------------------------------------------------------


class RiskInformationOut(Schema):
    id: int | None = Field(description="Null for analysts, who address it by ``token``")
    token: str | None = Field(description="Analysts only: an opaque reference to the information")
    person_id: int | None = Field(description="Null for analysts")
    person_token: str | None = Field(description="Analysts only")
    sentence_id: int | None = Field(description="Null for analysts")
    sentence_token: str | None = Field(description="Analysts only")
    source: InformationSource
    source_detail: str | None = Field(description="Who gave it; null for analysts")
    summary: str | None = Field(description="What was learned; null for analysts")
    received_at: dt.datetime = Field(description="For analysts the first of the month")
    reliability: Reliability
    urgency: Urgency
    recall_considered: bool = Field(description="On a licence: recall is to be considered and decided")
    decision_due_at: dt.datetime | None = Field(description="When the decision on recall is due")
    status: str = Field(
        description="no_decision_due, decision_due, overdue, pending_endorsement (a decision not to recall "
        "that no manager has endorsed) or decided"
    )
    decision: DecisionOut | None = Field(description="The standing decision on it, if any")


class RiskInformationIn(Schema):
    sentence_id: Id
    source: InformationSource
    source_detail: Text = Field("", max_length=200, description="Needed for a partner agency or other")
    summary: Text = Field(max_length=LONG_TEXT, description="What was learned")
    received_at: Time = Field(description="With a time zone offset; not in the future")
    reliability: Reliability
    urgency: Urgency = Urgency.STANDARD


class RiskDecisionIn(Schema):
    decision: Decision = Field(
        description="A recall, or a decision not to recall (which needs an endorsement)"
    )
    rationale: Text = Field(max_length=LONG_TEXT)
    decided_at: Time | None = Field(None, description="With a time zone offset; defaults to now")


class EndorsementIn(Schema):
    rationale: Text = Field(max_length=LONG_TEXT, description="The manager's own reasons")
    endorsed_at: Time | None = Field(None, description="With a time zone offset; defaults to now")


class RiskInformationFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    sentence: FilterRef = Field(None, description="The sentence's id (analysts: its token)")
    waiting: bool | None = Field(
        None, description="Only information whose decision on recall is not settled, earliest deadline first"
    )


class PagedRiskInformationOut(Schema):
    items: list[RiskInformationOut]
    count: int


# --- referrals --------------------------------------------------------------------------------------------


class ReferralOut(Schema):
    id: int | None = Field(description="Null for analysts, who address the referral by ``token``")
    token: str | None = Field(description="Analysts only: an opaque reference to the referral")
    person_id: int | None = Field(description="Null for analysts")
    person_token: str | None = Field(description="Analysts only")
    sentence_id: int | None = Field(description="Null for analysts")
    sentence_token: str | None = Field(description="Analysts only")
    service_area: ServiceArea
    provider: str | None = Field(description="Null for analysts")
    reason: str | None = Field(description="Null for analysts")
    made_on: dt.date
    made_by: str | None = Field(description="Staff code; null for analysts")
    status: ReferralStatus
    status_changed_on: dt.date
    next_statuses: list[ReferralStatus] = Field(description="The statuses this referral may move to")


class ReferralIn(Schema):
    sentence_id: Id
    service_area: ServiceArea
    reason: Text = Field(max_length=LONG_TEXT)
    made_on: dt.date
    provider: Text = Field("", max_length=120)


class ReferralStatusIn(Schema):
    status: ReferralStatus
    changed_on: dt.date
    note: Text = Field("", max_length=LONG_TEXT)


class ReferralFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    service_area: ServiceArea | None = None
    status: ReferralStatus | None = None


# --- pages of each ----------------------------------------------------------------------------------------


class PagedPersonOut(Schema):
    items: list[PersonOut]
    count: int


class PagedSentenceOut(Schema):
    items: list[SentenceOut]
    count: int


class PagedContactOut(Schema):
    items: list[ContactOut]
    count: int


class PagedDecisionOut(Schema):
    items: list[DecisionOut]
    count: int


class PagedReferralOut(Schema):
    items: list[ReferralOut]
    count: int
