"""Schemathesis against the API's own OpenAPI document, in process (the Django WSGI application), as a
practitioner and as an analyst: whatever a caller sends, valid or not, the API answers without a server
error, with a status code its document declares and a body its document describes.

Random ids almost never name a record, so every other case is aimed at real ones (Asha's order, its
contacts, decision and referral; for the analyst their tokens): reads and writes then succeed or are refused
by the services' rules, and those answers are checked too. Bounded to a few examples per operation (well
under two minutes for the whole run); ``EVENHAND_SCHEMATHESIS_EXAMPLES=200`` searches harder.
"""

import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from evenhand.assessment.services import start_assessment
from evenhand.assessment.services.reports import start_report
from evenhand.cases.models import ContactType, Decision, Sentence, ServiceArea
from evenhand.cases.services import (
    add_registration,
    decide_enforcement,
    make_referral,
    record_contact,
    record_risk_information,
    record_risk_review,
)
from evenhand.org.models import StaffMember
from evenhand.people.access import record_token
from evenhand.wsgi import application
from tests.api.conftest import API, Org, days_ago, make_failure, today

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Loaded once, at collection: the document needs neither credentials nor the database.
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)

# The record kind a path's ``{ref}`` names, by the path's part just before it.
KINDS = {
    "people": "person",
    "sentences": "sentence",
    "contacts": "contact",
    "appointments": "contact",  # an appointment is a contact booked ahead
    "enforcement-decisions": "decision",
    "decisions": "decision",
    "referrals": "referral",
    "risk-reviews": "risk_review",
    "registrations": "registration",
    "assessments": "assessment",
    "risk-information": "risk_information",
    "reports": "report",
}


def kind_of(path: str) -> str:
    """The kind of record a path's ``{ref}`` names; a path this test does not know fails it, so a new
    operation is aimed at a real record too."""
    before = path.split("/{ref}")[0].rstrip("/").split("/")[-1]
    if before not in KINDS:
        pytest.fail(f"add the kind of record {path} names to KINDS in {__name__}")
    return KINDS[before]


@dataclass
class Records:
    ids: dict[str, int]  # kind → the id of a real record of that kind

    def aim(self, case: Any, *, tokens: bool) -> None:
        """Point the case's references at the real records (as tokens for an analyst)."""
        ref = case.path_parameters.get("ref") if case.path_parameters else None
        if ref is not None:
            kind = kind_of(case.path)
            case.path_parameters["ref"] = (
                record_token(kind, self.ids[kind]) if tokens else str(self.ids[kind])
            )
        if isinstance(case.body, dict):
            for field, kind in (
                ("person_id", "person"),
                ("sentence_id", "sentence"),
                ("corrects", "decision"),
                ("main_offence_id", "offence"),
            ):
                if isinstance(case.body.get(field), int):
                    case.body[field] = self.ids[kind]
            if isinstance(case.body.get("triggering_contact_ids"), list):
                case.body["triggering_contact_ids"] = [self.ids["failure"]]


@pytest.fixture
def records(org: Org, order: Sentence) -> Records:
    """Something of every kind to find, list and act on."""
    failure = make_failure(org.po, order).contact
    appointment = record_contact(
        by=org.po, sentence=order, type=ContactType.PHONE, starts_at=days_ago(1)
    ).contact
    decision = decide_enforcement(
        by=org.po,
        sentence=order,
        decision=Decision.WARNING,
        rationale="First missed appointment in a year; warned in writing.",
        triggering_contacts=[failure],
    )
    referral = make_referral(
        by=org.po,
        sentence=order,
        service_area=ServiceArea.ACCOMMODATION,
        reason="Sofa-surfing since her tenancy ended.",
        made_on=today(),
    )
    assessment = start_assessment(by=org.po, person=order.person)
    review = record_risk_review(
        by=org.po,
        person=order.person,
        assessed_on=today() - dt.timedelta(days=2),
        rosh_children="L",
        rosh_public="M",
        rosh_known_adult="L",
        rosh_staff="L",
        next_review_due=today() + dt.timedelta(days=88),
        review_reason="scheduled",
        tier="C2",
        tier_source="national",
    )
    registration = add_registration(
        by=org.po,
        person=order.person,
        type="hate_crime",
        start_date=today() - dt.timedelta(days=10),
        next_review_date=today() + dt.timedelta(days=80),
    )
    information = record_risk_information(
        by=org.po,
        sentence=order,
        source="police",
        summary="Seen near the victim's address.",
        received_at=timezone.now() - dt.timedelta(hours=2),
        reliability="likely",
    )
    report = start_report(
        by=org.po,
        person=order.person,
        court="Leeds Crown Court",
        hearing_date=today() + dt.timedelta(days=14),
        format="standard",
        main_offence=order.offences.get(is_main=True).pk,
    )
    return Records(
        ids={
            "assessment": assessment.pk,
            "report": report.pk,
            "offence": order.offences.get(is_main=True).pk,
            "person": order.person_id,
            "sentence": order.pk,
            "contact": appointment.pk,
            "failure": failure.pk,
            "decision": decision.pk,
            "referral": referral.pk,
            "risk_review": review.pk,
            "registration": registration.pk,
            "risk_information": information.pk,
        }
    )


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client does: the handler
    closes a connection not in autocommit at the start and end of each request, which on PostgreSQL would
    close the test's own transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearers(org: Org, token_for: Callable[[StaffMember], str]) -> dict[str, dict[str, str]]:
    return {role: {"Authorization": f"Bearer {token_for(getattr(org, role))}"} for role in ("po", "analyst")}


aimed = itertools.count()


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("EVENHAND_SCHEMATHESIS_EXAMPLES", "10")),
    deadline=None,
    # The fixtures are set up once per operation and the examples share them: that is what we want.
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_keeps_to_its_document(
    case: Any, connection_kept: None, records: Records, bearers: dict[str, dict[str, str]]
) -> None:
    aim = next(aimed) % 2 == 0
    for role, headers in bearers.items():
        if aim:
            records.aim(case, tokens=role == "analyst")
        case.call_and_validate(headers=headers, checks=CHECKS)
