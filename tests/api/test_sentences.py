"""Sentences: listing with filters, reading, recording with offences and requirements."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import Offence, Requirement, Sentence, SentenceType, TerminationReason
from evenhand.cases.services import OffenceInput, create_sentence, record_release, terminate_sentence
from evenhand.people.access import record_token
from evenhand.people.services import exclude_staff
from tests.api.conftest import API, make_order, make_person

pytestmark = pytest.mark.django_db


def make_custody(by, person, *, days_ago: int, months: int = 12) -> Sentence:
    """A custody sentence passed ``days_ago`` days ago, with the expected release at its half-way point."""
    sentenced = timezone.localdate() - dt.timedelta(days=days_ago)
    return create_sentence(
        by=by,
        person=person,
        type=SentenceType.CUSTODY,
        court="Leeds Crown Court",
        start_date=sentenced,
        length=months,
        length_unit="months",
        expected_end_date=sentenced + dt.timedelta(days=months * 15),
        offences=[
            OffenceInput(category="violence", is_main=True, committed_on=sentenced - dt.timedelta(days=60))
        ],
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_a_sentence_reads_with_offences_requirements_and_practitioner(org, order, client_for):
    response = client_for(org.po).get(f"{API}/sentences/{order.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["person_id"], body["type"], body["active"], body["practitioner"]) == (
        order.person_id,
        "CO",
        True,
        "LDSPO",
    )
    assert [o["category"] for o in body["offences"]] == ["theft"]
    assert body["offences"][0]["is_main"] is True
    assert [(r["type"], r["unpaid_work_hours"]) for r in body["requirements"]] == [("unpaid_work", 120)]
    # Opening part of a person's record through the API is a view of it.
    assert AccessLogEntry.objects.filter(action=Action.VIEW, person_id=order.person_id).count() == 1


def test_another_pdu_sees_no_sentences(org, order, client_for):
    client = client_for(org.bradford_po)
    assert ids(client.get(f"{API}/sentences")) == []
    assert client.get(f"{API}/sentences/{order.pk}").status_code == 404


def test_filters_by_person_type_and_whether_active(org, asha, order, client_for):
    other = make_person(org.po, org.leeds, "L777777")
    custody = make_custody(org.po, other, days_ago=200)
    released = record_release(
        by=org.po,
        custody=custody,
        released_on=timezone.localdate() - dt.timedelta(days=100),
        releasing_prison="HMP Leeds",
    )
    licence, pss = released.licence, released.pss
    assert pss is not None  # a 12-month sentence: post-sentence supervision follows the licence
    ended = make_order(org.po, other, start_date=timezone.localdate() - dt.timedelta(days=300))
    terminate_sentence(
        by=org.po,
        sentence=ended,
        termination_date=timezone.localdate() - dt.timedelta(days=1),
        reason=TerminationReason.COMPLETED,
    )
    client = client_for(org.po)

    assert ids(client.get(f"{API}/sentences?person={asha.pk}")) == [order.pk]
    assert ids(client.get(f"{API}/sentences?type=LIC")) == [licence.pk]
    assert ids(client.get(f"{API}/sentences?person={other.pk}&active=false")) == [custody.pk, ended.pk]
    assert ids(client.get(f"{API}/sentences?person={other.pk}&active=true")) == [pss.pk, licence.pk]
    # Newest first.
    # The order and the custody sentence share a date: the later recorded first.
    assert ids(client.get(f"{API}/sentences")) == [pss.pk, licence.pk, custody.pk, order.pk, ended.pk]
    assert client.get(f"{API}/sentences?type=XYZ").status_code == 422


def test_listing_sentences_takes_the_same_few_queries_for_30_rows(
    org, asha, client_for, django_assert_max_num_queries
):
    for _ in range(30):
        make_order(org.po, asha)
    client = client_for(org.po)
    # Token, last-used stamp, count, the page's ids and its rows (people.door.sliced), offences,
    # requirements, current allocations, extensions, corrections, access log.
    with django_assert_max_num_queries(11):
        response = client.get(f"{API}/sentences")
    assert len(response.json()["items"]) == 30


def sentence_payload(person_id: int, **changes) -> dict:
    today = timezone.localdate()
    return {
        "person_id": person_id,
        "type": "SSO",
        "court": "Leeds Crown Court",
        "start_date": str(today - dt.timedelta(days=7)),
        "expected_end_date": str(today + dt.timedelta(days=700)),
        "offences": [
            {"category": "violence", "description": "Assault", "is_main": True, "domestic_abuse": True},
            {"category": "criminal_damage"},
        ],
        "requirements": [{"type": "rar", "rar_days": 20}, {"type": "curfew", "length_months": 3}],
        **changes,
    }


def test_recording_a_sentence_with_offences_and_requirements(org, asha, client_for):
    response = client_for(org.po).post(
        f"{API}/sentences", sentence_payload(asha.pk), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    sentence = Sentence.objects.get(pk=response.json()["id"])
    assert (sentence.person, sentence.type) == (asha, SentenceType.SUSPENDED_SENTENCE_ORDER)
    assert sorted(sentence.offences.values_list("category", flat=True)) == ["criminal_damage", "violence"]
    assert sentence.offences.get(is_main=True).domestic_abuse is True
    assert sorted(sentence.requirements.values_list("type", flat=True)) == ["curfew", "rar"]
    assert response.json()["practitioner"] is None


def test_a_sentence_that_breaks_the_rules_writes_nothing(org, asha, client_for):
    two_main = sentence_payload(
        asha.pk, offences=[{"category": "theft", "is_main": True}, {"category": "fraud", "is_main": True}]
    )
    response = client_for(org.po).post(f"{API}/sentences", two_main, content_type="application/json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["offences"]
    assert (Sentence.objects.count(), Offence.objects.count(), Requirement.objects.count()) == (0, 0, 0)

    licence_without_custody = sentence_payload(asha.pk, type="LIC", requirements=[])
    response = client_for(org.po).post(
        f"{API}/sentences", licence_without_custody, content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["custody_id"]
    assert Sentence.objects.count() == 0


def test_a_sentence_for_someone_you_cannot_see_is_refused_as_if_they_did_not_exist(
    org, bradford_person, client_for
):
    client = client_for(org.po)
    hidden = client.post(
        f"{API}/sentences", sentence_payload(bradford_person.pk), content_type="application/json"
    )
    absent = client.post(f"{API}/sentences", sentence_payload(999999), content_type="application/json")

    assert hidden.status_code == absent.status_code == 422
    assert hidden.json() == absent.json()
    assert list(hidden.json()["errors"]) == ["person_id"]
    assert Sentence.objects.count() == 0


def test_an_inspector_can_read_but_not_record_a_sentence(org, asha, client_for):
    response = client_for(org.inspector).post(
        f"{API}/sentences", sentence_payload(asha.pk), content_type="application/json"
    )
    assert response.status_code == 403
    assert Sentence.objects.count() == 0


def test_analysts_read_sentences_by_token_without_free_text_or_staff(org, order, client_for):
    client = client_for(org.analyst)
    token = record_token("sentence", order.pk)

    assert client.get(f"{API}/sentences/{order.pk}").status_code == 404
    body = client.get(f"{API}/sentences/{token}").json()
    assert (body["id"], body["token"], body["person_id"]) == (None, token, None)
    assert body["person_token"] == record_token("person", order.person_id)
    assert body["offences"][0]["description"] is None
    assert body["offences"][0]["category"] == "theft"
    assert body["offences"][0]["id"] is None
    assert body["court"] is body["practitioner"] is None
    assert body["start_date"].endswith("-01")
    listed = client.get(f"{API}/sentences?person={record_token('person', order.person_id)}").json()
    assert [item["token"] for item in listed["items"]] == [token]


# --- custody, release, ending, extending --------------------------------------------------------------------


def custody_payload(person_id: int, **changes) -> dict:
    sentenced = timezone.localdate() - dt.timedelta(days=200)
    return {
        "person_id": person_id,
        "type": "CUS",
        "court": "Leeds Crown Court",
        "start_date": str(sentenced),
        "length": 12,
        "length_unit": "months",
        "expected_end_date": str(sentenced + dt.timedelta(days=180)),
        "offences": [
            {
                "category": "violence",
                "is_main": True,
                "racially_or_religiously_aggravated": True,
                "committed_on": str(sentenced - dt.timedelta(days=30)),
            }
        ],
        **changes,
    }


def test_recording_custody(org, asha, client_for):
    response = client_for(org.po).post(
        f"{API}/sentences", custody_payload(asha.pk), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["type"], body["length"], body["length_unit"]) == ("CUS", 12, "months")
    assert body["offences"][0]["committed_on"] is not None
    assert body["expiry_date"] == str(Sentence.objects.get().expiry_date)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"length": None, "length_unit": None}, "length"),
        ({"expected_end_date": None}, "expected_end_date"),
        ({"requirements": [{"type": "unpaid_work", "unpaid_work_hours": 100}]}, "requirements"),
        ({"offences": [{"category": "theft", "is_main": True}]}, "offences"),
    ],
)
def test_custody_that_breaks_the_rules_writes_nothing(org, asha, client_for, changes, field):
    response = client_for(org.po).post(
        f"{API}/sentences", custody_payload(asha.pk, **changes), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]
    assert (Sentence.objects.count(), Offence.objects.count()) == (0, 0)


def test_unpaid_work_is_refused_on_a_licence(org, asha, client_for):
    custody = make_custody(org.po, asha, days_ago=200)
    payload = sentence_payload(
        asha.pk,
        type="LIC",
        custody_id=custody.pk,
        requirements=[{"type": "unpaid_work", "unpaid_work_hours": 100}],
    )
    response = client_for(org.po).post(f"{API}/sentences", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == {"requirements": ["Unpaid work is not allowed on a licence"]}
    assert Sentence.objects.count() == 1


def test_a_licence_cannot_follow_custody_the_caller_cannot_see(org, asha, bradford_person, client_for):
    theirs = make_custody(org.bradford_po, bradford_person, days_ago=200)
    payload = sentence_payload(asha.pk, type="LIC", custody_id=theirs.pk, requirements=[])
    response = client_for(org.po).post(f"{API}/sentences", payload, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["custody_id"]


def test_release_starts_the_licence_and_pss(org, asha, client_for):
    custody = make_custody(org.po, asha, days_ago=200)
    released = timezone.localdate() - dt.timedelta(days=20)
    response = client_for(org.po).post(
        f"{API}/sentences/{custody.pk}/release",
        {"released_on": str(released), "releasing_prison": "HMP Leeds", "requirements": [{"type": "curfew"}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["custody"]["termination_reason"] == "released"
    assert (body["licence"]["type"], body["licence"]["custody_id"], body["licence"]["start_date"]) == (
        "LIC",
        custody.pk,
        str(released),
    )
    assert [r["type"] for r in body["licence"]["requirements"]] == ["curfew"]
    assert body["post_sentence_supervision"]["type"] == "PSS"


def test_a_release_before_the_sentence_date_is_refused(org, asha, client_for):
    custody = make_custody(org.po, asha, days_ago=200)
    response = client_for(org.po).post(
        f"{API}/sentences/{custody.pk}/release",
        {"released_on": str(custody.start_date - dt.timedelta(days=1)), "releasing_prison": "HMP Leeds"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["released_on"]
    assert Sentence.objects.count() == 1


@pytest.mark.parametrize("who", ["bradford_po", "analyst", "excluded"])
def test_release_end_and_extension_are_refused_to_those_without_access(org, asha, client_for, who):
    custody = make_custody(org.po, asha, days_ago=200)
    if who == "excluded":
        viewer = org.pso
        exclude_staff(by=org.head, person=asha, staff=viewer, reason="Lives next door")
    else:
        viewer = getattr(org, who)
    ref = record_token("sentence", custody.pk) if who == "analyst" else custody.pk
    client = client_for(viewer)
    calls = [
        (
            f"{API}/sentences/{ref}/release",
            {"released_on": str(timezone.localdate()), "releasing_prison": "HMP"},
        ),
        (
            f"{API}/sentences/{ref}/termination",
            {"termination_date": str(timezone.localdate()), "reason": "other"},
        ),
        (
            f"{API}/sentences/{ref}/extensions",
            {"new_end_date": "2030-01-01", "ordered_on": str(timezone.localdate()), "reason": "More"},
        ),
    ]
    for url, body in calls:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code in (403, 404), (url, response.status_code)
    custody.refresh_from_db()
    assert custody.termination_date is None and Sentence.objects.count() == 1
    assert AccessLogEntry.objects.filter(staff=viewer, person_id=asha.pk, action=Action.REFUSED).count() == 3


def test_termination_and_revocation_rules(org, order, client_for):
    client = client_for(org.po)
    url = f"{API}/sentences/{order.pk}/termination"
    today = str(timezone.localdate())
    revoked = client.post(
        url, {"termination_date": today, "reason": "revoked_breach"}, content_type="application/json"
    )
    assert revoked.status_code == 422
    assert "proven breach" in revoked.json()["errors"]["reason"][0]
    done = client.post(
        url, {"termination_date": today, "reason": "completed"}, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["termination_reason"] == "completed"


def test_extension(org, order, client_for):
    later = order.expected_end_date + dt.timedelta(days=60)
    response = client_for(org.po).post(
        f"{API}/sentences/{order.pk}/extensions",
        {"new_end_date": str(later), "ordered_on": str(timezone.localdate()), "reason": "Extended on breach"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["expected_end_date"] == str(later)
    assert body["extensions"][0]["reason"] == "Extended on breach"
    earlier = client_for(org.po).post(
        f"{API}/sentences/{order.pk}/extensions",
        {"new_end_date": str(later), "ordered_on": str(timezone.localdate()), "reason": "Again"},
        content_type="application/json",
    )
    assert earlier.status_code == 422
    assert list(earlier.json()["errors"]) == ["new_end_date"]


def test_correcting_a_sentence_keeps_the_correction(org, order, client_for):
    response = client_for(org.po).post(
        f"{API}/sentences/{order.pk}/corrections",
        {"reason": "The court was typed wrongly", "court": "Bradford Magistrates' Court"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["court"] == "Bradford Magistrates' Court"
    (correction,) = body["corrections"]
    assert correction["changes"] == {"court": ["Leeds Magistrates' Court", "Bradford Magistrates' Court"]}
    late = client_for(org.po).post(
        f"{API}/sentences/{order.pk}/corrections",
        {"reason": "Wrong date", "start_date": str(timezone.localdate())},
        content_type="application/json",
    )
    assert late.status_code == 422
    assert list(late.json()["errors"]) == ["start_date"]  # the allocation began before it


def test_a_correction_is_refused_to_another_pdu_and_an_analyst(org, order, client_for):
    for viewer, ref in ((org.bradford_po, order.pk), (org.analyst, record_token("sentence", order.pk))):
        response = client_for(viewer).post(
            f"{API}/sentences/{ref}/corrections",
            {"reason": "Sneaky", "court": "Elsewhere"},
            content_type="application/json",
        )
        assert response.status_code in (403, 404)
    order.refresh_from_db()
    assert order.court == "Leeds Magistrates' Court"
