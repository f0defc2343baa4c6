"""Who may call the API: bearer tokens, signed-in sessions (with CSRF), and the token services and command."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client
from django.utils import timezone

from evenhand.api.models import ApiToken, hash_token
from evenhand.api.services import issue_api_token, revoke_api_token
from evenhand.people.models import Person
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_valid_token_acts_as_its_staff_member_and_records_its_use(org, asha, bradford_person):
    issued = issue_api_token(staff=org.po, name="case import")
    assert issued.token.last_used_at is None

    response = bearer(issued.raw).get(f"{API}/people")

    assert response.status_code == 200
    # The Leeds PO's view of the service: Leeds people only.
    assert [p["crn"] for p in response.json()["items"]] == ["L123456"]
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_a_revoked_token_is_refused(org, asha):
    issued = issue_api_token(staff=org.po, name="case import")
    revoke_api_token(token=issued.token)

    response = bearer(issued.raw).get(f"{API}/people")

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized", "errors": {}}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused(org, asha):
    issue_api_token(staff=org.po, name="case import")
    assert bearer("not-a-token-we-issued").get(f"{API}/people").status_code == 401


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_credentials_is_401_not_a_csrf_error(org, method):
    response = getattr(Client(), method)(f"{API}/people", content_type="application/json", data={})
    assert response.status_code == 401


def test_a_token_of_someone_who_has_left_is_refused(org, asha):
    issued = issue_api_token(staff=org.po, name="case import")
    org.po.end_date = timezone.localdate() - dt.timedelta(days=1)
    org.po.save(update_fields=["end_date"])
    assert bearer(issued.raw).get(f"{API}/people").status_code == 401


def test_a_bad_token_is_refused_even_with_a_signed_in_session(org, asha):
    client = Client(headers={"Authorization": "Bearer wrong"})
    client.force_login(org.po.user)
    assert client.get(f"{API}/people").status_code == 401


def test_a_signed_in_session_acts_as_the_users_staff_member(org, asha, bradford_person):
    client = Client()
    client.force_login(org.po.user)
    response = client.get(f"{API}/people")
    assert response.status_code == 200
    assert [p["crn"] for p in response.json()["items"]] == ["L123456"]


def test_a_user_with_no_staff_record_is_refused(org, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user(username="nobody"))
    assert client.get(f"{API}/people").status_code == 401


def person_payload(crn: str) -> dict:
    return {
        "crn": crn,
        "first_name": "Dan",
        "last_name": "Reed",
        "date_of_birth": "1985-02-03",
        "sex": "M",
        "pdu": "LDS",
    }


def test_session_writes_need_the_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.po.user)

    refused = client.post(f"{API}/people", person_payload("D100001"), content_type="application/json")
    assert refused.status_code == 403
    assert not Person.objects.filter(crn="D100001").exists()

    # The web UI's pages set the CSRF cookie; a script in the page sends it back in the header.
    csrf = "k" * CSRF_SECRET_LENGTH
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    accepted = client.post(
        f"{API}/people",
        person_payload("D100001"),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert accepted.status_code == 201, accepted.content
    assert Person.objects.filter(crn="D100001").exists()


def test_bearer_writes_need_no_csrf_token(org):
    client = Client(
        enforce_csrf_checks=True,
        headers={"Authorization": f"Bearer {issue_api_token(staff=org.po, name='x').raw}"},
    )
    response = client.post(f"{API}/people", person_payload("D100002"), content_type="application/json")
    assert response.status_code == 201


def test_only_the_hash_of_a_token_is_stored(org):
    issued = issue_api_token(staff=org.po, name="case import")

    stored = ApiToken.objects.get()
    assert stored.key_hash == hash_token(issued.raw)
    assert issued.raw not in {stored.key_hash, stored.name}
    assert stored.prefix == issued.raw[:8]
    assert len(issued.raw) >= 40  # 32 random bytes, URL-safe base64
    assert issue_api_token(staff=org.po, name="another").raw != issued.raw


def test_a_token_needs_a_name_and_a_current_member_of_staff(org):
    with pytest.raises(ValidationError) as caught:
        issue_api_token(staff=org.po, name="  ")
    assert "name" in caught.value.message_dict
    org.pso.end_date = timezone.localdate() - dt.timedelta(days=1)
    org.pso.save(update_fields=["end_date"])
    with pytest.raises(ValidationError):
        issue_api_token(staff=org.pso, name="import")
    assert ApiToken.objects.count() == 0


def test_revoking_twice_keeps_the_first_revocation_time(org):
    issued = issue_api_token(staff=org.po, name="case import")
    first = revoke_api_token(token=issued.token).revoked_at
    assert first is not None
    assert revoke_api_token(token=issued.token).revoked_at == first


def test_the_command_prints_a_working_token_once(org, asha):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", "LDSPO", name="nightly export", stdout=out, stderr=err)

    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.name == "nightly export"
    assert token.staff == org.po
    assert token.key_hash == hash_token(raw)
    assert raw not in err.getvalue()
    assert bearer(raw).get(f"{API}/people").status_code == 200


def test_the_command_refuses_an_unknown_staff_code(org):
    with pytest.raises(CommandError, match="NOSUCH"):
        call_command("issue_api_token", "NOSUCH", name="x", stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.count() == 0
