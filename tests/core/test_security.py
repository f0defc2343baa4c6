"""Headers every response carries: HSTS on HTTPS, and no caching of anything that shows a person."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from evenhand.api.services import issue_api_token
from evenhand.core.middleware import NeverCacheMiddleware
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Person
from tests.factories import AllocationFactory, PersonFactory, SentenceFactory, StaffMemberFactory

NEVER_CACHE = {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"}


def cache_control(response: HttpResponse) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def po_and_person(db: None) -> tuple[StaffMember, Person]:
    person = PersonFactory()
    po = StaffMemberFactory(grade=Grade.PO, pdu=person.pdu, with_user=True)
    AllocationFactory(sentence=SentenceFactory(person=person), practitioner=po)
    return po, person


def signed_in(staff: StaffMember) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def test_an_https_response_carries_hsts_for_a_year_with_subdomains(client: Client, db: None) -> None:
    response = client.get(reverse("sign-in"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_person_page_is_never_cached(po_and_person: tuple[StaffMember, Person]) -> None:
    po, person = po_and_person
    response = signed_in(po).get(reverse("person-detail", args=[person.pk]))
    assert response.status_code == 200
    assert person.crn in response.content.decode()
    assert cache_control(response) >= NEVER_CACHE


def test_the_caseload_export_is_never_cached(po_and_person: tuple[StaffMember, Person]) -> None:
    po, person = po_and_person
    response = signed_in(po).get(reverse("my-cases-csv"))
    assert response.status_code == 200
    assert person.crn in response.content.decode()
    assert cache_control(response) >= NEVER_CACHE


def test_api_responses_are_never_cached(po_and_person: tuple[StaffMember, Person]) -> None:
    po, person = po_and_person
    token = issue_api_token(staff=po, name="tests").raw
    client = Client(headers={"Authorization": f"Bearer {token}"})
    for url in (f"/api/v1/people/{person.pk}", "/api/v1/people"):
        response = client.get(url)
        assert response.status_code == 200
        assert person.crn in response.content.decode()
        assert cache_control(response) >= NEVER_CACHE
    assert cache_control(Client().get(f"/api/v1/people/{person.pk}")) >= NEVER_CACHE  # refusals too


@pytest.mark.parametrize("path", ["/assets/govuk/govuk-frontend.min.css", "/favicon.ico"])
def test_static_assets_may_be_cached(path: str) -> None:
    def serve_asset(request: object) -> HttpResponse:
        response = HttpResponse("body {}")
        response["Cache-Control"] = "max-age=60, public"
        return response

    response = NeverCacheMiddleware(serve_asset)(RequestFactory().get(path))
    assert cache_control(response) == {"max-age=60", "public"}
