"""Case review through the API (issue 15 item 7): the same rules as the pages, through the same selectors,
door and services. Permissions for each operation, blindness (no name, CRN or ethnicity in any body), bad
input, and a happy path each."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from evenhand.org.models import Grade
from evenhand.review.models import (
    Moderation,
    Prompt,
    PromptAnswer,
    Review,
    ReviewAction,
    ReviewRound,
    ReviewStatus,
    RoundStatus,
    RoundStratum,
    SampledCase,
)
from evenhand.review.services import assign_reviews, confirm_round, record_answers, submit_review
from evenhand.review.services.moderation import OWN_MARKING
from tests.api.conftest import API, today
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory
from tests.review.conftest import case_round, unit  # noqa: F401  (the fixture)
from tests.review.test_decision_rounds import RATIONALE, decisions, enforcement_round  # noqa: F401

pytestmark = pytest.mark.django_db

GROUPS = ("White", "Black", "Asian", "Mixed")


def post(client, path, body=None):
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def get(client, path):
    return client.get(f"{API}{path}")


def hidden_in(response, people, staff=()) -> list[str]:
    """What of the people's identity a response shows: CRN, surname, first name, ethnicity label. The names of
    ``staff`` the response may name are left out first (a practitioner called White is not an ethnic group)."""
    text = json.dumps(response.json())
    for member in staff:
        text = text.replace(member.full_name, "")
    found = []
    for person in people:
        for value in (
            person.crn,
            person.last_name,
            person.first_name,
            person.diversity.get_ethnicity_display(),
        ):
            if value and value in text:
                found.append(value)
    return found + [g for g in GROUPS if g in text]


@pytest.fixture
def marked(unit):  # noqa: F811
    """A round with half its cases marked twice, every review submitted: the second marking finds C2(a) not
    sufficient, everything else sufficient. Plus one review left open for the API to answer."""
    round_ = case_round(unit, seed=3, double_mark_share=Decimal("0.5"))
    reviewers = [StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"])) for _ in range(3)]
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=reviewers)
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    reviews = list(Review.objects.select_related("reviewer", "sampled").order_by("pk"))
    left_open = next(r for r in reviews if not r.sampled.double_marked)
    for review in reviews:
        if review == left_open:
            continue
        answers = {}
        for p in prompts:
            second_c2a = review.marking == 2 and p.key_question.number == "C2" and p.letter == "a"
            answers[p.pk] = (
                ("not_sufficient", "Plan has no goal on this") if second_c2a else ("sufficient", "")
            )
        record_answers(reviewer=review.reviewer, review_id=review.pk, answers=answers)
        submit_review(reviewer=review.reviewer, review_id=review.pk)
    twice = Review.objects.filter(sampled__round=round_, marking=2).select_related("sampled").first()
    markers = set(Review.objects.filter(sampled=twice.sampled).values_list("reviewer_id", flat=True))
    return {
        **unit,
        "round": round_,
        "prompts": prompts,
        "open": left_open,
        "reviewers": reviewers,
        "sampled": twice.sampled,
        "markers": [r for r in reviewers if r.pk in markers],
        "others": [r for r in reviewers if r.pk not in markers],
        "everyone": [r.sampled.person for r in reviews],
    }


@pytest.fixture
def outsiders(marked):
    """Roles that see none of the round: an analyst, an SPO of another PDU's team, a practitioner of the PDU
    who reviews nothing."""
    return {
        "analyst": StaffMemberFactory(grade=Grade.ANALYST),
        "other_spo": StaffMemberFactory(grade=Grade.SPO),
        "practitioner": StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=marked["pdu"])),
        "other_head": StaffMemberFactory(grade=Grade.HEAD_OF_PDU),
    }


# --- setting up a round: draw, confirm, discard, reviewers ---------------------------------------------------


def _setup(unit, **extra):  # noqa: F811
    """The inputs of tests.review.conftest.case_round, as the API takes them."""
    return {
        "pdu": unit["pdu"].code,
        "kind": "case",
        "period_start": str(today() - dt.timedelta(days=90)),
        "period_end": str(today() - dt.timedelta(days=1)),
        "sample_size": 14,
        "minimum_per_stratum": 2,
        "seed": 5,
        **extra,
    }


def _nothing_drawn() -> bool:
    return not (ReviewRound.objects.exists() or RoundStratum.objects.exists() or SampledCase.objects.exists())


@pytest.fixture
def roles(unit):  # noqa: F811
    """Everyone who is not the head of the unit's PDU, and one who is."""
    return {
        "analyst": StaffMemberFactory(grade=Grade.ANALYST),
        "inspector": StaffMemberFactory(grade=Grade.INSPECTOR),
        "admin": StaffMemberFactory(grade=Grade.ADMIN),
        "spo": StaffMemberFactory(grade=Grade.SPO, pdu=unit["pdu"]),
        "practitioner": StaffMemberFactory(grade=Grade.PO, pdu=unit["pdu"]),
        "other_head": StaffMemberFactory(grade=Grade.HEAD_OF_PDU),
        "head": unit["head"],
    }


def test_the_head_sets_up_a_round_sees_the_draw_and_confirms_it(unit, client_for):  # noqa: F811
    client = client_for(unit["head"])
    response = post(client, "/reviews/rounds", _setup(unit))
    assert response.status_code == 201, response.content
    body = response.json()
    rid = body["round"]["id"]
    assert body["round"]["status"] == "drawn" and body["round"]["confirmed_at"] is None
    assert (body["round"]["seed"], body["round"]["population"], body["sampled"]) == (5, 24, 14)
    strata = {(s["ethnic_group"], s["tier_band"]): s for s in body["strata"]}
    assert sum(s["sample"] for s in strata.values()) == 14
    assert sum(s["population"] for s in strata.values()) == 24
    assert all(s["sample"] >= min(2, s["population"]) for s in strata.values())
    # A stratum with no cases is reported with its zero, not refused.
    assert any(s["population"] == 0 for s in strata.values())
    # The same draw as the web form's service gives from the same inputs and seed.
    again = case_round(unit, seed=5, confirm=False)
    mine = set(SampledCase.objects.filter(round_id=rid).values_list("person_id", flat=True))
    assert mine == set(again.sampled.values_list("person_id", flat=True))
    assert {(s.ethnic_group, s.tier_band): s.sample for s in again.strata_drawn.all()} == {
        key: s["sample"] for key, s in strata.items()
    }
    # The draw is counts by stratum: no person's CRN or name.
    for person in unit["people"]:
        assert person.crn not in response.content.decode()
        assert person.last_name not in response.content.decode()
    draw = get(client, f"/reviews/rounds/{rid}/draw?limit=100")
    assert draw.status_code == 200 and draw.json()["count"] == 14
    assert hidden_in(draw, unit["people"]) == []

    confirmed = post(client, f"/reviews/rounds/{rid}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["round"]["status"] == "confirmed" and confirmed.json()["round"]["confirmed_at"]
    # Confirming twice, or discarding once confirmed: 422 with the reason, the round as it was.
    for action in ("confirm", "discard"):
        again_ = post(client, f"/reviews/rounds/{rid}/{action}")
        assert again_.status_code == 422, action
        assert again_.json()["errors"]["__all__"] == ["This round is already confirmed."]
    assert ReviewRound.objects.get(pk=rid).status == RoundStatus.CONFIRMED


def test_the_head_discards_a_draw_which_then_cannot_be_confirmed(unit, client_for):  # noqa: F811
    client = client_for(unit["head"])
    rid = post(client, "/reviews/rounds", _setup(unit, seed=None)).json()["round"]["id"]
    assert ReviewRound.objects.get(pk=rid).seed is not None  # a new seed, recorded
    discarded = post(client, f"/reviews/rounds/{rid}/discard")
    assert discarded.status_code == 200 and discarded.json()["round"]["status"] == "discarded"
    refused = post(client, f"/reviews/rounds/{rid}/confirm")
    assert refused.status_code == 422 and "already discarded" in refused.json()["errors"]["__all__"][0]
    found = ReviewRound.objects.get(pk=rid)
    assert (found.status, found.confirmed_at) == (RoundStatus.DISCARDED, None)
    assert post(client, "/reviews/rounds/999999/confirm").status_code == 404


@pytest.mark.parametrize("who", ["analyst", "inspector", "admin", "spo", "practitioner", "other_head"])
def test_only_the_pdus_head_sets_up_confirms_or_discards(unit, roles, client_for, who):  # noqa: F811
    client = client_for(roles[who])
    refused = post(client, "/reviews/rounds", _setup(unit))
    assert refused.status_code == 403, refused.content
    assert _nothing_drawn()
    drawn = case_round(unit, seed=1, confirm=False)
    for action in ("confirm", "discard"):
        response = post(client, f"/reviews/rounds/{drawn.pk}/{action}")
        # Another PDU's head is told there is no such round; other roles that they may not.
        assert response.status_code == (404 if who == "other_head" else 403), (action, response.content)
    assert ReviewRound.objects.get().status == RoundStatus.DRAWN
    reviewer = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"]))
    confirm_round(by=unit["head"], round_id=drawn.pk)
    assigning = post(client, f"/reviews/rounds/{drawn.pk}/reviewers", {"reviewers": [reviewer.staff_code]})
    assert assigning.status_code == (404 if who == "other_head" else 403)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"sample_size": 25}, "sample_size", "A sample of 25 is larger than the population of 24 cases."),
        ({"pdu": "NOWHERE"}, "pdu", "There is no PDU with this code"),
        ({"period_end": str(today() + dt.timedelta(days=1))}, "period_end", "cannot end in the future"),
        (
            {
                "period_start": str(today() - dt.timedelta(days=1)),
                "period_end": str(today() - dt.timedelta(days=2)),
            },
            "period_end",
            "must end on or after its start",
        ),
        ({"period_start": str(today() - dt.timedelta(days=800))}, "period_start", "at most two years"),
        ({"minimum_per_stratum": 5, "sample_size": 15}, "sample_size", "cannot give each group its minimum"),
        ({"kind": "holiday"}, "kind", "Input should be"),
        ({"strata": "postcode"}, "strata", "Input should be"),
        ({"sample_size": 0}, "sample_size", "greater than or equal to 1"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"double_mark_share": "1.5"}, "double_mark_share", "less than or equal to 1"),
        ({"period_start": "2026-02-30"}, "period_start", "date"),
    ],
)
def test_bad_setups_are_422_on_the_field_and_write_nothing(unit, client_for, change, field, message):  # noqa: F811
    response = post(client_for(unit["head"]), "/reviews/rounds", _setup(unit, **change))
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in errors and message in " ".join(errors[field]), errors
    assert _nothing_drawn()


def test_a_pdu_that_is_not_the_heads_is_refused(unit, client_for):  # noqa: F811
    elsewhere = PDUFactory()
    response = post(client_for(unit["head"]), "/reviews/rounds", _setup(unit, pdu=elsewhere.code))
    assert response.status_code == 403
    assert "Only the head of this PDU" in response.json()["detail"]
    assert _nothing_drawn()


def test_the_head_gives_a_confirmed_rounds_cases_to_reviewers_of_other_teams(unit, client_for):  # noqa: F811
    client = client_for(unit["head"])
    drawn = case_round(unit, seed=2, confirm=False)
    reviewers = [StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"])) for _ in range(2)]
    codes = {"reviewers": [r.staff_code for r in reviewers]}
    early = post(client, f"/reviews/rounds/{drawn.pk}/reviewers", codes)
    assert early.status_code == 422 and "Confirm the round" in early.json()["errors"]["__all__"][0]
    confirm_round(by=unit["head"], round_id=drawn.pk)
    # A staff code that is not one of the PDU's reviewers: 422, nothing assigned.
    for bad in ("NOBODY", unit["head"].staff_code, StaffMemberFactory(grade=Grade.PO).staff_code):
        response = post(
            client, f"/reviews/rounds/{drawn.pk}/reviewers", {"reviewers": [*codes["reviewers"], bad]}
        )
        assert response.status_code == 422 and bad in response.json()["errors"]["reviewers"][0]
    assert post(client, f"/reviews/rounds/{drawn.pk}/reviewers", {"reviewers": []}).status_code == 422
    assert not Review.objects.exists()
    done = post(client, f"/reviews/rounds/{drawn.pk}/reviewers", codes)
    assert done.status_code == 200, done.content
    made = Review.objects.select_related("sampled__practitioner", "reviewer")
    expected = 14 + drawn.sampled.filter(double_marked=True).count()
    assert done.json() == {"assigned": expected, "unassigned": []} and made.count() == expected
    assert all(
        r.sampled.practitioner is None or r.sampled.practitioner.team_id != r.reviewer.team_id for r in made
    )
    queue = get(client_for(reviewers[0]), "/reviews/queue?limit=100")
    assert queue.json()["count"] == made.filter(reviewer=reviewers[0]).count() > 0
    # Given again, nothing is left to give.
    assert post(client, f"/reviews/rounds/{drawn.pk}/reviewers", codes).json()["assigned"] == 0


# --- rounds, draw and results -------------------------------------------------------------------------------


def test_the_head_reads_the_rounds_draw_and_results_blind(marked, client_for):
    client = client_for(marked["head"])
    rid = marked["round"].pk
    listed = get(client, "/reviews/rounds")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["items"]] == [rid]
    assert listed.json()["items"][0]["seed"] == 3
    detail = get(client, f"/reviews/rounds/{rid}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["sampled"] == 14 and body["submitted"] == Review.objects.count() - 1
    assert sum(s["sample"] for s in body["strata"]) == 14
    draw = get(client, f"/reviews/rounds/{rid}/draw?limit=100")
    assert draw.status_code == 200 and draw.json()["count"] == 14
    assert all(c["case"] for c in draw.json()["items"])
    assert hidden_in(draw, marked["everyone"]) == []
    results = get(client, f"/reviews/rounds/{rid}/results")
    assert results.status_code == 200, results.content
    found = results.json()
    assert found["reviewed"] == 13 and found["sampled"] == 14
    everyone_c2 = next(r for r in found["rows"] if r["key_question"] == "C2" and r["ethnic_group"] == "")
    assert everyone_c2["estimate"]["share"] == 1.0  # the first markings were all sufficient
    assert (
        everyone_c2["estimate"]["low"] <= everyone_c2["estimate"]["share"] <= everyone_c2["estimate"]["high"]
    )
    kappa = {k["key_question"]: k for k in found["agreement"]}
    assert kappa["C2"]["cases"] == 7 and kappa["C2"]["agreement"] < 1.0
    # The results' rows are ethnic groups, by design; no person's CRN or name is in them.
    for person in marked["everyone"]:
        assert person.crn not in results.content.decode()
        assert person.last_name not in results.content.decode()


@pytest.mark.parametrize("who", ["analyst", "other_spo", "practitioner"])
def test_only_a_head_of_pdu_reads_rounds(marked, outsiders, client_for, who):
    client = client_for(outsiders[who])
    rid = marked["round"].pk
    assert get(client, "/reviews/rounds").status_code == 403
    for path in ("", "/draw", "/results", "/actions"):
        response = get(client, f"/reviews/rounds/{rid}{path}")
        assert response.status_code == 403, path
        assert response.json()["detail"] == "Only a head of PDU sets up and reads its review rounds."


def test_another_pdus_head_and_unknown_rounds_are_404(marked, outsiders, client_for):
    rid = marked["round"].pk
    other = client_for(outsiders["other_head"])
    assert get(other, "/reviews/rounds").json()["items"] == []
    for path in ("", "/draw", "/results", "/actions"):
        assert get(other, f"/reviews/rounds/{rid}{path}").status_code == 404
        assert get(client_for(marked["head"]), f"/reviews/rounds/999999{path}").status_code == 404
    assert get(client_for(marked["head"]), "/reviews/rounds/0").status_code == 404
    assert get(client_for(marked["head"]), "/reviews/rounds/nope").status_code == 404


# --- the reviewer's queue and reviews ----------------------------------------------------------------------


def test_a_reviewer_reads_their_queue_and_review_blind(marked, client_for):
    review = marked["open"]
    client = client_for(review.reviewer)
    queue = get(client, "/reviews/queue")
    assert queue.status_code == 200
    assert review.pk in [r["review_id"] for r in queue.json()["items"]]
    opened = get(client, f"/reviews/{review.pk}")
    assert opened.status_code == 200
    body = opened.json()
    assert body["case"]["label"] and not body["submitted"] and "C1" in body["unanswered"]
    assert any(p["diversity"] for q in body["questions"] for p in q["prompts"])
    for response in (queue, opened):
        assert hidden_in(response, [review.sampled.person]) == []
        assert "reviewer" not in response.content.decode()


def test_a_decision_review_shows_the_judged_decision_blind(decisions, client_for):  # noqa: F811
    round_ = confirm_round(by=decisions["head"], round_id=enforcement_round(decisions, seed=11).pk)
    reviewer = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=decisions["pdu"]))
    assign_reviews(by=decisions["head"], round_id=round_.pk, reviewers=[reviewer])
    review = Review.objects.filter(reviewer=reviewer).select_related("sampled__person").first()
    opened = get(client_for(reviewer), f"/reviews/{review.pk}")
    assert opened.status_code == 200
    facts = {f["label"]: f["text"] for f in opened.json()["case"]["decision"]}
    assert facts["Reasons"] == RATIONALE and facts["The rule's proposal"] == "Breach action initiated"
    assert hidden_in(opened, [review.sampled.person]) == []


def test_a_reviewer_answers_and_submits_all_or_nothing(marked, client_for):
    review = marked["open"]
    client = client_for(review.reviewer)
    prompts = marked["prompts"]
    some = [{"prompt_id": p.pk, "answer": "sufficient"} for p in prompts if p.key_question.number == "C1"]
    answered = post(client, f"/reviews/{review.pk}/answers", {"answers": some})
    assert answered.status_code == 200, answered.content
    c1 = next(q for q in answered.json()["questions"] if q["number"] == "C1")
    assert c1["judgement"] == "sufficient"
    # Key questions left: refused, and nothing recorded of this call.
    more = [
        {"prompt_id": p.pk, "answer": "not_sufficient", "note": "x"}
        for p in prompts[len(some) : len(some) + 1]
    ]
    early = post(client, f"/reviews/{review.pk}/submit", {"answers": more})
    assert early.status_code == 422
    assert "Answer every prompt before submitting" in early.json()["errors"]["__all__"][0]
    assert PromptAnswer.objects.filter(review=review).count() == len(some)
    # A prompt not in the version.
    other = Prompt.objects.exclude(key_question__question_set=marked["round"].question_set).first()
    if other is not None:
        stray = post(
            client,
            f"/reviews/{review.pk}/answers",
            {"answers": [{"prompt_id": other.pk, "answer": "sufficient"}]},
        )
        assert stray.status_code == 422
        assert "not in the version" in json.dumps(stray.json()["errors"])
    # Everything at once.
    every = [{"prompt_id": p.pk, "answer": "sufficient"} for p in prompts]
    done = post(client, f"/reviews/{review.pk}/submit", {"answers": every})
    assert done.status_code == 200, done.content
    assert done.json()["submitted"] and done.json()["unanswered"] == []
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    again = post(client, f"/reviews/{review.pk}/submit")
    assert again.status_code == 422 and "already submitted" in again.json()["errors"]["__all__"][0]


def test_bad_answers_are_422_with_a_message(marked, client_for):
    review = marked["open"]
    client = client_for(review.reviewer)
    prompt = marked["prompts"][0].pk
    bad = post(
        client, f"/reviews/{review.pk}/answers", {"answers": [{"prompt_id": prompt, "answer": "maybe"}]}
    )
    assert bad.status_code == 422 and "answers.0.answer" in bad.json()["errors"]
    missing = post(client, f"/reviews/{review.pk}/answers", {})
    assert missing.status_code == 422 and bad.json()["detail"]
    long = post(
        client,
        f"/reviews/{review.pk}/answers",
        {"answers": [{"prompt_id": prompt, "answer": "sufficient", "note": "x" * 2001}]},
    )
    assert long.status_code == 422 and "answers.0.note" in long.json()["errors"]
    assert not PromptAnswer.objects.filter(review=review).exists()


def test_reviews_are_only_their_reviewers(marked, outsiders, client_for):
    review = marked["open"]
    every = {"answers": [{"prompt_id": p.pk, "answer": "sufficient"} for p in marked["prompts"]]}
    another_reviewer = next(r for r in marked["reviewers"] if r.pk != review.reviewer_id)
    for staff in (another_reviewer, outsiders["practitioner"], outsiders["other_spo"]):
        client = client_for(staff)
        assert get(client, f"/reviews/{review.pk}").status_code == 404
        assert post(client, f"/reviews/{review.pk}/submit", every).status_code == 404
    for staff in (outsiders["analyst"], marked["head"]):
        client = client_for(staff)
        assert get(client, f"/reviews/{review.pk}").status_code == 403
        assert post(client, f"/reviews/{review.pk}/answers", every).status_code == 403
        assert get(client, "/reviews/queue").json()["items"] == []
    assert get(client_for(review.reviewer), "/reviews/999999").status_code == 404
    assert not PromptAnswer.objects.filter(review=review).exists()


def test_a_review_of_ones_own_teams_case_is_refused_with_the_reason(marked, client_for):
    review = marked["open"]
    # The case's practitioner has since moved into the reviewer's team.
    practitioner = review.sampled.practitioner or StaffMemberFactory(grade=Grade.PO)
    practitioner.team = review.reviewer.team
    practitioner.save()
    review.sampled.practitioner = practitioner
    review.sampled.save()
    client = client_for(review.reviewer)
    opened = get(client, f"/reviews/{review.pk}")
    assert opened.status_code == 403
    assert opened.json()["detail"] == "You cannot review a case of your own team."
    every = {"answers": [{"prompt_id": p.pk, "answer": "sufficient"} for p in marked["prompts"]]}
    submitted = post(client, f"/reviews/{review.pk}/submit", every)
    assert submitted.status_code == 403 and "own team" in submitted.json()["detail"]
    assert not PromptAnswer.objects.filter(review=review).exists()


# --- moderation ---------------------------------------------------------------------------------------------


def _moderation(marked, **extra):
    return {
        "sampled_id": marked["sampled"].pk,
        "question": "C2",
        "agreed": "not_sufficient",
        "rationale": "The plan has no goal on accommodation.",
        **extra,
    }


def test_disagreements_are_listed_blind_and_moderated(marked, client_for):
    moderator = marked["others"][0]
    client = client_for(moderator)
    rid = marked["round"].pk
    listed = get(client, f"/reviews/rounds/{rid}/disagreements?limit=100")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert listed.json()["count"] == 7 and {d["number"] for d in items} == {"C2"}
    assert all(d["awaiting"] for d in items)
    assert hidden_in(listed, marked["everyone"]) == []
    text = listed.content.decode()
    for reviewer in marked["reviewers"]:
        assert reviewer.staff_code not in text and reviewer.last_name not in text
    made = post(client, f"/reviews/rounds/{rid}/moderations", _moderation(marked))
    assert made.status_code == 201, made.content
    assert made.json()["agreed"] == "not_sufficient" and made.json()["key_question"] == "C2"
    again = post(client_for(marked["head"]), f"/reviews/rounds/{rid}/moderations", _moderation(marked))
    assert again.status_code == 422 and "already moderated" in again.json()["errors"]["__all__"][0]
    after = get(client, f"/reviews/rounds/{rid}/disagreements?limit=100").json()["items"]
    assert not next(d for d in after if d["sampled_id"] == marked["sampled"].pk)["awaiting"]


def test_a_marker_may_not_moderate_their_own_marking(marked, client_for):
    rid = marked["round"].pk
    for marker in marked["markers"]:
        client = client_for(marker)
        mine = next(
            d
            for d in get(client, f"/reviews/rounds/{rid}/disagreements?limit=100").json()["items"]
            if d["sampled_id"] == marked["sampled"].pk
        )
        assert mine["you_marked"]
        refused = post(client, f"/reviews/rounds/{rid}/moderations", _moderation(marked))
        assert refused.status_code == 403 and refused.json()["detail"] == OWN_MARKING
    assert not Moderation.objects.exists()


def test_bad_moderations_are_4xx_with_a_message(marked, outsiders, client_for):
    rid = marked["round"].pk
    head = client_for(marked["head"])
    for extra, field, message in [
        ({"question": "C1"}, "question", "agree on C1"),
        ({"question": "Z9"}, "question", "not in the version"),
        ({"agreed": "maybe"}, "agreed", ""),
        ({"rationale": "   "}, "rationale", "Enter why"),
        ({"rationale": "x" * 2001}, "rationale", ""),
    ]:
        response = post(head, f"/reviews/rounds/{rid}/moderations", _moderation(marked, **extra))
        assert response.status_code == 422, extra
        assert message in " ".join(response.json()["errors"][field])
    unknown = post(head, f"/reviews/rounds/{rid}/moderations", _moderation(marked, sampled_id=999999))
    assert unknown.status_code == 422 and "No such case" in unknown.json()["errors"]["__all__"][0]
    assert post(head, "/reviews/rounds/999999/moderations", _moderation(marked)).status_code == 404
    assert get(head, "/reviews/rounds/999999/disagreements").status_code == 404
    for who in ("analyst", "practitioner", "other_spo"):
        client = client_for(outsiders[who])
        assert get(client, f"/reviews/rounds/{rid}/disagreements").status_code == 403, who
        assert post(client, f"/reviews/rounds/{rid}/moderations", _moderation(marked)).status_code == 403
    assert not Moderation.objects.exists()


# --- actions ------------------------------------------------------------------------------------------------


def _action(marked, **extra):
    return {
        "question": "C2",
        "action_for": "unit",
        "owner_id": marked["head"].pk,
        "description": "Plan goals on accommodation in every case.",
        "due_on": (today() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }


def test_the_head_raises_lists_and_closes_actions(marked, outsiders, client_for):
    rid = marked["round"].pk
    head = client_for(marked["head"])
    raised = post(head, f"/reviews/rounds/{rid}/actions", _action(marked))
    assert raised.status_code == 201, raised.content
    action = raised.json()
    assert action["status"] == "open" and action["key_question"] == "C2" and not action["overdue"]
    listed = get(head, f"/reviews/rounds/{rid}/actions")
    assert [a["id"] for a in listed.json()["items"]] == [action["id"]]
    mine = get(head, "/reviews/actions").json()
    assert [a["id"] for a in mine["open"]] == [action["id"]] and mine["owned"][0]["id"] == action["id"]
    assert get(head, f"/reviews/actions/{action['id']}").status_code == 200
    # Others see none of it.
    for who in ("analyst", "other_spo", "practitioner"):
        client = client_for(outsiders[who])
        assert post(client, f"/reviews/rounds/{rid}/actions", _action(marked)).status_code == 403
        assert get(client, f"/reviews/actions/{action['id']}").status_code in (403, 404)
        closing = post(client, f"/reviews/actions/{action['id']}/close", {"outcome": "done"})
        assert closing.status_code in (403, 404)
    assert get(client_for(outsiders["analyst"]), "/reviews/actions").status_code == 403
    # Cancelling needs the reason; then closed once.
    no_reason = post(head, f"/reviews/actions/{action['id']}/close", {"outcome": "cancelled"})
    assert no_reason.status_code == 422 and "Enter why" in no_reason.json()["errors"]["reason"][0]
    done = post(head, f"/reviews/actions/{action['id']}/close", {"outcome": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    twice = post(head, f"/reviews/actions/{action['id']}/close", {"outcome": "done"})
    assert twice.status_code == 422 and "already done" in twice.json()["errors"]["__all__"][0]
    assert get(head, "/reviews/actions/999999").status_code == 404


def test_bad_actions_are_422_with_a_message(marked, client_for):
    rid = marked["round"].pk
    head = client_for(marked["head"])
    past = (today() - dt.timedelta(days=1)).isoformat()
    for extra, field, message in [
        ({"due_on": past}, "due_on", "today or in the future"),
        ({"description": "  "}, "description", "Enter what is to be done"),
        ({"action_for": "team"}, "team", "Select a team"),
        ({"question": "Z9"}, "finding", "not in the version"),
        ({"sampled_id": marked["sampled"].pk, "question": "C1"}, "finding", "not judged not sufficient"),
    ]:
        response = post(head, f"/reviews/rounds/{rid}/actions", _action(marked, **extra))
        assert response.status_code == 422, extra
        assert message in " ".join(response.json()["errors"][field]), response.json()
    wrong = post(head, f"/reviews/rounds/{rid}/actions", _action(marked, action_for="everyone"))
    assert wrong.status_code == 422 and "action_for" in wrong.json()["errors"]
    assert not ReviewAction.objects.exists()


# --- a practitioner's own results ---------------------------------------------------------------------------


def test_results_of_a_practitioner_are_theirs_and_their_line_managers(marked, outsiders, client_for):
    practitioner = marked["sampled"].practitioner
    if practitioner is None:
        pytest.skip("the case drawn has no practitioner")
    own = get(client_for(practitioner), f"/reviews/staff/{practitioner.staff_code}/results")
    assert own.status_code == 200 and own.json()["own"]
    assert hidden_in(own, [marked["sampled"].person], staff=[practitioner]) == []
    for who in ("analyst", "other_spo", "other_head"):
        refused = get(client_for(outsiders[who]), f"/reviews/staff/{practitioner.staff_code}/results")
        assert refused.status_code == 403
        assert refused.json()["detail"].startswith("Only the practitioner and their line manager")
