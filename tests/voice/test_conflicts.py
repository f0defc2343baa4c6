"""A concern naming a member of staff is never visible to them or anyone in their management line: through any
page or API operation, even when they are handlers of the group it is routed to."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from evenhand.api.services import issue_api_token
from evenhand.org.models import Grade, StaffMember
from evenhand.org.selectors import management_line
from evenhand.voice import services
from evenhand.voice.models import DisclosureRequest
from tests.factories import StaffMemberFactory, TeamFactory
from tests.routes.walk import api_operations, web_routes

from .helpers import PASSPHRASE, answers, raise_one

MARKER = "CONFLICT-MARKER-5b2e"


def _make_handler(world, staff: StaffMember) -> None:
    services.set_up_handler_key(staff=staff, passphrase=PASSPHRASE)
    services.add_handler(group=world.group, staff=staff, by=world.lead, by_private_key=world.key(world.lead))


def _unlocked_client(staff: StaffMember) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(staff.user)
    response = client.post("/voice-team/unlock/", {"passphrase": PASSPHRASE})
    assert response.status_code == 302, response.content[:500]
    return client


def _every_voice_request(concern_ref: str, attachment_id: str) -> list[tuple[str, str]]:
    values = {"concern_ref": concern_ref, "attachment_id": attachment_id}
    paths = [route.path(values) for route in web_routes() if route.route.startswith("voice-team/")]
    api = [op.url(values) for op in api_operations() if op.path.startswith("/api/v1/voice/")]
    return [("web", p) for p in paths] + [("api", p) for p in api]


def test_the_management_line_is_both_ways(world):
    assert set(management_line(world.practitioner)) == {world.practitioner, world.spo, world.head}
    assert world.practitioner in management_line(world.spo)
    assert world.practitioner in management_line(world.head)
    assert world.outsider not in management_line(world.practitioner)
    other_team = TeamFactory(pdu=world.leeds)
    colleague_elsewhere = StaffMemberFactory(grade=Grade.PO, team=other_team)
    # Same PDU, other team: the head of PDU is in the line, the SPO of another team is not.
    assert world.head in management_line(colleague_elsewhere)
    assert world.spo not in management_line(colleague_elsewhere)


@pytest.mark.parametrize("who", ["practitioner", "spo", "head"])
def test_the_named_and_their_line_see_it_through_no_page_or_api_operation(world, who):
    for staff in (world.practitioner, world.spo, world.head):
        _make_handler(world, staff)
    submitted = raise_one(
        world,
        answers=answers(who="Percy Named", what_happened=f"{MARKER} in the office"),
        attachments=[f"{MARKER} file".encode()],
    )
    concern = submitted.concern
    ref = concern.reference
    attachment_id = str(concern.attachments.get().pk)
    # A disclosure request, so that the custodian page has one.
    services.request_disclosure(by=world.handler, reference=ref, reason=f"{MARKER} reason")
    staff = getattr(world, who)
    client = _unlocked_client(staff)
    token = issue_api_token(staff=staff, name="conflict test").raw
    api = Client(
        headers={"Authorization": f"Bearer {token}", "X-Voice-Passphrase": PASSPHRASE},
        raise_request_exception=False,
    )
    requests = _every_voice_request(ref, attachment_id)
    assert len(requests) >= 10
    for channel, path in requests:
        for method in ("GET", "POST"):
            if channel == "web":
                response = (
                    client.get(path)
                    if method == "GET"
                    else client.post(path, {"action": "acknowledge", "reason": "x"})
                )
            else:
                response = (
                    api.get(path)
                    if method == "GET"
                    else api.post(
                        path,
                        json.dumps(
                            {"text": "x", "outcome": "x", "category": "upheld", "status": "acknowledged"}
                        ),
                        content_type="application/json",
                    )
                )
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code < 500, (path, method, response.status_code)
            assert MARKER.encode() not in body, (who, method, path)
            assert ref.encode() not in body, (who, method, path)
    # And nothing they tried changed it.
    concern.refresh_from_db()
    assert concern.status == "received"
    assert concern.messages.count() == 0
    # The unconflicted handler sees it.
    assert ref.encode() in _unlocked_client(world.handler).get("/voice-team/").content


def test_a_handler_added_as_a_subject_loses_sight_of_it(world):
    ref = raise_one(world).concern.reference
    assert services.concern_for_handler(staff=world.handler, reference=ref)
    services.name_subject(by=world.lead, reference=ref, staff_code=world.handler.staff_code)
    with pytest.raises(services.Concern.DoesNotExist):
        services.concern_for_handler(staff=world.handler, reference=ref)


def test_declared_conflicts_hide_concerns(world):
    first = raise_one(world).concern.reference
    naming = raise_one(world, answers=answers(who="Olga Outside")).concern.reference
    services.declare_conflict(by=world.handler, reference=first, reason="I know who wrote this")
    services.declare_conflict(by=world.handler, colleague_code=world.outsider.staff_code, reason="My sister")
    seen = {c.reference for c in services.visible_concerns(world.handler)}
    assert first not in seen and naming not in seen
    assert {first, naming} <= {c.reference for c in services.visible_concerns(world.lead)}


def test_the_custodian_does_not_decide_about_a_concern_naming_their_line(world):
    custodian_team = TeamFactory(pdu=world.leeds)
    boss = StaffMemberFactory(grade=Grade.SPO, team=custodian_team, first_name="Boris", last_name="Boss")
    world.custodian.team = custodian_team
    world.custodian.grade = Grade.PO
    world.custodian.save()
    ref = raise_one(world, answers=answers(who="Boris Boss")).concern.reference
    request = services.request_disclosure(by=world.handler, reference=ref, reason="Needed")
    assert request not in services.custodian_queue(world.custodian)
    with pytest.raises(DisclosureRequest.DoesNotExist):
        services.decide_disclosure(by=world.custodian, request_id=request.pk, approve=True, reason="ok")
    assert boss.pk
