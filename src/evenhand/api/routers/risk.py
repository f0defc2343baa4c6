"""Risk of serious harm reviews (with MAPPA and the tier entered by hand) and registrations."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from evenhand.audit.models import Channel
from evenhand.cases import door
from evenhand.cases.models import (
    MappaCategory,
    MappaLevel,
    RegistrationType,
    ReviewReason,
    RoshLevel,
    Tier,
    TierSource,
)
from evenhand.cases.records import RegistrationRecord, RiskRecord
from evenhand.cases.services import (
    add_registration,
    end_registration,
    record_risk_review,
    review_registration,
)
from evenhand.people.door import person_for_casework, require_casework

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, FilterRef, Id, PageQuery, Ref, Text
from .common import api_field_names, listed, loaded_for_casework, purpose, read

risk_router = Router(tags=["risk"])
registrations_router = Router(tags=["registrations"])

ANALYSTS = "Null for analysts"


# --- schemas ------------------------------------------------------------------------------------------------


class RiskReviewIn(Schema):
    person_id: Id
    assessed_on: dt.date
    rosh_children: RoshLevel
    rosh_public: RoshLevel
    rosh_known_adult: RoshLevel
    rosh_staff: RoshLevel
    rosh: RoshLevel | None = Field(
        None, description="The overall level: the highest of the four (worked out when not given)"
    )
    next_review_due: dt.date = Field(
        description="After this review and at most 6 months on; sooner on change"
    )
    review_reason: ReviewReason
    tier: Tier
    tier_source: TierSource = Field(description="Where the tier, entered by hand, comes from")
    mappa_category: MappaCategory | None = None
    mappa_level: MappaLevel | None = None


class RiskReviewOut(Schema):
    id: int | None = Field(description=ANALYSTS)
    token: str | None = Field(description="Analysts only: an opaque reference to the review")
    person_id: int | None = Field(description=ANALYSTS)
    person_token: str | None = Field(description="Analysts only")
    assessed_on: dt.date
    rosh: RoshLevel
    rosh_children: RoshLevel | None = Field(description="Null on a summary recorded before full reviews")
    rosh_public: RoshLevel | None
    rosh_known_adult: RoshLevel | None
    rosh_staff: RoshLevel | None
    next_review_due: dt.date | None
    review_reason: ReviewReason | None
    tier: Tier
    tier_source: TierSource | None
    mappa_category: MappaCategory | None
    mappa_level: MappaLevel | None
    recorded_by: str | None = Field(description="Staff code; null for analysts")


class RiskReviewFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")


class PagedRiskReviewOut(Schema):
    items: list[RiskReviewOut]
    count: int


class RegistrationIn(Schema):
    person_id: Id
    type: RegistrationType
    start_date: dt.date
    next_review_date: dt.date = Field(description="After the start, within a year")
    notes: Text = Field("", max_length=5000)


class RegistrationReviewIn(Schema):
    registration_id: Id
    reviewed_on: dt.date
    next_review_date: dt.date
    notes: Text = Field("", max_length=5000)


class RegistrationEndIn(Schema):
    registration_id: Id
    end_date: dt.date
    reason: Text = Field(max_length=200)


class RegistrationReviewOut(Schema):
    reviewed_on: dt.date
    next_review_date: dt.date
    notes: str | None = Field(description=ANALYSTS)
    reviewed_by: str | None = Field(description="Staff code; null for analysts")


class RegistrationOut(Schema):
    id: int | None = Field(description=ANALYSTS)
    token: str | None = Field(description="Analysts only: an opaque reference to the registration")
    person_id: int | None = Field(description=ANALYSTS)
    person_token: str | None = Field(description="Analysts only")
    type: RegistrationType
    is_complexity_factor: bool = Field(description="One of the tier calculation's complexity factors")
    start_date: dt.date
    next_review_date: dt.date
    end_date: dt.date | None
    end_reason: str | None = Field(description=ANALYSTS)
    active: bool
    notes: str | None = Field(description=ANALYSTS)
    recorded_by: str | None = Field(description="Staff code; null for analysts")
    reviews: list[RegistrationReviewOut]


class RegistrationFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    type: RegistrationType | None = None
    active: bool | None = Field(None, description="Only open registrations (true) or ended ones (false)")


class PagedRegistrationOut(Schema):
    items: list[RegistrationOut]
    count: int


# --- risk reviews -------------------------------------------------------------------------------------------


@risk_router.get("", response={200: PagedRiskReviewOut, **LIST_ERRORS}, summary="List risk reviews")
def list_risk_reviews(
    request: HttpRequest, filters: Query[RiskReviewFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Risk of serious harm reviews the caller may see, latest first (a person's first is the current one;
    the rest are their history). Each page is logged as an export."""
    return listed(request, door.list_risk_reviews, page, person=filters.person)


@risk_router.get("/{ref:ref}", response={200: RiskReviewOut, **READ_ERRORS}, summary="Read a risk review")
def read_risk_review(request: HttpRequest, ref: Path[Ref]) -> RiskRecord:
    return read(request, door.open_risk_review, ref)


@risk_router.post("", response={201: RiskReviewOut, **WRITE_ERRORS}, summary="Record a risk review")
def create_risk_review(request: HttpRequest, payload: RiskReviewIn) -> Status:
    """Record a risk of serious harm review as a new row; a correction is a later review, never an edit."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("person_id", "person"):
        person = person_for_casework(
            viewer=staff, person_id=payload.person_id, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(person="person_id"):
        review = record_risk_review(by=staff, person=person, **payload.model_dump(exclude={"person_id"}))
    return Status(201, door.written_risk_review(viewer=staff, review_id=review.pk))


# --- registrations ------------------------------------------------------------------------------------------


@registrations_router.get(
    "", response={200: PagedRegistrationOut, **LIST_ERRORS}, summary="List registrations"
)
def list_registrations(
    request: HttpRequest, filters: Query[RegistrationFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Registrations the caller may see, latest start first. Each page is logged as an export."""
    return listed(
        request,
        door.list_registrations,
        page,
        person=filters.person,
        type=filters.type,
        active=filters.active,
    )


@registrations_router.get(
    "/{ref:ref}", response={200: RegistrationOut, **READ_ERRORS}, summary="Read a registration"
)
def read_registration(request: HttpRequest, ref: Path[Ref]) -> RegistrationRecord:
    return read(request, door.open_registration, ref)


@registrations_router.post("", response={201: RegistrationOut, **WRITE_ERRORS}, summary="Add a registration")
def create_registration(request: HttpRequest, payload: RegistrationIn) -> Status:
    """Put a person on a register; one of the same type over the same days is refused."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("person_id", "person"):
        person = person_for_casework(
            viewer=staff, person_id=payload.person_id, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(person="person_id"):
        registration = add_registration(by=staff, person=person, **payload.model_dump(exclude={"person_id"}))
    return Status(201, door.written_registration(viewer=staff, registration_id=registration.pk))


def _for_casework(request: HttpRequest, registration_id: int) -> Any:
    with loaded_for_casework("registration_id", "registration"):
        return door.registration_for_casework(
            viewer=staff_of(request),
            registration_id=registration_id,
            channel=Channel.API,
            purpose=purpose(request),
        )


@registrations_router.post(
    "/reviews",
    response={201: RegistrationOut, **WRITE_ERRORS},
    summary="Review a registration",
)
def review(request: HttpRequest, payload: RegistrationReviewIn) -> Status:
    """Record a review of an open registration (kept as its own row) and when it is next due."""
    staff = staff_of(request)
    require_casework(staff)
    registration = _for_casework(request, payload.registration_id)
    review_registration(
        by=staff, registration=registration, **payload.model_dump(exclude={"registration_id"})
    )
    return Status(201, door.written_registration(viewer=staff, registration_id=registration.pk))


@registrations_router.post(
    "/endings",
    response={201: RegistrationOut, **WRITE_ERRORS},
    summary="End a registration",
)
def end(request: HttpRequest, payload: RegistrationEndIn) -> Status:
    staff = staff_of(request)
    require_casework(staff)
    registration = _for_casework(request, payload.registration_id)
    end_registration(by=staff, registration=registration, end_date=payload.end_date, reason=payload.reason)
    return Status(201, door.written_registration(viewer=staff, registration_id=registration.pk))
