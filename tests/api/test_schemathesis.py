"""Schemathesis against the API's own OpenAPI document, in process (the Django WSGI application), as a
practitioner and as an analyst: whatever a caller sends, valid or not, the API answers without a server
error, with a status code its document declares and a body its document describes.

Random ids almost never name a record, so every other case is aimed at real ones (Asha's order, its
contacts, decision and referral; for the analyst their tokens): reads and writes then succeed or are refused
by the services' rules, and those answers are checked too. Bounded to a few examples per operation (well
under two minutes for the whole run); ``EVENHAND_SCHEMATHESIS_EXAMPLES=200`` searches harder.
"""

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from evenhand.assessment.services import start_assessment
from evenhand.cases.models import ContactType, Decision, Sentence, ServiceArea
from evenhand.cases.services import decide_enforcement, make_referral, record_contact
from evenhand.org.models import StaffMember
from evenhand.people.access import record_token
from evenhand.wsgi import application
from tests.api.conftest import API, Org, days_ago, make_failure, today

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Loaded once, at collection: the document needs neither credentials nor the database.
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)

# The record kind a path's ``{ref}`` names, by the path's first part.
KINDS = {
    "people": "person",
    "sentences": "sentence",
    "contacts": "contact",
    "enforcement-decisions": "decision",
    "referrals": "referral",
    "assessments": "assessment",
    "appointments": "contact",  # an appointment is a contact booked ahead
    "todo": "person",  # /todo/people/{ref}
}


@dataclass
class Records:
    ids: dict[str, int]  # kind → the id of a real record of that kind

    def aim(self, case: Any, *, tokens: bool) -> None:
        """Point the case's references at the real records (as tokens for an analyst)."""
        ref = case.path_parameters.get("ref") if case.path_parameters else None
        if ref is not None:
            kind = KINDS[case.path.removeprefix(f"{API}/").split("/")[0]]
            case.path_parameters["ref"] = (
                record_token(kind, self.ids[kind]) if tokens else str(self.ids[kind])
            )
        if isinstance(case.body, dict):
            for field, kind in (
                ("person_id", "person"),
                ("sentence_id", "sentence"),
                ("corrects", "decision"),
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
    return Records(
        ids={
            "assessment": assessment.pk,
            "person": order.person_id,
            "sentence": order.pk,
            "contact": appointment.pk,
            "failure": failure.pk,
            "decision": decision.pk,
            "referral": referral.pk,
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
