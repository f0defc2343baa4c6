"""Raising, opening, conversing, handling, closing and rating, through the services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.voice import crypto, receipts, selectors, services
from evenhand.voice.models import (
    Concern,
    ConcernSubject,
    DisclosureState,
    Escalation,
    FairnessRating,
    Message,
    OutcomeCategory,
    Status,
    StatusChange,
)

from .helpers import PASSPHRASE, answers, kind, raise_one


def test_a_receipt_is_seven_words_of_the_eff_list(world):
    submitted = raise_one(world)
    words = submitted.receipt.split()
    assert len(words) == 7
    assert set(words) <= set(receipts.words())
    assert len(receipts.words()) == 7776


def test_only_an_argon2id_hash_of_the_receipt_is_stored(world):
    submitted = raise_one(world)
    concern = Concern.objects.get(pk=submitted.concern.pk)
    assert concern.receipt_hash.startswith("$argon2id$")
    assert submitted.receipt not in concern.receipt_hash
    assert receipts.receipt_matches(concern.receipt_hash, submitted.receipt)


def test_the_receipt_opens_the_concern_and_nothing_else_does(world):
    first, second = raise_one(world), raise_one(world)
    access = services.open_with_receipt(receipt=first.receipt.upper().replace(" ", "  "))
    assert access.concern_id == first.concern.pk
    assert selectors.reporter_view(access).answers[0][2] == answers()["what_happened"]
    with pytest.raises(services.ReceiptRefused):
        services.open_with_receipt(receipt=" ".join(reversed(first.receipt.split())))
    # The other concern's key does not open this one.
    other = services.open_with_receipt(receipt=second.receipt)
    with pytest.raises(services.ReceiptRefused):
        selectors.reporter_view(services.ReporterAccess(first.concern.pk, other.key))


@pytest.mark.parametrize(
    "typed", ["", "one two three", "abacus " * 8, "abacus abdomen abdominal zzzz abide abiding able"]
)
def test_a_malformed_receipt_says_what_a_receipt_is(world, typed):
    with pytest.raises(receipts.MalformedReceipt):
        services.open_with_receipt(receipt=typed)


def test_routing_by_kind_and_region(world):
    services.set_up_handler_key(staff=world.outsider, passphrase=PASSPHRASE)
    regional = services.create_handler_group(
        name="Voice region unit", kinds=[kind("bullying")], regions=[world.region], lead=world.outsider
    )
    assert services.route(kind("bullying"), world.region) == regional
    assert services.route(kind("bullying"), None) == world.group
    assert services.route(kind("racism"), world.region) == world.group


def test_no_group_no_concern_and_nothing_written(world):
    world.group.kinds.remove(kind("other"))
    with pytest.raises(ValidationError) as refused:
        raise_one(world, kind=kind("other"))
    assert "kind" in refused.value.message_dict
    assert Concern.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"answers": answers(what_happened="   ")}, "what_happened"),
        ({"answers": answers(what_happened="x" * 20_001)}, "what_happened"),
        ({"anonymous": False, "identity": ""}, "identity"),
        ({"kind": None}, "kind"),
        ({"attachments": [b"\x00\x01binary"]}, "attachments"),
        ({"attachments": [b""]}, "attachments"),
    ],
)
def test_bad_concerns_are_refused_by_field_and_nothing_is_written(world, overrides, field):
    with pytest.raises(ValidationError) as refused:
        raise_one(world, **overrides)
    assert field in refused.value.message_dict
    assert Concern.objects.count() == 0
    assert StatusChange.objects.count() == 0


def test_an_oversized_attachment_is_refused(world, settings):
    settings.VOICE_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        raise_one(world, attachments=[b"a" * 101])
    assert "smaller than" in refused.value.message_dict["attachments"][0]
    assert Concern.objects.count() == 0


def test_dates_only_and_deadlines(world):
    concern = raise_one(world).concern
    assert isinstance(concern.received_on, dt.date) and not isinstance(concern.received_on, dt.datetime)
    assert concern.acknowledge_by == concern.received_on + dt.timedelta(days=7)
    assert concern.feedback_by == services.add_months(concern.received_on, 3)
    assert services.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_a_conversation_both_ways_and_a_reply_after_closure(world):
    submitted = raise_one(world)
    ref = submitted.concern.reference
    key = world.key(world.handler)
    services.acknowledge(by=world.handler, reference=ref)
    services.send_message(by=world.handler, private_key=key, reference=ref, text="Which meetings were these?")
    services.reporter_reply(access=submitted.access, text="The Monday team meetings.")
    services.change_status(
        by=world.handler, reference=ref, status=Status.LOOKING_INTO, sub_status="with_investigator"
    )
    services.close_concern(
        by=world.handler,
        private_key=key,
        reference=ref,
        outcome="We spoke to the manager; training is booked.",
        category=OutcomeCategory.PARTLY_UPHELD,
    )
    services.reporter_reply(access=submitted.access, text="Thank you, but it has happened again.")
    view = selectors.reporter_view(submitted.access)
    assert [m.text for m in view.messages] == [
        "Which meetings were these?",
        "The Monday team meetings.",
        "Thank you, but it has happened again.",
    ]
    assert view.messages[-1].after_closure
    assert view.outcome == "We spoke to the manager; training is booked."
    assert view.outcome_category_label == "Partly upheld"
    assert [h.status for h in view.history] == ["received", "acknowledged", "looking_into", "closed"]
    handler_view = selectors.handler_view(staff=world.handler, reference=ref, private_key=key)
    assert handler_view.messages[-1].text == "Thank you, but it has happened again."


def test_closing_needs_an_outcome_and_a_category(world):
    submitted = raise_one(world)
    key = world.key(world.handler)
    ref = submitted.concern.reference
    with pytest.raises(ValidationError) as refused:
        services.close_concern(
            by=world.handler, private_key=key, reference=ref, outcome=" ", category="upheld"
        )
    assert "outcome" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.close_concern(by=world.handler, private_key=key, reference=ref, outcome="Done", category="")
    assert "category" in refused.value.message_dict
    assert Concern.objects.get(reference=ref).status == Status.RECEIVED


def test_status_changes_follow_the_rules(world):
    ref = raise_one(world).concern.reference
    with pytest.raises(ValidationError):
        services.change_status(by=world.handler, reference=ref, status=Status.LOOKING_INTO)
    services.acknowledge(by=world.handler, reference=ref)
    with pytest.raises(ValidationError):
        services.acknowledge(by=world.handler, reference=ref)
    with pytest.raises(ValidationError) as refused:
        services.change_status(by=world.handler, reference=ref, status=Status.CLOSED)
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.change_status(
            by=world.handler, reference=ref, status=Status.ACKNOWLEDGED, sub_status="with_investigator"
        )
    assert "sub_status" in refused.value.message_dict


def test_rating_after_closure_only_once_and_in_range(world):
    submitted = raise_one(world)
    scores = dict.fromkeys(FairnessRating.DIMENSIONS, 4)
    with pytest.raises(ValidationError):
        services.rate_handling(access=submitted.access, scores=scores)
    services.close_concern(
        by=world.handler,
        private_key=world.key(world.handler),
        reference=submitted.concern.reference,
        outcome="Resolved",
        category=OutcomeCategory.RESOLVED_INFORMALLY,
    )
    for bad in (0, 6, "five", None):
        with pytest.raises(ValidationError) as refused:
            services.rate_handling(access=submitted.access, scores={**scores, "respect": bad})
        assert "respect" in refused.value.message_dict
    assert FairnessRating.objects.count() == 0
    rating = services.rate_handling(access=submitted.access, scores=scores, comment="Fair enough")
    assert (rating.heard, rating.time_taken) == (4, 4)
    assert crypto.unseal_text(submitted.access.key, rating.comment) == "Fair enough"
    with pytest.raises(ValidationError):
        services.rate_handling(access=submitted.access, scores=scores)


def test_named_reporter_is_known_to_handlers_and_rates_the_same(world):
    submitted = raise_one(world, anonymous=False, identity="Ada Example, ext 1234")
    view = selectors.handler_view(
        staff=world.handler, reference=submitted.concern.reference, private_key=world.key(world.handler)
    )
    assert view.identity == "Ada Example, ext 1234"
    assert not view.anonymous


def test_identity_disclosure_needs_the_custodian_and_then_the_reporter(world):
    submitted = raise_one(world)
    ref = submitted.concern.reference
    key = world.key(world.handler)
    with pytest.raises(ValidationError):
        services.request_disclosure(by=world.handler, reference=ref, reason="  ")
    request = services.request_disclosure(
        by=world.handler, reference=ref, reason="To interview you as a witness"
    )
    # Not yet the reporter's to answer, and not yet shown to them.
    with pytest.raises(ValidationError):
        services.answer_disclosure(
            access=submitted.access, request_id=request.pk, consent=True, identity="Me"
        )
    assert selectors.reporter_view(submitted.access).disclosures == ()
    # A handler is no custodian.
    with pytest.raises(PermissionDenied):
        services.decide_disclosure(by=world.handler, request_id=request.pk, approve=True, reason="Fine")
    services.decide_disclosure(
        by=world.custodian, request_id=request.pk, approve=True, reason="Needed for the investigation"
    )
    seen = selectors.reporter_view(submitted.access).disclosures[0]
    assert (seen.reason, seen.custodian_reason) == (
        "To interview you as a witness",
        "Needed for the investigation",
    )
    assert selectors.handler_view(staff=world.handler, reference=ref, private_key=key).identity == ""
    services.answer_disclosure(
        access=submitted.access, request_id=request.pk, consent=True, identity="Ada, ext 99"
    )
    assert (
        selectors.handler_view(staff=world.handler, reference=ref, private_key=key).identity == "Ada, ext 99"
    )


def test_a_refused_or_declined_request_discloses_nothing(world):
    submitted = raise_one(world)
    ref = submitted.concern.reference
    key = world.key(world.handler)
    request = services.request_disclosure(by=world.handler, reference=ref, reason="Curious")
    services.decide_disclosure(
        by=world.custodian, request_id=request.pk, approve=False, reason="Not necessary"
    )
    with pytest.raises(ValidationError):
        services.answer_disclosure(
            access=submitted.access, request_id=request.pk, consent=True, identity="Me"
        )
    assert selectors.reporter_view(submitted.access).disclosures[0].custodian_reason == "Not necessary"
    second = services.request_disclosure(by=world.handler, reference=ref, reason="For the hearing")
    services.decide_disclosure(by=world.custodian, request_id=second.pk, approve=True, reason="Hearing")
    services.answer_disclosure(access=submitted.access, request_id=second.pk, consent=False)
    assert Concern.objects.get(reference=ref).identity is None
    assert selectors.handler_view(staff=world.handler, reference=ref, private_key=key).identity == ""
    assert [d.state for d in selectors.reporter_view(submitted.access).disclosures] == [
        DisclosureState.REFUSED,
        DisclosureState.DECLINED,
    ]


def test_missed_deadlines_escalate_once_to_the_lead(world):
    concern = raise_one(world).concern
    assert services.escalate_missed_deadlines(on=concern.received_on + dt.timedelta(days=7)) == []
    made = services.escalate_missed_deadlines(on=concern.received_on + dt.timedelta(days=8))
    assert [(e.kind, e.lead) for e in made] == [("acknowledgement", world.lead)]
    later = services.add_months(concern.received_on, 3) + dt.timedelta(days=1)
    made = services.escalate_missed_deadlines(on=later)
    assert [e.kind for e in made] == ["feedback"]
    assert services.escalate_missed_deadlines(on=later) == []
    assert Escalation.objects.count() == 2


def test_feedback_in_time_means_no_escalation(world):
    submitted = raise_one(world)
    ref = submitted.concern.reference
    services.acknowledge(by=world.handler, reference=ref)
    services.send_message(
        by=world.handler,
        private_key=world.key(world.handler),
        reference=ref,
        text="We have spoken to both people.",
        is_feedback=True,
    )
    later = services.add_months(submitted.concern.received_on, 4)
    assert services.escalate_missed_deadlines(on=later) == []


def test_a_new_handler_gets_the_group_key_from_a_member_who_holds_it(world):
    newcomer = world.outsider
    services.set_up_handler_key(staff=newcomer, passphrase=PASSPHRASE)
    ref = raise_one(world).concern.reference
    with pytest.raises(Concern.DoesNotExist):
        services.concern_for_handler(staff=newcomer, reference=ref)
    services.add_handler(
        group=world.group, staff=newcomer, by=world.handler, by_private_key=world.key(world.handler)
    )
    view = selectors.handler_view(staff=newcomer, reference=ref, private_key=world.key(newcomer))
    assert view.reference == ref
    # A wrong key opens nothing.
    with pytest.raises(services.NotAHandler):
        selectors.handler_view(staff=newcomer, reference=ref, private_key=world.key(world.handler))


def test_a_wrong_passphrase_opens_nothing(world):
    with pytest.raises(services.PassphraseRefused):
        services.unlock(staff=world.handler, passphrase="not the passphrase at all")
    with pytest.raises(ValidationError):
        services.set_up_handler_key(staff=world.outsider, passphrase="short")


def test_names_in_what_the_reporter_wrote_are_matched_on_the_handler_side(world):
    submitted = raise_one(world, answers=answers(who="percy named and somebody else"))
    assert list(
        ConcernSubject.objects.filter(concern=submitted.concern).values_list("staff__staff_code", flat=True)
    ) == ["VNAMED"]
    services.reporter_reply(access=submitted.access, text="Also Sally Manager was there.")
    assert set(
        ConcernSubject.objects.filter(concern=submitted.concern).values_list("staff__staff_code", flat=True)
    ) == {"VNAMED", "VSPO"}
    assert Message.objects.filter(concern=submitted.concern).count() == 1
