"""The pages that record a sentence, a release, an end, an extension, a risk review and registrations: each
rule through the browser's forms, and the people who may not use them."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases import services as cases
from evenhand.cases.models import (
    Allocation,
    Registration,
    RegistrationReview,
    RiskSummary,
    Sentence,
    SentenceExtension,
    SentenceType,
)
from evenhand.org.models import Grade
from evenhand.people.access import record_token
from evenhand.people.models import Exclusion
from evenhand.workload.selectors import allocation_queue
from tests.factories import PDUFactory, PersonFactory, SentenceFactory, today

from .test_views import client_for, error_summary, page_text, staff

pytestmark = pytest.mark.django_db

D = dt.date


def assert_error(response: Any, field: str, message: str) -> None:
    """The form came back with ``message`` in the error summary, linked to the box of ``field``."""
    assert response.status_code == 200
    items = error_summary(page_text(response))
    assert any(href.startswith(f"#id_{field}") and message in text for href, text in items), items


def ref_of(w: "World", who: str, kind: str, pk: int) -> str:
    """How ``who`` names a record: analysts by its token, everyone else by its id."""
    return record_token(kind, pk) if who == "analyst" else str(pk)


def date_parts(name: str, day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}-{part}": "" for part in ("day", "month", "year")}
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


class World:
    def __init__(self) -> None:
        self.pdu = PDUFactory()
        self.po = staff(Grade.PO, pdu=self.pdu)
        self.spo = staff(Grade.SPO, pdu=self.pdu)
        self.person = PersonFactory(pdu=self.pdu)
        self.other_pdu_po = staff(Grade.PO)
        self.analyst = staff(Grade.ANALYST)
        self.excluded = staff(Grade.PO, pdu=self.pdu)
        Exclusion.objects.create(person=self.person, staff=self.excluded, reason="Knows the family")


@pytest.fixture
def w() -> World:
    return World()


def sentence_form(**changes: Any) -> dict[str, Any]:
    sentenced = today() - dt.timedelta(days=10)
    data = {
        "type": "CUS",
        "court": "Leeds Crown Court",
        **date_parts("start_date", sentenced),
        "length": "18",
        "length_unit": "months",
        **date_parts("expected_end_date", sentenced + dt.timedelta(days=270)),
        "offence_1_category": "violence",
        "offence_1_description": "Racially aggravated common assault",
        **date_parts("offence_1_committed_on", sentenced - dt.timedelta(days=90)),
        "offence_1_flags": ["racially_or_religiously_aggravated"],
        "offence_2_category": "criminal_damage",
        **date_parts("offence_2_committed_on", sentenced - dt.timedelta(days=90)),
    }
    data.update(changes)
    return data


class TestRecordSentence:
    def url(self, w: World) -> str:
        return reverse("record-sentence", args=[w.person.pk])

    def test_the_page_is_linked_from_the_person_record(self, w):
        html = page_text(client_for(w.po).get(reverse("person-detail", args=[w.person.pk])))
        for name in ("record-sentence", "record-risk-review", "add-registration"):
            assert reverse(name, args=[w.person.pk]) in html

    def test_custody_with_a_racially_aggravated_offence_enters_the_queue_under_the_protocol(self, w):
        client = client_for(w.po)
        response = client.post(self.url(w), sentence_form())
        assert response.status_code == 302, page_text(response)
        sentence = Sentence.objects.get()
        assert (sentence.type, sentence.length, sentence.length_unit) == ("CUS", 18, "months")
        main = sentence.offences.get(is_main=True)
        assert main.racially_or_religiously_aggravated and main.description.startswith("Racially")
        assert sentence.offences.count() == 2
        queued = {s.pk: s for s in allocation_queue(w.spo)}
        assert queued[sentence.pk].sensitive
        followed = client.get(response["Location"])
        assert "It is in the allocation queue" in page_text(followed)
        assert "Record the release" in page_text(followed)

    def test_a_community_order_ends_when_its_length_runs_out(self, w):
        data = sentence_form(
            type="CO",
            requirement_1_type="unpaid_work",
            requirement_1_hours="120",
            **date_parts("expected_end_date", None),
        )
        assert client_for(w.po).post(self.url(w), data).status_code == 302
        sentence = Sentence.objects.get()
        assert sentence.expected_end_date == sentence.expiry_date
        assert sentence.requirements.get().unpaid_work_hours == 120

    @pytest.mark.parametrize("hours", ["39", "301"])
    def test_unpaid_work_outside_40_to_300_hours(self, w, hours):
        data = sentence_form(type="CO", requirement_1_type="unpaid_work", requirement_1_hours=hours)
        response = client_for(w.po).post(self.url(w), data)
        assert "Unpaid work must be between 40 and 300 hours" in page_text(response)
        assert Sentence.objects.count() == 0

    def test_requirements_custody_does_not_allow(self, w):
        data = sentence_form(requirement_1_type="rar", requirement_1_rar_days="10")
        response = client_for(w.po).post(self.url(w), data)
        assert "A custody (before release) has no requirements" in page_text(response)
        assert Sentence.objects.count() == 0

    def test_a_person_under_18_at_sentence(self, w):
        w.person.date_of_birth = today() - dt.timedelta(days=17 * 365)
        w.person.save(update_fields=["date_of_birth"])
        response = client_for(w.po).post(self.url(w), sentence_form())
        assert_error(response, "start_date", "on the date of sentence")
        assert Sentence.objects.count() == 0

    def test_a_licence_is_not_offered_here(self, w):
        response = client_for(w.po).post(self.url(w), sentence_form(type="LIC"))
        assert_error(response, "type", "Select the type of sentence")
        assert Sentence.objects.count() == 0

    @pytest.mark.parametrize("who", ["other_pdu_po", "analyst", "excluded"])
    def test_refused(self, w, who):
        viewer = getattr(w, who)
        client = client_for(viewer)
        url = reverse("record-sentence", args=[ref_of(w, who, "person", w.person.pk)])
        assert client.get(url).status_code == 403
        assert client.post(url, sentence_form()).status_code == 403
        assert Sentence.objects.count() == 0
        assert AccessLogEntry.objects.filter(
            staff=viewer, person_id=w.person.pk, action=Action.REFUSED
        ).exists()


def custody_of(w: World, **changes: Any) -> Sentence:
    sentenced = today() - dt.timedelta(days=200)
    fields: dict[str, Any] = {
        "type": SentenceType.CUSTODY,
        "court": "Leeds Crown Court",
        "start_date": sentenced,
        "length": 12,
        "length_unit": "months",
        "expected_end_date": sentenced + dt.timedelta(days=180),
        "offences": [
            cases.OffenceInput(category="theft", is_main=True, committed_on=sentenced - dt.timedelta(days=30))
        ],
    }
    return cases.create_sentence(by=w.po, person=w.person, **(fields | changes))


class TestRelease:
    def test_starts_the_licence_and_pss_without_retyping(self, w):
        sentence = custody_of(w)
        Allocation.objects.create(
            sentence=sentence,
            practitioner=w.po,
            start_date=sentence.start_date,
            reason="new_case",
            allocated_by=w.spo,
            allocated_at=sentence.created_at,
        )
        released = today() - dt.timedelta(days=20)
        client = client_for(w.po)
        response = client.post(
            reverse("record-release", args=[sentence.pk]),
            {
                **date_parts("released_on", released),
                "releasing_prison": "HMP Leeds",
                "conditions": ["curfew"],
            },
        )
        assert response.status_code == 302, page_text(response)
        licence = Sentence.objects.get(type=SentenceType.LICENCE)
        assert (licence.custody_id, licence.start_date, licence.court) == (sentence.pk, released, "HMP Leeds")
        assert list(licence.requirements.values_list("type", flat=True)) == ["curfew"]
        assert Sentence.objects.filter(type=SentenceType.POST_SENTENCE_SUPERVISION).count() == 1
        assert Allocation.objects.get(sentence=licence).practitioner == w.po
        followed = page_text(client.get(response["Location"]))
        assert "post-sentence supervision follows it" in followed

    def test_a_release_before_the_sentence_date(self, w):
        sentence = custody_of(w)
        response = client_for(w.po).post(
            reverse("record-release", args=[sentence.pk]),
            {
                **date_parts("released_on", sentence.start_date - dt.timedelta(days=1)),
                "releasing_prison": "HMP Leeds",
            },
        )
        assert_error(response, "released_on", "The release cannot be before the date of sentence")
        assert Sentence.objects.count() == 1

    def test_unpaid_work_is_no_licence_condition(self, w):
        sentence = custody_of(w)
        response = client_for(w.po).post(
            reverse("record-release", args=[sentence.pk]),
            {
                **date_parts("released_on", today() - dt.timedelta(days=20)),
                "releasing_prison": "HMP Leeds",
                "conditions": ["unpaid_work"],
            },
        )
        assert_error(response, "conditions", "Select the additional licence conditions")
        assert Sentence.objects.count() == 1

    @pytest.mark.parametrize("who", ["other_pdu_po", "analyst", "excluded"])
    def test_refused(self, w, who):
        sentence = custody_of(w)
        client = client_for(getattr(w, who))
        url = reverse("record-release", args=[sentence.pk])
        assert client.get(url).status_code in (403, 404)
        response = client.post(
            url,
            {**date_parts("released_on", today() - dt.timedelta(days=20)), "releasing_prison": "HMP Leeds"},
        )
        assert response.status_code in (403, 404)
        assert Sentence.objects.count() == 1


class TestEndAndExtend:
    def test_end_with_a_reason(self, w):
        order = SentenceFactory(person=w.person, start_date=today() - dt.timedelta(days=100))
        response = client_for(w.po).post(
            reverse("end-sentence", args=[order.pk]),
            {"reason": "completed", **date_parts("termination_date", today())},
        )
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.termination_reason == "completed"

    def test_revocation_without_a_proven_breach(self, w):
        order = SentenceFactory(person=w.person, start_date=today() - dt.timedelta(days=100))
        response = client_for(w.po).post(
            reverse("end-sentence", args=[order.pk]),
            {"reason": "revoked_breach", **date_parts("termination_date", today())},
        )
        assert_error(response, "reason", "needs a proven breach")
        order.refresh_from_db()
        assert order.termination_date is None

    def test_extend(self, w):
        order = SentenceFactory(person=w.person, start_date=today() - dt.timedelta(days=100))
        later = order.expected_end_date + dt.timedelta(days=90)
        response = client_for(w.po).post(
            reverse("extend-sentence", args=[order.pk]),
            {
                **date_parts("new_end_date", later),
                **date_parts("ordered_on", today()),
                "reason": "Extended by the court on breach",
            },
        )
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.expected_end_date == later
        assert SentenceExtension.objects.count() == 1
        html = page_text(client_for(w.po).get(reverse("person-detail", args=[w.person.pk])))
        assert "Extended by the court on breach" in html

    def test_an_earlier_end_is_no_extension(self, w):
        order = SentenceFactory(person=w.person, start_date=today() - dt.timedelta(days=100))
        response = client_for(w.po).post(
            reverse("extend-sentence", args=[order.pk]),
            {**date_parts("new_end_date", today()), **date_parts("ordered_on", today()), "reason": "Wrong"},
        )
        assert_error(response, "new_end_date", "must be after the current one")

    def test_correct_details_recorded_in_error(self, w):
        order = SentenceFactory(
            person=w.person, start_date=today() - dt.timedelta(days=100), court="Leeds MC"
        )
        url = reverse("correct-sentence", args=[order.pk])
        client = client_for(w.po)
        page = page_text(client.get(url))
        assert 'value="Leeds MC"' in page  # filled in with what was recorded
        data = {
            "court": "Leeds Crown Court",
            **date_parts("start_date", order.start_date),
            "length": "",
            "length_unit": "",
            **date_parts("expected_end_date", order.expected_end_date),
            "reason": "The court was typed wrongly",
        }
        assert client.post(url, data).status_code == 302
        order.refresh_from_db()
        assert order.court == "Leeds Crown Court"
        html = page_text(client.get(reverse("person-detail", args=[w.person.pk])))
        assert "The court was typed wrongly" in html
        unchanged = client.post(url, {**data, "reason": "Again"})
        assert_error(unchanged, "reason", "Nothing would change")

    @pytest.mark.parametrize("who", ["other_pdu_po", "analyst", "excluded"])
    @pytest.mark.parametrize("name", ["end-sentence", "extend-sentence", "correct-sentence"])
    def test_refused(self, w, who, name):
        order = SentenceFactory(person=w.person, start_date=today() - dt.timedelta(days=100))
        client = client_for(getattr(w, who))
        url = reverse(name, args=[order.pk])
        assert client.get(url).status_code in (403, 404)
        assert client.post(
            url, {"reason": "completed", **date_parts("termination_date", today())}
        ).status_code in (
            403,
            404,
        )
        order.refresh_from_db()
        assert order.termination_date is None


def risk_form(**changes: Any) -> dict[str, Any]:
    day = today() - dt.timedelta(days=1)
    data = {
        **date_parts("assessed_on", day),
        "review_reason": "scheduled",
        "rosh_children": "L",
        "rosh_public": "H",
        "rosh_known_adult": "M",
        "rosh_staff": "L",
        **date_parts("next_review_due", day + dt.timedelta(days=90)),
        "tier": "B2",
        "tier_source": "practitioner",
        "mappa_category": "",
        "mappa_level": "",
    }
    data.update(changes)
    return data


class TestRiskAndRegistrations:
    def test_a_risk_review_shows_on_the_record_with_its_history(self, w):
        url = reverse("record-risk-review", args=[w.person.pk])
        assert client_for(w.po).post(url, risk_form()).status_code == 302
        assert client_for(w.po).post(url, risk_form(rosh_children="V")).status_code == 302
        assert list(RiskSummary.objects.values_list("rosh", flat=True).order_by("pk")) == ["H", "V"]
        html = page_text(client_for(w.po).get(reverse("person-detail", args=[w.person.pk])))
        assert "Earlier reviews" in html and "Worked out by the practitioner" in html

    def test_the_next_review_at_most_six_months_on(self, w):
        day = today() - dt.timedelta(days=1)
        response = client_for(w.po).post(
            reverse("record-risk-review", args=[w.person.pk]),
            risk_form(**date_parts("next_review_due", day + dt.timedelta(days=200))),
        )
        assert_error(response, "next_review_due", "within 6 months")
        assert RiskSummary.objects.count() == 0

    def test_mappa_category_without_level(self, w):
        response = client_for(w.po).post(
            reverse("record-risk-review", args=[w.person.pk]), risk_form(mappa_category="2")
        )
        assert_error(response, "mappa_level", "Give both a MAPPA category and a MAPPA level")

    def test_registrations_added_reviewed_ended_and_never_overlapping(self, w):
        client = client_for(w.po)
        add = reverse("add-registration", args=[w.person.pk])
        start = today() - dt.timedelta(days=30)
        form = {
            "type": "street_gangs",
            **date_parts("start_date", start),
            **date_parts("next_review_date", start + dt.timedelta(days=90)),
        }
        assert client.post(add, form).status_code == 302
        again = client.post(add, {**form, **date_parts("start_date", start + dt.timedelta(days=5))})
        assert_error(again, "start_date", "cannot overlap")
        assert Registration.objects.count() == 1
        registration = Registration.objects.get()
        html = page_text(client.get(reverse("person-detail", args=[w.person.pk])))
        assert "Street gangs" in html and "Tier complexity factor" in html
        reviewed = client.post(
            reverse("review-registration", args=[w.person.pk]),
            {
                "registration": registration.pk,
                **date_parts("reviewed_on", today()),
                **date_parts("next_review_date", today() + dt.timedelta(days=90)),
            },
        )
        assert reviewed.status_code == 302
        assert RegistrationReview.objects.count() == 1
        ended = client.post(
            reverse("end-registration", args=[w.person.pk]),
            {"registration": registration.pk, **date_parts("end_date", today()), "reason": "Left the gang"},
        )
        assert ended.status_code == 302
        registration.refresh_from_db()
        assert registration.end_date == today()

    def test_another_persons_registration_is_not_a_choice(self, w):
        other = PersonFactory(pdu=w.pdu)
        theirs = cases.add_registration(
            by=w.po,
            person=other,
            type="hate_crime",
            start_date=today(),
            next_review_date=today() + dt.timedelta(days=30),
        )
        response = client_for(w.po).post(
            reverse("end-registration", args=[w.person.pk]),
            {"registration": theirs.pk, **date_parts("end_date", today()), "reason": "Sneaky"},
        )
        assert_error(response, "registration", "Select the registration")
        theirs.refresh_from_db()
        assert theirs.end_date is None

    @pytest.mark.parametrize("who", ["other_pdu_po", "analyst", "excluded"])
    @pytest.mark.parametrize(
        "name", ["record-risk-review", "add-registration", "review-registration", "end-registration"]
    )
    def test_refused(self, w, who, name):
        viewer = getattr(w, who)
        client = client_for(viewer)
        url = reverse(name, args=[ref_of(w, who, "person", w.person.pk)])
        assert client.get(url).status_code == 403
        assert client.post(url, risk_form()).status_code == 403
        assert RiskSummary.objects.count() == 0
        assert AccessLogEntry.objects.filter(
            staff=viewer, person_id=w.person.pk, action=Action.REFUSED
        ).exists()
