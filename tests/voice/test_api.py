"""The handlers' API: handlers only; content needs the passphrase; conflicts answer 404 as if nothing existed."""

from __future__ import annotations

import json

from django.test import Client

from evenhand.api.services import issue_api_token

from .helpers import PASSPHRASE, answers, raise_one


def _api(staff, passphrase: str | None = PASSPHRASE) -> Client:
    headers = {"Authorization": f"Bearer {issue_api_token(staff=staff, name='voice').raw}"}
    if passphrase:
        headers["X-Voice-Passphrase"] = passphrase
    return Client(headers=headers)


def _post(client: Client, path: str, body: dict) -> object:
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_handler_lists_reads_and_works_a_concern(world):
    submitted = raise_one(world)
    ref = submitted.concern.reference
    api = _api(world.handler)
    listed = api.get("/api/v1/voice/concerns").json()
    assert listed["count"] == 1 and listed["items"][0]["reference"] == ref
    concern = api.get(f"/api/v1/voice/concerns/{ref}").json()
    assert concern["answers"][0]["answer"] == answers()["what_happened"]
    assert concern["identity"] == ""
    assert _post(api, f"/api/v1/voice/concerns/{ref}/acknowledge", {}).json()["status"] == "acknowledged"
    assert (
        _post(
            api,
            f"/api/v1/voice/concerns/{ref}/status",
            {"status": "looking_into", "sub_status": "with_investigator"},
        ).status_code
        == 200
    )
    assert (
        _post(
            api, f"/api/v1/voice/concerns/{ref}/messages", {"text": "A question", "is_feedback": True}
        ).status_code
        == 200
    )
    bad = _post(api, f"/api/v1/voice/concerns/{ref}/close", {"outcome": " ", "category": "upheld"})
    assert bad.status_code == 422 and "outcome" in bad.json()["errors"]
    bad = _post(api, f"/api/v1/voice/concerns/{ref}/close", {"outcome": "Found", "category": "nonsense"})
    assert bad.status_code == 422 and "category" in bad.json()["errors"]
    done = _post(
        api, f"/api/v1/voice/concerns/{ref}/close", {"outcome": "Found and fixed", "category": "upheld"}
    )
    assert done.json()["status"] == "closed"


def test_content_needs_the_passphrase(world):
    ref = raise_one(world).concern.reference
    assert _api(world.handler, None).get(f"/api/v1/voice/concerns/{ref}").status_code == 403
    assert _api(world.handler, "wrong passphrase").get(f"/api/v1/voice/concerns/{ref}").status_code == 403
    # Metadata needs none.
    assert _api(world.handler, None).get("/api/v1/voice/concerns").status_code == 200


def test_non_handlers_are_refused_and_conflicts_look_missing(world):
    ref = raise_one(world, answers=answers(who="Olga Outside")).concern.reference
    assert _api(world.outsider).get("/api/v1/voice/concerns").status_code == 403
    assert _api(world.custodian).get(f"/api/v1/voice/concerns/{ref}").status_code == 403
    from evenhand.voice import services

    services.declare_conflict(by=world.handler, reference=ref, reason="I know them")
    api = _api(world.handler)
    assert api.get(f"/api/v1/voice/concerns/{ref}").status_code == 404
    assert api.get("/api/v1/voice/concerns/VC-NOSUCH22").status_code == 404
    assert api.get("/api/v1/voice/concerns").json()["count"] == 0


def test_right_passphrases_are_not_counted_and_wrong_ones_are_limited(world, settings):
    settings.VOICE_UNLOCK_FAILURES = 2
    ref = raise_one(world).concern.reference
    api = _api(world.handler)
    for _ in range(4):
        assert api.get(f"/api/v1/voice/concerns/{ref}").status_code == 200
    wrong = _api(world.handler, "wrong passphrase")
    assert [wrong.get(f"/api/v1/voice/concerns/{ref}").status_code for _ in range(3)] == [403, 403, 403]
    refused = api.get(f"/api/v1/voice/concerns/{ref}")
    assert refused.status_code == 403 and "Too many wrong passphrases" in refused.json()["detail"]
