"""What handlers see of a closed concern's fairness rating (case page, inbox, API), attachments through the
handlers' API, and a handler leaving a group."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from evenhand.api.services import issue_api_token
from evenhand.voice import selectors, services
from evenhand.voice.models import FairnessRating, HandlerMembership, OutcomeCategory

from .helpers import PASSPHRASE, raise_one
from .test_files import MARKER, png_with_text

SCORES = {"heard": 5, "neutrality": 2, "respect": 4, "outcome": 1, "time_taken": 3}


def _api(staff, passphrase: str | None = PASSPHRASE) -> Client:
    headers = {"Authorization": f"Bearer {issue_api_token(staff=staff, name='voice').raw}"}
    if passphrase:
        headers["X-Voice-Passphrase"] = passphrase
    return Client(headers=headers)


def _unlocked(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    assert client.post("/voice-team/unlock/", {"passphrase": PASSPHRASE}).status_code == 302
    return client


def _closed_and_rated(world, comment: str = "They listened but nothing changed"):
    submitted = raise_one(world)
    services.close_concern(
        by=world.handler,
        private_key=world.key(world.handler),
        reference=submitted.concern.reference,
        outcome="We spoke to the team.",
        category=OutcomeCategory.NOT_UPHELD,
    )
    services.rate_handling(access=submitted.access, scores=SCORES, comment=comment)
    return submitted


def test_handlers_see_the_rating_of_a_closed_concern(world):
    ref = _closed_and_rated(world).concern.reference
    unrated = raise_one(world).concern.reference
    view = selectors.handler_view(staff=world.handler, reference=ref, private_key=world.key(world.handler))
    assert view.rating is not None and view.rating.average == 3.0
    assert [score for _, _, score in view.rating.scores] == [5, 2, 4, 1, 3]
    assert view.rating.comment == "They listened but nothing changed"
    _, rows = selectors.inbox(world.handler)
    assert {row.reference: row.rating_average for row in rows} == {ref: 3.0, unrated: None}
    client = _unlocked(world.handler)
    page = client.get(f"/voice-team/concerns/{ref}/").content.decode()
    assert "Fairness rating" in page and "average 3.0" in page and "They listened but nothing changed" in page
    assert "3.0 of 5" in client.get("/voice-team/").content.decode()
    # The comment is stored encrypted.
    assert b"nothing changed" not in bytes(FairnessRating.objects.get().comment)


def test_the_api_gives_handlers_the_rating(world):
    ref = _closed_and_rated(world).concern.reference
    api = _api(world.handler)
    rating = api.get(f"/api/v1/voice/concerns/{ref}").json()["rating"]
    assert rating["average"] == 3.0 and rating["comment"] == "They listened but nothing changed"
    assert [s["score"] for s in rating["scores"]] == [5, 2, 4, 1, 3]
    listed = api.get("/api/v1/voice/concerns").json()["items"]
    assert listed[0]["rating_average"] == 3.0
    assert api.get(f"/api/v1/voice/concerns/{raise_one(world).concern.reference}").json()["rating"] is None


def test_handlers_download_attachments_through_the_api_with_the_same_checks(world):
    submitted = raise_one(world, attachments=[png_with_text()])
    ref = submitted.concern.reference
    view = selectors.handler_view(staff=world.handler, reference=ref, private_key=world.key(world.handler))
    (attachment,) = view.attachments
    path = f"/api/v1/voice/concerns/{ref}/attachments/{attachment.id}"
    response = _api(world.handler).get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG") and MARKER.encode() not in response.content
    assert 'filename="attachment-1.png"' in response["Content-Disposition"]
    # The passphrase opens it; no passphrase or a wrong one does not.
    assert _api(world.handler, None).get(path).status_code == 403
    assert _api(world.handler, "wrong passphrase!!").get(path).status_code == 403
    # Not a handler: refused. Another concern's attachment, or a made-up one: not found.
    assert _api(world.outsider).get(path).status_code == 403
    other = raise_one(world).concern.reference
    assert (
        _api(world.handler).get(f"/api/v1/voice/concerns/{other}/attachments/{attachment.id}").status_code
        == 404
    )
    assert _api(world.handler).get(f"/api/v1/voice/concerns/{ref}/attachments/not-a-uuid").status_code == 404
    # A declared conflict hides the concern's attachments as it hides the concern.
    services.declare_conflict(by=world.handler, reference=ref, reason="I know who wrote it")
    assert _api(world.handler).get(path).status_code == 404


def test_a_handler_who_leaves_a_group_loses_its_concerns_and_key(world):
    ref = raise_one(world).concern.reference
    membership = HandlerMembership.objects.get(group=world.group, staff=world.handler)
    assert membership.sealed_group_key is not None
    with pytest.raises(services.NotAHandler):
        services.end_membership(group_name=world.group.name, staff_code="VLEAD", by=world.handler)
    services.end_membership(group_name=world.group.name, staff_code="VHANDLER", by=world.lead)
    membership.refresh_from_db()
    assert membership.ended_on is not None and membership.sealed_group_key is None
    assert not services.is_handler(world.handler)
    with pytest.raises(services.Concern.DoesNotExist):
        services.concern_for_handler(staff=world.handler, reference=ref)
    assert _api(world.handler).get(f"/api/v1/voice/concerns/{ref}").status_code == 403
    with pytest.raises(ValidationError):
        services.end_membership(group_name=world.group.name, staff_code="VHANDLER", by=world.lead)
    # Invited back, they need the group's key granted again: nothing of the old copy is left.
    services.invite_handler(group_name=world.group.name, staff_code="VHANDLER", by=world.lead)
    with pytest.raises(services.NotAHandler):
        services.content_key(
            staff=world.handler,
            concern=services.Concern.objects.get(reference=ref),
            private_key=world.key(world.handler),
        )


def test_a_handler_may_leave_and_the_last_lead_may_not(world):
    services.end_membership(group_name=world.group.name, staff_code="VHANDLER", by=world.handler)
    assert not services.is_handler(world.handler)
    with pytest.raises(ValidationError, match="lead"):
        services.end_membership(group_name=world.group.name, staff_code="VLEAD", by=world.lead)


def test_the_inbox_lets_a_lead_remove_a_handler_and_a_handler_leave(world):
    lead = _unlocked(world.lead)
    page = lead.get("/voice-team/").content.decode()
    assert "Remove Hal Handler from National unit" in page and "Leave National unit" in page
    # A handler cannot remove the lead.
    handler = _unlocked(world.handler)
    refused = handler.post("/voice-team/handlers/end/", {"staff_code": "VLEAD", "group": world.group.name})
    assert refused.status_code == 403
    done = lead.post("/voice-team/handlers/end/", {"staff_code": "VHANDLER", "group": world.group.name})
    assert done.status_code == 302
    assert not services.is_handler(world.handler)
    assert handler.get("/voice-team/").status_code == 403
    # The last lead cannot leave: the message says why and nothing changes.
    kept = lead.post(
        "/voice-team/handlers/end/", {"staff_code": "VLEAD", "group": world.group.name}, follow=True
    )
    assert "A group needs a lead" in kept.content.decode() and services.is_handler(world.lead)


def test_handlers_set_themes_through_the_api(world):
    ref = raise_one(world).concern.reference
    api = _api(world.handler, None)
    done = api.put(
        f"/api/v1/voice/concerns/{ref}/themes",
        '{"themes": ["threats", "micro-aggressions"]}',
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["themes"] == ["micro-aggressions", "threats"]
    bad = api.put(
        f"/api/v1/voice/concerns/{ref}/themes", '{"themes": ["nonsense"]}', content_type="application/json"
    )
    assert bad.status_code == 422 and "themes" in bad.json()["errors"]
    assert services.Concern.objects.get(reference=ref).themes.count() == 2
    cleared = api.put(
        f"/api/v1/voice/concerns/{ref}/themes", '{"themes": []}', content_type="application/json"
    )
    assert cleared.json()["themes"] == []
    assert (
        _api(world.outsider)
        .put(f"/api/v1/voice/concerns/{ref}/themes", '{"themes": []}', content_type="application/json")
        .status_code
        == 403
    )
