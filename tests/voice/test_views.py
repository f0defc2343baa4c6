"""The pages: a reporter raises a concern without signing in, keeps the receipt, converses, gets an outcome and
rates it; a handler works it without learning who raised it; a custodian decides a disclosure request."""

from __future__ import annotations

import re

from django.test import Client

from evenhand.voice import services
from evenhand.voice.models import Concern, FairnessRating, Message

from .helpers import PASSPHRASE, raise_one


def _raise(client: Client, world, **data) -> Client:
    return client.post(
        "/voice/raise/",
        {
            "kind": "bullying",
            "anonymous": "yes",
            "region": world.region.code,
            "pdu": world.leeds.code,
            "what_happened": "Shouted at in front of the team",
            **data,
        },
    )


def _handler_client(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    assert client.post("/voice-team/unlock/", {"passphrase": PASSPHRASE}).status_code == 302
    return client


def test_the_whole_journey_through_the_pages(world):
    reporter = Client()
    assert reporter.get("/voice/").status_code == 200
    assert "Raise a concern" in reporter.get("/voice/raise/").content.decode()
    response = _raise(reporter, world)
    page = response.content.decode()
    receipt = re.search(r'id="receipt"><strong>([a-z -]+)</strong>', page)[1]
    assert len(receipt.split()) == 7
    assert "Nobody can recover your receipt" in page
    concern = Concern.objects.get()
    assert concern.received_on and concern.region == world.region
    # Proof of submission: date and hash, nobody named.
    proof = reporter.get("/voice/proof/")
    text = proof.content.decode()
    assert proof["Content-Disposition"].startswith("attachment")
    assert concern.reference in text and concern.received_on.isoformat() in text
    assert re.search(r"SHA-256 of the concern as submitted: [0-9a-f]{64}", text)
    # A fresh browser returns with the receipt.
    returning = Client()
    response = returning.post("/voice/return/", {"receipt": receipt.upper()})
    assert response.status_code == 302 and response["Location"] == "/voice/concern/"
    assert "Shouted at in front of the team" in returning.get("/voice/concern/").content.decode()
    # The handler works it.
    handler = _handler_client(world.handler)
    inbox = handler.get("/voice-team/").content.decode()
    assert concern.reference in inbox
    case = handler.get(f"/voice-team/concerns/{concern.reference}/").content.decode()
    assert "Shouted at in front of the team" in case and "Raised anonymously" in case
    assert (
        handler.post(f"/voice-team/concerns/{concern.reference}/", {"action": "acknowledge"}).status_code
        == 302
    )
    assert (
        handler.post(
            f"/voice-team/concerns/{concern.reference}/", {"action": "message", "message": "When was this?"}
        ).status_code
        == 302
    )
    # The reporter answers.
    page = returning.get("/voice/concern/").content.decode()
    assert "When was this?" in page and "Acknowledged" in page
    assert returning.post("/voice/concern/", {"message": "Last Tuesday."}).status_code == 302
    assert "Last Tuesday." in handler.get(f"/voice-team/concerns/{concern.reference}/").content.decode()
    # Closure without an outcome is refused on the page; with one it closes.
    page = handler.post(
        f"/voice-team/concerns/{concern.reference}/", {"action": "close", "category": "upheld"}
    )
    assert page.status_code == 200 and "Enter the outcome" in page.content.decode()
    assert (
        handler.post(
            f"/voice-team/concerns/{concern.reference}/",
            {
                "action": "close",
                "outcome": "The manager apologised and has been given training.",
                "category": "upheld",
            },
        ).status_code
        == 302
    )
    page = returning.get("/voice/concern/").content.decode()
    assert "The manager apologised" in page and "Closed: Upheld" in page
    # The reporter can still reply, and rates.
    assert returning.post("/voice/concern/", {"message": "Thank you."}).status_code == 302
    assert Message.objects.filter(after_closure=True).count() == 1
    bad = returning.post(
        "/voice/concern/rate/",
        {"heard": "7", "neutrality": "3", "respect": "3", "outcome": "3", "time_taken": "3"},
    )
    assert "Choose a rating from 1 to 5" in bad.content.decode() and FairnessRating.objects.count() == 0
    scores = {
        "heard": "5",
        "neutrality": "4",
        "respect": "5",
        "outcome": "3",
        "time_taken": "2",
        "comment": "Slow",
    }
    assert returning.post("/voice/concern/rate/", scores).status_code == 302
    assert FairnessRating.objects.get().time_taken == 2
    # Leaving forgets the browser's access.
    returning.post("/voice/leave/")
    assert "Return with your receipt" in returning.get("/voice/concern/").content.decode()


def test_bad_concerns_get_clear_messages_and_nothing_is_written(world):
    client = Client()
    page = client.post("/voice/raise/", {}).content.decode()
    assert "Select what the concern is about" in page and "Enter what happened" in page
    page = _raise(client, world, anonymous="no").content.decode()
    assert "Enter your name and how the handlers can reach you" in page
    page = _raise(client, world, kind="no-such-kind").content.decode()
    assert "Select what the concern is about" in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = _raise(
        client, world, attachments=SimpleUploadedFile("x.exe", b"MZ\x90\x00binary")
    ).content.decode()
    assert "The file must be one of" in page
    assert Concern.objects.count() == 0


def test_the_reporter_pages_need_the_access_cookie(world):
    for path in ("/voice/concern/", "/voice/concern/rate/", "/voice/proof/"):
        assert "Return with your receipt" in Client().get(path).content.decode()
    forged = Client()
    forged.cookies["evenhand_voice_access"] = "bm90IGEgY29va2ll"
    assert "Return with your receipt" in forged.get("/voice/concern/").content.decode()


def test_a_reporter_attachment_downloads_only_with_its_concern(world):
    first = raise_one(world, attachments=[b"first file"])
    second = raise_one(world, attachments=[b"second file"])
    client = Client()
    client.post("/voice/return/", {"receipt": first.receipt})
    mine = first.concern.attachments.get()
    response = client.get(f"/voice/concern/attachments/{mine.pk}/")
    assert response.content == b"first file"
    assert response["Content-Disposition"] == 'attachment; filename="attachment-1.txt"'
    theirs = second.concern.attachments.get()
    assert client.get(f"/voice/concern/attachments/{theirs.pk}/").status_code == 404
    assert client.get("/voice/concern/attachments/not-a-uuid/").status_code == 404


def test_staff_who_are_not_handlers_are_refused(world):
    client = Client()
    client.force_login(world.outsider.user)
    for path in ("/voice-team/", "/voice-team/unlock/", "/voice-team/key/", "/voice-team/custodian/"):
        assert client.get(path).status_code == 403, path


def test_a_locked_key_sends_the_handler_to_unlock(world):
    ref = raise_one(world).concern.reference
    client = Client()
    client.force_login(world.handler.user)
    response = client.get(f"/voice-team/concerns/{ref}/")
    assert response.status_code == 302 and response["Location"].startswith("/voice-team/unlock/")
    page = client.post("/voice-team/unlock/", {"passphrase": "wrong passphrase!!"}).content.decode()
    assert "does not open your handling key" in page
    client.post("/voice-team/unlock/", {"passphrase": PASSPHRASE})
    assert client.get(f"/voice-team/concerns/{ref}/").status_code == 200
    # The session holds the key only sealed; without the cookie it is no key.
    session = client.session["voice_unlocked"]
    assert set(session) == {"key", "until"}
    del client.cookies["evenhand_voice_key"]
    assert client.get(f"/voice-team/concerns/{ref}/").status_code == 302
    client.post("/voice-team/unlock/", {"passphrase": PASSPHRASE})
    client.post("/voice-team/lock/")
    assert client.get(f"/voice-team/concerns/{ref}/").status_code == 302


def test_handler_sees_no_identity_of_an_anonymous_reporter_while_signed_in(world):
    member = world.outsider
    client = Client()
    client.force_login(member.user)
    _raise(client, world, who="")
    ref = Concern.objects.get().reference
    page = _handler_client(world.handler).get(f"/voice-team/concerns/{ref}/").content.decode()
    for identifier in (member.first_name, member.last_name, member.staff_code):
        assert identifier not in page


def test_the_disclosure_journey_through_the_pages(world):
    submitted = raise_one(world)
    ref = submitted.concern.reference
    handler = _handler_client(world.handler)
    handler.post(f"/voice-team/concerns/{ref}/", {"action": "disclosure", "reason": "To arrange a meeting"})
    custodian = Client()
    custodian.force_login(world.custodian.user)
    queue = custodian.get("/voice-team/custodian/").content.decode()
    assert "To arrange a meeting" in queue and ref in queue
    request = submitted.concern.disclosure_requests.get()
    page = custodian.post(
        "/voice-team/custodian/", {"request": str(request.pk), "decision": "approve"}
    ).content.decode()
    assert "Enter the reason for your decision" in page
    custodian.post(
        "/voice-team/custodian/",
        {"request": str(request.pk), "decision": "approve", "reason": "Proportionate"},
    )
    reporter = Client()
    reporter.post("/voice/return/", {"receipt": submitted.receipt})
    page = reporter.get("/voice/concern/").content.decode()
    assert "To arrange a meeting" in page and "Proportionate" in page
    reporter.post(
        "/voice/concern/identity/", {"request": str(request.pk), "consent": "yes", "identity": "Sam, ext 42"}
    )
    assert "Sam, ext 42" in handler.get(f"/voice-team/concerns/{ref}/").content.decode()


def test_a_lead_gives_a_new_member_the_group_key(world):
    services.set_up_handler_key(staff=world.outsider, passphrase=PASSPHRASE)
    from evenhand.voice.models import HandlerMembership

    HandlerMembership.objects.create(group=world.group, staff=world.outsider, added_on=world.group.created_on)
    lead = _handler_client(world.lead)
    assert "Olga Outside" in lead.get("/voice-team/").content.decode()
    lead.post("/voice-team/grant/", {"staff_code": world.outsider.staff_code, "group": world.group.name})
    ref = raise_one(world).concern.reference
    assert _handler_client(world.outsider).get(f"/voice-team/concerns/{ref}/").status_code == 200


def test_the_handler_key_set_up_page(world):
    from evenhand.voice.models import HandlerMembership

    HandlerMembership.objects.create(group=world.group, staff=world.outsider, added_on=world.group.created_on)
    client = Client()
    client.force_login(world.outsider.user)
    page = client.post("/voice-team/key/", {"passphrase": "short", "confirmation": "short"}).content.decode()
    assert "12 characters or more" in page
    page = client.post(
        "/voice-team/key/", {"passphrase": "a long passphrase", "confirmation": "another one!"}
    ).content.decode()
    assert "do not match" in page
    assert (
        client.post(
            "/voice-team/key/", {"passphrase": "a long passphrase", "confirmation": "a long passphrase"}
        ).status_code
        == 302
    )
    assert services.unlock(staff=world.outsider, passphrase="a long passphrase")


def test_wrong_passphrases_are_rate_limited(world, settings):
    settings.VOICE_UNLOCK_FAILURES = 2
    client = Client()
    client.force_login(world.handler.user)
    for _ in range(2):
        assert client.post("/voice-team/unlock/", {"passphrase": "not my passphrase"}).status_code == 200
    response = client.post("/voice-team/unlock/", {"passphrase": PASSPHRASE})
    assert response.status_code == 429 and "Too many wrong passphrases" in response.content.decode()
    # Another handler is not held up.
    assert _handler_client(world.lead)


def test_a_lead_adds_a_handler_who_sets_up_a_key_and_is_given_the_group_key(world):
    lead = _handler_client(world.lead)
    page = lead.post(
        "/voice-team/handlers/", {"group": world.group.name, "staff_code": "NOBODY"}
    ).content.decode()
    assert "There is no member of staff with this code" in page
    assert (
        lead.post("/voice-team/handlers/", {"group": world.group.name, "staff_code": "vout"}).status_code
        == 302
    )
    page = lead.post(
        "/voice-team/handlers/", {"group": world.group.name, "staff_code": "VOUT"}
    ).content.decode()
    assert "already a handler" in page
    newcomer = Client()
    newcomer.force_login(world.outsider.user)
    assert "A group lead has still to give you" not in newcomer.get("/voice-team/").content.decode()
    newcomer.post("/voice-team/key/", {"passphrase": PASSPHRASE, "confirmation": PASSPHRASE})
    assert "A group lead has still to give you" in newcomer.get("/voice-team/").content.decode()
    lead.post("/voice-team/grant/", {"staff_code": "VOUT", "group": world.group.name})
    ref = raise_one(world).concern.reference
    assert _handler_client(world.outsider).get(f"/voice-team/concerns/{ref}/").status_code == 200


def test_only_the_lead_adds_handlers(world):
    handler = _handler_client(world.handler)
    response = handler.post("/voice-team/handlers/", {"group": world.group.name, "staff_code": "VOUT"})
    assert response.status_code == 403


def test_themes_are_set_and_shown_checked(world):
    ref = raise_one(world).concern.reference
    handler = _handler_client(world.handler)
    assert (
        handler.post(
            f"/voice-team/concerns/{ref}/", {"action": "themes", "themes": ["threats", "allocation"]}
        ).status_code
        == 302
    )
    page = handler.get(f"/voice-team/concerns/{ref}/").content.decode()
    assert re.search(r'value="threats"\s+checked', page) and not re.search(
        r'value="progression"\s+checked', page
    )
    page = handler.post(
        f"/voice-team/concerns/{ref}/", {"action": "themes", "themes": ["no-such-theme"]}
    ).content.decode()
    assert "Select the themes" in page
    assert set(Concern.objects.get(reference=ref).themes.values_list("code", flat=True)) == {
        "threats",
        "allocation",
    }


def test_the_footer_link_takes_a_custodian_to_their_queue(world):
    client = Client()
    client.force_login(world.custodian.user)
    response = client.get("/voice-team/")
    assert response.status_code == 302 and response["Location"] == "/voice-team/custodian/"
