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
        assert set(schema["paths"][f"{API}/{resource}/{{ref}}"]) >= {"get"}
    assert f"{API}/contacts/{{ref}}/outcome" in paths
    assert f"{API}/referrals/{{ref}}/status" in paths
    # Decisions are immutable: no update or delete operation exists.
    assert set(schema["paths"][f"{API}/enforcement-decisions/{{ref}}"]) == {"get"}


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


def test_a_path_reference_is_an_id_or_a_token(schema):
    for path in ("people", "sentences", "contacts", "enforcement-decisions", "referrals"):
        (parameter,) = schema["paths"][f"{API}/{path}/{{ref}}"]["get"]["parameters"]
        assert parameter["name"] == "ref"
        assert parameter["schema"]["type"] == "string"
        assert parameter["schema"]["pattern"] == "^(?:[0-9]{1,19}|[A-Za-z0-9_-]{20,60})$"


def test_every_error_has_one_documented_shape(schema):
    components = schema["components"]["schemas"]
    assert set(components["ErrorOut"]["properties"]) == {"detail", "errors"}
    for path in ("people", "sentences", "contacts", "enforcement-decisions", "referrals"):
        operations = {
            "list": schema["paths"][f"{API}/{path}"]["get"],
            "create": schema["paths"][f"{API}/{path}"]["post"],
            "read": schema["paths"][f"{API}/{path}/{{ref}}"]["get"],
        }
        expected = {"list": {"401", "403", "422"}, "create": {"401", "403", "422"}, "read": {"401", "404"}}
        for kind, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert expected[kind] <= set(errors), (path, kind)
            for response in errors.values():
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"
                }


def test_ids_in_bodies_are_bounded_to_64_bits(schema):
    components = schema["components"]["schemas"]
    assert components["ContactIn"]["properties"]["sentence_id"]["maximum"] == 2**63 - 1
    assert components["DecisionIn"]["properties"]["triggering_contact_ids"]["items"]["maximum"] == 2**63 - 1
    assert components["DecisionIn"]["properties"]["rationale"]["maxLength"] == 5000


def test_no_two_schemas_share_a_name():
    """The document's components are keyed by class name: a second schema of the same name (a sentence's
    correction and an allocation's, both ``CorrectionIn``) replaced the first, and one operation was described
    with the other's fields."""
    import importlib
    import pkgutil
    from collections import defaultdict

    from ninja import Schema

    import evenhand.api

    for module in pkgutil.walk_packages(evenhand.api.__path__, "evenhand.api."):
        importlib.import_module(module.name)
    found = defaultdict(set)
    stack = list(Schema.__subclasses__())
    while stack:
        schema = stack.pop()
        stack += schema.__subclasses__()
        if schema.__module__.startswith("evenhand."):
            found[schema.__name__].add(f"{schema.__module__}.{schema.__qualname__}")
    assert {name: places for name, places in found.items() if len(places) > 1} == {}
