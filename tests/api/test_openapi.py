"""The OpenAPI document: served, lists the model enumerations, and describes both ways to authenticate."""

import pytest
from django.test import Client

from evenhand.cases.models import ContactOutcome, Decision, ReferralStatus, ServiceArea
from evenhand.people.models import Ethnicity
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_enumerations_come_from_the_models(schema):
    components = schema["components"]["schemas"]
    assert components["Decision"]["enum"] == list(Decision.values)
    assert components["ContactOutcome"]["enum"] == list(ContactOutcome.values)
    assert components["ReferralStatus"]["enum"] == list(ReferralStatus.values)
    assert components["ServiceArea"]["enum"] == list(ServiceArea.values)
    assert components["Ethnicity"]["enum"] == list(Ethnicity.values)


def test_every_resource_is_described(schema):
    paths = set(schema["paths"])
    for resource in ("people", "sentences", "contacts", "enforcement-decisions", "referrals"):
        assert f"{API}/{resource}" in paths
        assert {"get", "post"} <= set(schema["paths"][f"{API}/{resource}"])
    assert f"{API}/contacts/{{contact_id}}/outcome" in paths
    assert f"{API}/referrals/{{referral_id}}/status" in paths
    # Decisions are immutable: no update or delete operation exists.
    assert set(schema["paths"][f"{API}/enforcement-decisions/{{decision_id}}"]) == {"get"}


def test_both_authentication_schemes_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["StaffSession"]["in"] == "cookie"
    people = schema["paths"][f"{API}/people"]["get"]
    assert {"BearerToken": []} in people["security"]


def test_lists_take_limit_and_offset(schema):
    parameters = {p["name"]: p for p in schema["paths"][f"{API}/contacts"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["default"] == 50
    assert parameters["limit"]["schema"]["maximum"] == 200
    assert {"offset", "person", "sentence", "outcome", "from", "to"} <= set(parameters)
