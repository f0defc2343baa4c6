"""The casework forms: record a contact and its outcome, an enforcement decision, a referral and its progress."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.cases import services as cases
from evenhand.cases.models import (
    Contact,
    ContactOutcome,
    Decision,
    EnforcementDecision,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Sentence,
    SentenceType,
)
from evenhand.org.models import Grade, Role, StaffMember
from evenhand.people.access import record_token
from evenhand.people.models import Person
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    PDUFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    local_datetime,
    today,
)

pytestmark = pytest.mark.django_db

RATIONALE = "Discussed with the person; the reasons are set out in the case notes."


# --- helpers ----------------------------------------------------------------------------------------------


def client_for(staff: StaffMember, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(staff.user)
    return client


def staff(grade: str, **kwargs: Any) -> StaffMember:
    return StaffMemberFactory(grade=grade, with_user=True, **kwargs)


def page_text(response: Any) -> str:
    return response.content.decode()


def error_summary(html: str) -> list[tuple[str, str]]:
    """(link, message) for each item of the GOV.UK error summary; empty when there is none."""
    match = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if not match:
        return []
    return [
        (href, " ".join(text.split()))
        for href, text in re.findall(r'<a href="([^"]*)">(.*?)</a>', match.group(1), re.S)
    ]


def assert_error(response: Any, anchor: str, message: str) -> None:
    """The form came back (200) with a GOV.UK error summary linking ``message`` to the box ``anchor``."""
    assert response.status_code == 200
    html = page_text(response)
    assert 'class="govuk-error-summary"' in html
    assert "<title>Error: " in html
    items = error_summary(html)
    assert any(href == f"#{anchor}" and message in text for href, text in items), items


def input_values(html: str, name: str, kind: str) -> dict[str, bool]:
    """The value of each radio or checkbox called ``name``, and whether it is checked."""
    values = {}
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*type="{kind}"[^>]*>', html):
        value = re.search(r'value="([^"]*)"', tag).group(1)
        values[value] = " checked" in tag
    return values


def datetime_parts(when: dt.datetime | None, prefix: str = "starts_at") -> dict[str, str]:
    if when is None:
        return {f"{prefix}-{part}": "" for part in ("day", "month", "year", "time")}
    local = timezone.localtime(when)
    return {
        f"{prefix}-day": str(local.day),
        f"{prefix}-month": str(local.month),
        f"{prefix}-year": str(local.year),
        f"{prefix}-time": local.strftime("%H:%M"),
    }


def date_parts(day: dt.date, prefix: str) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def days_ago(days: int, hour: int = 10) -> dt.datetime:
    return local_datetime(today() - dt.timedelta(days=days), hour)


def person_url(person: Person, anchor: str) -> str:
    return reverse("person-detail", args=[person.pk]) + f"#{anchor}"


def decision_url(sentence: Sentence, **query: Any) -> str:
    url = reverse("record-decision", args=[sentence.pk])
    return f"{url}?{urlencode(query)}" if query else url


def address(viewer: StaffMember, kind: str, pk: int) -> str | int:
    """How ``viewer`` refers to a record: by id, or an analyst by the opaque token (they never see ids)."""
    return record_token(kind, pk) if viewer.role == Role.ANALYST else pk


def log_rows(action: str) -> list[tuple[int, int | None, str]]:
    """(staff, person, channel) of each access log row of one kind, oldest first."""
    rows = AccessLogEntry.objects.filter(action=action).order_by("pk")
    return list(rows.values_list("staff_id", "person_id", "channel"))


def failure(sentence: Sentence, when: dt.datetime, by: StaffMember) -> Contact:
    return ContactFactory(
        sentence=sentence, starts_at=when, recorded_by=by, outcome=ContactOutcome.FAILED_UNACCEPTABLE
    )


# --- the case ----------------------------------------------------------------------------------------------


@dataclass
class Case:
    """Ada Adams in Leeds on a community order that started 200 days ago, held by a Leeds PO."""

    po: StaffMember
    spo: StaffMember
    other_pdu_po: StaffMember
    analyst: StaffMember
    inspector: StaffMember
    admin: StaffMember
    person: Person
    sentence: Sentence


@pytest.fixture
def case() -> Case:
    leeds = PDUFactory(name="Leeds")
    po = staff(Grade.PO, pdu=leeds)
    person = PersonFactory(first_name="Ada", last_name="Adams", pdu=leeds)
    sentence = SentenceFactory(person=person, type=SentenceType.COMMUNITY_ORDER)
    AllocationFactory(sentence=sentence, practitioner=po)
    return Case(
        po=po,
        spo=staff(Grade.SPO, pdu=leeds),
        other_pdu_po=staff(Grade.PO, pdu=PDUFactory(name="Bradford")),
        analyst=staff(Grade.ANALYST),
        inspector=staff(Grade.INSPECTOR),
        admin=staff(Grade.ADMIN),
        person=person,
        sentence=sentence,
    )


def licence_for(case: Case) -> Sentence:
    sentence = SentenceFactory(person=case.person, type=SentenceType.LICENCE, court="HMP Leeds")
    return sentence


def row_counts() -> tuple[int, ...]:
    return (
        Contact.objects.count(),
        EnforcementDecision.objects.count(),
        Referral.objects.count(),
        ReferralStatusChange.objects.count(),
    )


# --- signing in and CSRF ----------------------------------------------------------------------------------


def _urls(case: Case) -> list[str]:
    contact = ContactFactory(sentence=case.sentence, recorded_by=case.po)
    referral = cases.make_referral(
        by=case.po, sentence=case.sentence, service_area="ete", reason="Work", made_on=today()
    )
    return [
        reverse("record-contact", args=[case.person.pk]),
        reverse("record-outcome", args=[contact.pk]),
        decision_url(case.sentence),
        decision_url(case.sentence, contact=contact.pk),
        reverse("make-referral", args=[case.person.pk]),
        reverse("update-referral", args=[referral.pk]),
    ]


def test_anonymous_requests_are_sent_to_sign_in(client, case):
    for url in _urls(case):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"] == "/sign-in/?" + urlencode({"next": url}, safe="/")


def test_anonymous_post_writes_nothing(client, case):
    before = row_counts()
    data = {
        "sentence": case.sentence.pk,
        "type": "office",
        **datetime_parts(days_ago(2)),
        "outcome": "attended_complied",
    }
    client.post(reverse("record-contact", args=[case.person.pk]), data)
    assert row_counts() == before


def test_post_without_csrf_token_is_rejected(case):
    client = client_for(case.po, enforce_csrf_checks=True)
    url = reverse("record-contact", args=[case.person.pk])
    data = {"sentence": case.sentence.pk, "type": "office", **datetime_parts(days_ago(2))}
    before = row_counts()
    assert client.post(url, data).status_code == 403
    assert row_counts() == before
    # With the token from the form the same post goes through, so it was the token that was missing.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_text(client.get(url))).group(1)
    assert client.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert Contact.objects.count() == before[0] + 1


# --- through the door: every casework page opened is logged ----------------------------------------------


PURPOSES = [
    "Record a contact",
    "Record the outcome of a contact",
    "Record an enforcement decision",
    "Record an enforcement decision",
    "Make a referral",
    "Update a referral",
]


def test_each_page_opened_is_one_view_of_the_person(case):
    client = client_for(case.po)
    for url in _urls(case):
        assert client.get(url).status_code == 200, url
    rows = AccessLogEntry.objects.filter(action=Action.VIEW).order_by("pk")
    assert [(r.staff, r.person_id, r.channel, r.detail) for r in rows] == [
        (case.po, case.person.pk, Channel.UI, purpose) for purpose in PURPOSES
    ]


def test_a_correction_page_is_logged_as_one(case):
    contact = failure(case.sentence, days_ago(5), case.po)
    original = cases.decide_enforcement(
        by=case.po,
        sentence=case.sentence,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[contact],
    )
    assert client_for(case.spo).get(decision_url(case.sentence, corrects=original.pk)).status_code == 200
    assert list(AccessLogEntry.objects.values_list("action", "detail")) == [
        (Action.VIEW, "Correct an enforcement decision")
    ]


def test_an_analyst_addressing_a_record_by_id_finds_no_record(case):
    # Analysts never see ids, so an id is no reference for them (as on the person page): 404, nothing logged.
    client = client_for(case.analyst)
    for url in _urls(case):
        assert client.get(url).status_code == 404, url
    assert not AccessLogEntry.objects.exists()


def test_a_refusal_shows_nothing_of_the_person(case):
    for url in _urls(case):
        html = page_text(client_for(case.other_pdu_po).get(url))
        assert "Adams" not in html and case.person.crn not in html


def test_a_refused_post_writes_nothing_but_the_refusal(case):
    urls = _urls(case)
    before = row_counts()
    for url in urls:
        assert client_for(case.inspector).post(url, {}).status_code == 403, url
    assert row_counts() == before
    assert log_rows(Action.REFUSED) == [(case.inspector.pk, case.person.pk, Channel.UI)] * 6
    assert log_rows(Action.VIEW) == []


@pytest.mark.parametrize(
    "ref",
    ["0", "99999999999999999999", "9223372036854775808", "9999999999999999999", "12345678901234567890123"],
    ids=["zero", "20-digits", "just-past-64-bits", "19-nines", "23-digits"],
)
@pytest.mark.parametrize(
    "name", ["record-contact", "record-outcome", "record-decision", "make-referral", "update-referral"]
)
def test_an_id_that_is_no_record_is_not_found(case, name, ref):
    client = client_for(case.po)
    client.raise_request_exception = False
    url = reverse(name, args=[ref])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("corrects", ["99999999999999999999", "9999999999999999999", "0", "²"])
def test_a_correction_of_no_decision_is_not_found(case, corrects):
    client = client_for(case.po)
    client.raise_request_exception = False
    assert client.get(decision_url(case.sentence, corrects=corrects)).status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999", "9999999999999999999", "-1", "²", ""])
def test_a_posted_choice_that_is_no_record_is_a_form_error(case, value):
    contact = failure(case.sentence, days_ago(5), case.po)
    client = client_for(case.po)
    client.raise_request_exception = False
    response = client.post(
        decision_url(case.sentence),
        {"decision": "warning", "triggering_contacts": [value], "rationale": RATIONALE},
    )
    assert_error(response, "id_triggering_contacts", "Select the failures this decision answers")
    response = client.post(
        reverse("record-contact", args=[case.person.pk]),
        {"sentence": value, "type": "office", **datetime_parts(days_ago(2))},
    )
    assert_error(response, "id_sentence", "Select the sentence")
    assert row_counts() == (1, 0, 0, 0) and contact.pk


# --- record a contact -----------------------------------------------------------------------------------


class TestRecordContact:
    @staticmethod
    def url(case: Case) -> str:
        return reverse("record-contact", args=[case.person.pk])

    @staticmethod
    def data(case: Case, **overrides: Any) -> dict[str, Any]:
        return {
            "sentence": case.sentence.pk,
            "type": "office",
            **datetime_parts(days_ago(3, hour=14)),
            "location": "Leeds probation office",
            "outcome": "attended_complied",
            "notes": "Discussed the job search.",
            **overrides,
        }

    def test_form_has_the_govuk_date_and_time_boxes(self, case):
        response = client_for(case.po).get(self.url(case))
        assert response.status_code == 200
        html = page_text(response)
        for name in ("starts_at-day", "starts_at-month", "starts_at-year", "starts_at-time"):
            assert f'name="{name}"' in html
        assert set(input_values(html, "outcome", "radio")) == set(ContactOutcome.values) - {
            ContactOutcome.CANCELLED
        }
        assert "Ada Adams" in html
        assert 'class="govuk-error-summary"' not in html

    def test_records_a_contact_that_happened(self, case):
        response = client_for(case.po).post(self.url(case), self.data(case))
        assert response.status_code == 302
        assert response["Location"] == person_url(case.person, "timeline")
        contact = Contact.objects.get()
        assert contact.person == case.person
        assert contact.sentence == case.sentence
        assert contact.starts_at == days_ago(3, hour=14)
        assert contact.outcome == ContactOutcome.ATTENDED_COMPLIED
        assert contact.location == "Leeds probation office"
        assert contact.notes == "Discussed the job search."
        assert contact.recorded_by == case.po
        assert contact.outcome_recorded_by == case.po

    def test_the_record_then_says_it_was_saved(self, case):
        client = client_for(case.po)
        response = client.post(self.url(case), self.data(case))
        html = page_text(client.get(response["Location"]))
        assert "Contact recorded" in html
        assert "Leeds probation office" in html  # in the timeline

    def test_books_a_future_appointment(self, case):
        when = local_datetime(today() + dt.timedelta(days=7), 9, 30)
        data = self.data(case, outcome="", **datetime_parts(when))
        response = client_for(case.po).post(self.url(case), data)
        assert response.status_code == 302
        contact = Contact.objects.get()
        assert (contact.starts_at, contact.outcome, contact.outcome_recorded_by) == (when, "", None)

    def test_accepts_a_12_hour_time(self, case):
        data = self.data(case, **{"starts_at-time": "2:30pm"})
        assert client_for(case.po).post(self.url(case), data).status_code == 302
        assert timezone.localtime(Contact.objects.get().starts_at).time() == dt.time(14, 30)

    def test_unacceptable_failure_goes_to_the_decision_that_is_due(self, case):
        client = client_for(case.po)
        response = client.post(self.url(case), self.data(case, outcome="fta_unacceptable"))
        contact = Contact.objects.get()
        assert response.status_code == 302
        assert response["Location"] == decision_url(case.sentence, contact=contact.pk)
        decision_page = page_text(client.get(response["Location"]))
        assert "The rules propose: Warning" in decision_page
        assert "An enforcement decision is due" in decision_page

    def test_acceptable_absence_does_not_ask_for_a_decision(self, case):
        response = client_for(case.po).post(self.url(case), self.data(case, outcome="fta_acceptable"))
        assert response["Location"] == person_url(case.person, "timeline")

    @pytest.mark.parametrize(
        ("overrides", "anchor", "message"),
        [
            (datetime_parts(None), "id_starts_at-day", "Enter the date and time of the contact"),
            ({"starts_at-month": ""}, "id_starts_at-month", "Date and time must include a month"),
            ({"starts_at-day": "31", "starts_at-month": "2"}, "id_starts_at-day", "must be a real date"),
            ({"starts_at-time": "25:00"}, "id_starts_at-time", "Enter a real time for date and time"),
            ({"starts_at-time": ""}, "id_starts_at-time", "Date and time must include a time"),
            ({"outcome": "vanished"}, "id_outcome", "Select the outcome"),
            ({"type": "carrier_pigeon"}, "id_type", "Select the type of contact"),
        ],
        ids=["no-date", "no-month", "not-a-date", "not-a-time", "no-time", "unknown-outcome", "unknown-type"],
    )
    def test_invalid_input_is_shown_by_field_and_writes_nothing(self, case, overrides, anchor, message):
        before = row_counts()
        response = client_for(case.po).post(self.url(case), self.data(case, **overrides))
        assert_error(response, anchor, message)
        assert row_counts() == before

    def test_date_outside_the_sentence_is_refused(self, case):
        before = case.sentence.start_date - dt.timedelta(days=10)
        data = self.data(case, **datetime_parts(local_datetime(before, 10)))
        response = client_for(case.po).post(self.url(case), data)
        assert_error(response, "id_starts_at-day", "The contact must fall within the sentence")
        assert not Contact.objects.exists()
        # What was typed is kept, so it can be corrected.
        assert f'value="{before.day}"' in page_text(response)
        assert 'value="Leeds probation office"' in page_text(response)

    def test_notes_of_2_mb_are_refused_in_words(self, case):
        response = client_for(case.po).post(self.url(case), self.data(case, notes="x" * 2 * 1024 * 1024))
        assert_error(response, "id_notes", "The notes must be 5,000 characters or fewer (it has 2,097,152)")
        assert row_counts() == (0, 0, 0, 0)

    def test_outcome_for_a_future_appointment_is_refused(self, case):
        data = self.data(case, **datetime_parts(local_datetime(today() + dt.timedelta(days=5), 10)))
        response = client_for(case.po).post(self.url(case), data)
        assert_error(response, "id_outcome", "You cannot record an outcome for a contact in the future")
        assert not Contact.objects.exists()

    def test_another_persons_sentence_is_not_accepted(self, case):
        other = SentenceFactory(person=PersonFactory(pdu=case.person.pdu))
        response = client_for(case.po).post(self.url(case), self.data(case, sentence=other.pk))
        assert_error(response, "id_sentence", "Select the sentence")
        assert not Contact.objects.exists()

    def test_ended_sentence_is_not_offered(self, case):
        ended = SentenceFactory(person=case.person, court="Ended Court")
        cases.terminate_sentence(
            by=case.po, sentence=ended, termination_date=today() - dt.timedelta(days=1), reason="completed"
        )
        html = page_text(client_for(case.po).get(self.url(case)))
        offered = re.findall(r'<option value="(\d+)"', html)
        assert str(case.sentence.pk) in offered
        assert str(ended.pk) not in offered

    @pytest.mark.parametrize("role", ["analyst", "inspector", "admin", "other_pdu_po"])
    def test_others_are_refused_and_the_attempts_logged(self, case, role):
        viewer = getattr(case, role)
        client = client_for(viewer)
        url = reverse("record-contact", args=[address(viewer, "person", case.person.pk)])
        assert client.get(url).status_code == 403
        assert client.post(url, self.data(case)).status_code == 403
        assert not Contact.objects.exists()
        assert log_rows(Action.REFUSED) == [(viewer.pk, case.person.pk, Channel.UI)] * 2
        assert log_rows(Action.VIEW) == []

    def test_spo_of_the_pdu_may_record(self, case):
        assert client_for(case.spo).post(self.url(case), self.data(case)).status_code == 302
        assert Contact.objects.get().recorded_by == case.spo

    def test_unknown_person_is_not_found(self, case):
        assert client_for(case.po).get(reverse("record-contact", args=[999_999])).status_code == 404


# --- record an outcome ------------------------------------------------------------------------------------


class TestRecordOutcome:
    @staticmethod
    def booked(case: Case, when: dt.datetime | None = None) -> Contact:
        return ContactFactory(
            sentence=case.sentence,
            recorded_by=case.po,
            starts_at=when or days_ago(1),
            notes="Booked by phone.",
        )

    def test_records_the_outcome_once(self, case):
        contact = self.booked(case)
        url = reverse("record-outcome", args=[contact.pk])
        client = client_for(case.spo)
        page = page_text(client.get(url))
        assert "Record the outcome" in page
        assert set(input_values(page, "outcome", "radio")) == set(ContactOutcome.values) - {
            ContactOutcome.CANCELLED
        }

        response = client.post(url, {"outcome": "attended_complied", "notes": "Engaged well."})
        assert response.status_code == 302
        assert response["Location"] == person_url(case.person, "timeline")
        contact.refresh_from_db()
        assert contact.outcome == ContactOutcome.ATTENDED_COMPLIED
        assert contact.outcome_recorded_by == case.spo
        assert contact.notes == "Booked by phone.\n\nEngaged well."

        again = client_for(case.po).post(url, {"outcome": "fta_unacceptable", "notes": "Changed my mind."})
        assert_error(again, "id_outcome", "An outcome has already been recorded for this contact")
        contact.refresh_from_db()
        assert contact.outcome == ContactOutcome.ATTENDED_COMPLIED
        assert contact.outcome_recorded_by == case.spo
        assert "Changed my mind" not in contact.notes

    def test_unacceptable_failure_goes_to_the_decision(self, case):
        contact = self.booked(case)
        response = client_for(case.po).post(
            reverse("record-outcome", args=[contact.pk]), {"outcome": "fta_unacceptable"}
        )
        assert response["Location"] == decision_url(case.sentence, contact=contact.pk)

    def test_outcome_of_a_future_appointment_is_refused(self, case):
        contact = self.booked(case, local_datetime(today() + dt.timedelta(days=2), 10))
        response = client_for(case.po).post(
            reverse("record-outcome", args=[contact.pk]), {"outcome": "attended_complied"}
        )
        assert_error(response, "id_outcome", "You cannot record an outcome for a contact in the future")
        contact.refresh_from_db()
        assert contact.outcome == ""

    def test_an_outcome_must_be_chosen(self, case):
        contact = self.booked(case)
        response = client_for(case.po).post(reverse("record-outcome", args=[contact.pk]), {"outcome": ""})
        assert_error(response, "id_outcome", "Select what happened")
        contact.refresh_from_db()
        assert contact.outcome == ""

    @pytest.mark.parametrize("role", ["analyst", "inspector", "admin", "other_pdu_po"])
    def test_others_are_refused_and_the_attempts_logged(self, case, role):
        contact = self.booked(case)
        viewer = getattr(case, role)
        client = client_for(viewer)
        url = reverse("record-outcome", args=[address(viewer, "contact", contact.pk)])
        assert client.get(url).status_code == 403
        assert client.post(url, {"outcome": "attended_complied"}).status_code == 403
        contact.refresh_from_db()
        assert contact.outcome == ""
        assert log_rows(Action.REFUSED) == [(viewer.pk, case.person.pk, Channel.UI)] * 2
        assert log_rows(Action.VIEW) == []

    def test_unknown_contact_is_not_found(self, case):
        assert client_for(case.po).get(reverse("record-outcome", args=[999_999])).status_code == 404


# --- record an enforcement decision ---------------------------------------------------------------------------


class TestRecordDecision:
    def test_first_failure_on_a_community_order_proposes_a_warning(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        html = page_text(client_for(case.po).get(decision_url(case.sentence, contact=contact.pk)))
        assert "The rules propose: Warning" in html
        assert "The first unacceptable failure to comply in 12 months" in html
        # The proposal is preselected and the failure ticked.
        assert input_values(html, "decision", "radio")["warning"] is True
        assert input_values(html, "triggering_contacts", "checkbox") == {str(contact.pk): True}

    def test_failure_after_a_warning_within_12_months_proposes_breach(self, case):
        first = failure(case.sentence, days_ago(60), case.po)
        cases.decide_enforcement(
            by=case.po,
            sentence=case.sentence,
            decision=Decision.WARNING,
            rationale=RATIONALE,
            triggering_contacts=[first],
            decided_at=days_ago(55),
        )
        second = failure(case.sentence, days_ago(10), case.po)
        html = page_text(client_for(case.po).get(decision_url(case.sentence, contact=second.pk)))
        assert "The rules propose: Breach action initiated" in html
        assert "within 12 months of the warning" in html
        assert input_values(html, "decision", "radio")["breach"] is True
        # The answered failure is no longer offered.
        assert input_values(html, "triggering_contacts", "checkbox") == {str(second.pk): True}

    def test_warning_more_than_12_months_before_proposes_a_warning_again(self):
        po = staff(Grade.PO)
        sentence = SentenceFactory(
            person=PersonFactory(pdu=po.team.pdu), start_date=today() - dt.timedelta(days=600)
        )
        AllocationFactory(sentence=sentence, practitioner=po)
        first = failure(sentence, days_ago(500), po)
        cases.decide_enforcement(
            by=po,
            sentence=sentence,
            decision=Decision.WARNING,
            rationale=RATIONALE,
            triggering_contacts=[first],
            decided_at=days_ago(499),
        )
        second = failure(sentence, days_ago(5), po)
        html = page_text(client_for(po).get(decision_url(sentence, contact=second.pk)))
        assert "The rules propose: Warning" in html

    def test_failure_on_a_licence_proposes_recall(self, case):
        licence = licence_for(case)
        contact = failure(licence, days_ago(3), case.po)
        html = page_text(client_for(case.po).get(decision_url(licence, contact=contact.pk)))
        assert "The rules propose: Recall requested: standard" in html
        assert input_values(html, "decision", "radio")["recall_standard"] is True

    def test_selected_failure_is_the_one_proposed_for(self, case):
        older = failure(case.sentence, days_ago(20), case.po)
        newer = failure(case.sentence, days_ago(2), case.po)
        html = page_text(client_for(case.po).get(decision_url(case.sentence, contact=newer.pk)))
        assert input_values(html, "triggering_contacts", "checkbox") == {
            str(older.pk): False,
            str(newer.pk): True,
        }
        # Without ?contact= every outstanding failure is ticked.
        html = page_text(client_for(case.po).get(decision_url(case.sentence)))
        assert input_values(html, "triggering_contacts", "checkbox") == {
            str(older.pk): True,
            str(newer.pk): True,
        }

    def test_proposal_and_correction_insets_are_markup_not_escaped_text(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        original = cases.decide_enforcement(
            by=case.po,
            sentence=case.sentence,
            decision=Decision.WARNING,
            rationale=RATIONALE,
            triggering_contacts=[contact],
            decided_at=days_ago(4),
        )
        html = page_text(client_for(case.po).get(decision_url(case.sentence, corrects=original.pk)))
        assert re.search(
            r"<p class=.govuk-body govuk-!-font-weight-bold.>The rules propose: Warning</p>", html
        )
        assert "This corrects the <strong>warning</strong>" in html
        assert "&lt;p" not in html
        assert "&lt;strong&gt;" not in html

    def test_no_failures_explains_that_breach_or_recall_may_still_be_recorded(self, case):
        html = page_text(client_for(case.po).get(decision_url(case.sentence)))
        assert "There are no unanswered failures on this sentence" in html
        assert "The rules propose" not in html

    def test_community_order_offers_no_recall(self, case):
        html = page_text(client_for(case.po).get(decision_url(case.sentence)))
        assert set(input_values(html, "decision", "radio")) == {"warning", "breach", "nfa"}
        assert "recall" not in " ".join(input_values(html, "decision", "radio"))

    def test_licence_offers_recall_and_no_breach(self, case):
        html = page_text(client_for(case.po).get(decision_url(licence_for(case))))
        assert set(input_values(html, "decision", "radio")) == {
            "warning",
            "recall_standard",
            "recall_fixed_term",
            "recall_emergency",
            "increased_contact",
            "licence_variation",
            "nfa",
        }

    def test_recall_posted_on_a_community_order_is_refused(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        response = client_for(case.po).post(
            decision_url(case.sentence),
            {"decision": "recall_standard", "triggering_contacts": [contact.pk], "rationale": RATIONALE},
        )
        assert_error(response, "id_decision", "Select the decision")
        assert not EnforcementDecision.objects.exists()

    @pytest.mark.parametrize(
        ("rationale", "message"),
        [
            ("", "Enter the reasons for the decision"),
            ("   ", "Enter the reasons for the decision"),
            ("Missed it.", "at least 20"),
        ],
        ids=["empty", "blank", "short"],
    )
    def test_rationale_is_required(self, case, rationale, message):
        contact = failure(case.sentence, days_ago(5), case.po)
        response = client_for(case.po).post(
            decision_url(case.sentence, contact=contact.pk),
            {"decision": "warning", "triggering_contacts": [contact.pk], "rationale": rationale},
        )
        assert_error(response, "id_rationale", message)
        assert not EnforcementDecision.objects.exists()

    def test_warning_must_name_the_failure(self, case):
        failure(case.sentence, days_ago(5), case.po)
        response = client_for(case.po).post(
            decision_url(case.sentence), {"decision": "warning", "rationale": RATIONALE}
        )
        assert_error(
            response, "id_triggering_contacts", "Select the failure or failures this decision answers"
        )
        assert not EnforcementDecision.objects.exists()

    def test_records_the_decision_with_its_failures_and_the_proposal(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        response = client_for(case.po).post(
            decision_url(case.sentence, contact=contact.pk),
            {"decision": "warning", "triggering_contacts": [contact.pk], "rationale": RATIONALE},
        )
        assert response.status_code == 302
        assert response["Location"] == person_url(case.person, "enforcement")
        record = EnforcementDecision.objects.get()
        assert record.sentence == case.sentence
        assert record.decision == Decision.WARNING
        assert record.proposed == Decision.WARNING
        assert list(record.triggering_contacts.all()) == [contact]
        assert record.rationale == RATIONALE
        assert record.decided_by == case.po
        assert record.corrects is None

    def test_the_record_then_says_what_was_decided(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        client = client_for(case.po)
        response = client.post(
            decision_url(case.sentence, contact=contact.pk),
            {"decision": "warning", "triggering_contacts": [contact.pk], "rationale": RATIONALE},
        )
        html = page_text(client.get(response["Location"]))
        assert "Decision recorded: Warning" in html
        assert "need an enforcement decision" not in html  # the failure is answered

    def test_the_time_of_the_decision_starts_as_now(self, case):
        html = page_text(client_for(case.po).get(decision_url(case.sentence)))
        now = timezone.localtime()
        assert f'name="decided_at-year" type="text" value="{now.year}"' in html

    def test_a_decision_made_earlier_is_recorded_with_its_time(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        when = days_ago(3, hour=16)
        response = client_for(case.po).post(
            decision_url(case.sentence, contact=contact.pk),
            {
                "decision": "warning",
                "triggering_contacts": [contact.pk],
                "rationale": RATIONALE,
                **datetime_parts(when, "decided_at"),
            },
        )
        assert response.status_code == 302
        assert EnforcementDecision.objects.get().decided_at == when

    def test_a_decision_dated_1900_is_refused_in_words(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        response = client_for(case.po).post(
            decision_url(case.sentence, contact=contact.pk),
            {
                "decision": "warning",
                "triggering_contacts": [contact.pk],
                "rationale": RATIONALE,
                **datetime_parts(local_datetime(dt.date(1900, 1, 1), 10), "decided_at"),
            },
        )
        start = case.sentence.start_date
        assert_error(
            response,
            "id_decided_at-day",
            f"The decision cannot be dated before the sentence started ({start.day} {start:%B %Y})",
        )
        assert not EnforcementDecision.objects.exists()

    def test_a_departure_keeps_what_the_rules_proposed(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        client_for(case.po).post(
            decision_url(case.sentence, contact=contact.pk),
            {"decision": "nfa", "triggering_contacts": [contact.pk], "rationale": RATIONALE},
        )
        record = EnforcementDecision.objects.get()
        assert (record.decision, record.proposed) == (Decision.NO_FURTHER_ACTION, Decision.WARNING)

    def test_breach_without_a_failure_is_recorded_with_no_proposal(self, case):
        response = client_for(case.po).post(
            decision_url(case.sentence), {"decision": "breach", "rationale": "Further offence: " + RATIONALE}
        )
        assert response.status_code == 302
        record = EnforcementDecision.objects.get()
        assert (record.decision, record.proposed, record.triggering_contacts.count()) == (
            Decision.BREACH,
            "",
            0,
        )

    def test_failure_already_answered_cannot_be_answered_again(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        url = decision_url(case.sentence, contact=contact.pk)
        data = {"decision": "warning", "triggering_contacts": [contact.pk], "rationale": RATIONALE}
        client = client_for(case.po)
        assert client.post(url, data).status_code == 302
        response = client.post(url, data)
        # It is no longer outstanding, so the form no longer offers it.
        assert_error(response, "id_triggering_contacts", "Select the failures this decision answers")
        assert EnforcementDecision.objects.count() == 1

    def test_correction_points_at_the_original_which_is_unchanged(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        original = cases.decide_enforcement(
            by=case.po,
            sentence=case.sentence,
            decision=Decision.WARNING,
            rationale=RATIONALE,
            triggering_contacts=[contact],
            decided_at=days_ago(4),
        )
        snapshot = EnforcementDecision.objects.filter(pk=original.pk).values().get()
        client = client_for(case.spo)
        url = decision_url(case.sentence, corrects=original.pk)
        html = page_text(client.get(url))
        assert "Correct an enforcement decision" in html
        assert "This corrects the" in html
        assert "That record stays as it is, marked as corrected" in html
        assert input_values(html, "triggering_contacts", "checkbox") == {str(contact.pk): True}

        rationale = "The absence was later shown to be acceptable: hospital letter."
        response = client.post(
            url, {"decision": "nfa", "triggering_contacts": [contact.pk], "rationale": rationale}
        )
        assert response.status_code == 302
        assert response["Location"] == person_url(case.person, "enforcement")
        correction = EnforcementDecision.objects.exclude(pk=original.pk).get()
        assert correction.corrects == original
        assert correction.decision == Decision.NO_FURTHER_ACTION
        assert correction.rationale == rationale
        assert correction.decided_by == case.spo
        assert list(correction.triggering_contacts.all()) == [contact]
        assert EnforcementDecision.objects.filter(pk=original.pk).values().get() == snapshot
        assert list(original.triggering_contacts.all()) == [contact]

    def test_a_decision_is_corrected_only_once(self, case):
        contact = failure(case.sentence, days_ago(5), case.po)
        original = cases.decide_enforcement(
            by=case.po,
            sentence=case.sentence,
            decision=Decision.WARNING,
            rationale=RATIONALE,
            triggering_contacts=[contact],
            decided_at=days_ago(4),
        )
        url = decision_url(case.sentence, corrects=original.pk)
        data = {"decision": "nfa", "triggering_contacts": [contact.pk], "rationale": RATIONALE}
        client = client_for(case.po)
        assert client.post(url, data).status_code == 302
        response = client.post(url, data)
        assert response.status_code == 200
        assert "That decision has already been corrected" in page_text(response)
        assert EnforcementDecision.objects.count() == 2

    def test_correcting_a_decision_on_another_sentence_is_not_found(self, case):
        licence = licence_for(case)
        contact = failure(licence, days_ago(5), case.po)
        other = cases.decide_enforcement(
            by=case.po,
            sentence=licence,
            decision=Decision.WARNING,
            rationale=RATIONALE,
            triggering_contacts=[contact],
        )
        assert client_for(case.po).get(decision_url(case.sentence, corrects=other.pk)).status_code == 404

    # Was a 500 (ValueError from get_object_or_404); fixed in cases.views.record_decision.
    @pytest.mark.parametrize("corrects", ["abc", "", "1.5", "-1"])
    def test_malformed_correction_id_is_not_found(self, case, corrects):
        client = client_for(case.po)
        client.raise_request_exception = False
        assert client.get(decision_url(case.sentence, corrects=corrects)).status_code == 404

    @pytest.mark.parametrize("role", ["analyst", "inspector", "admin", "other_pdu_po"])
    def test_others_are_refused_and_the_attempts_logged(self, case, role):
        contact = failure(case.sentence, days_ago(5), case.po)
        viewer = getattr(case, role)
        client = client_for(viewer)
        url = reverse("record-decision", args=[address(viewer, "sentence", case.sentence.pk)])
        url += f"?contact={contact.pk}"
        assert client.get(url).status_code == 403
        data = {"decision": "warning", "triggering_contacts": [contact.pk], "rationale": RATIONALE}
        assert client.post(url, data).status_code == 403
        assert not EnforcementDecision.objects.exists()
        assert log_rows(Action.REFUSED) == [(viewer.pk, case.person.pk, Channel.UI)] * 2
        assert log_rows(Action.VIEW) == []

    def test_unknown_sentence_is_not_found(self, case):
        assert client_for(case.po).get(reverse("record-decision", args=[999_999])).status_code == 404


# --- referrals ---------------------------------------------------------------------------------------------


class TestMakeReferral:
    @staticmethod
    def url(case: Case) -> str:
        return reverse("make-referral", args=[case.person.pk])

    @staticmethod
    def data(case: Case, **overrides: Any) -> dict[str, Any]:
        return {
            "sentence": case.sentence.pk,
            "service_area": "accommodation",
            "provider": "Leeds Housing Options",
            "reason": "Sofa surfing since release; needs settled accommodation.",
            **date_parts(today() - dt.timedelta(days=1), "made_on"),
            **overrides,
        }

    def test_makes_a_referral(self, case):
        response = client_for(case.po).post(self.url(case), self.data(case))
        assert response.status_code == 302
        assert response["Location"] == person_url(case.person, "referrals")
        referral = Referral.objects.get()
        assert (referral.person, referral.sentence, referral.service_area) == (
            case.person,
            case.sentence,
            "accommodation",
        )
        assert referral.status == ReferralStatus.MADE
        assert referral.made_on == today() - dt.timedelta(days=1)
        assert referral.made_by == case.po
        assert list(referral.status_changes.values_list("status", flat=True)) == [ReferralStatus.MADE]

    @pytest.mark.parametrize(
        ("overrides", "anchor", "message"),
        [
            ({"reason": ""}, "id_reason", "Enter what need the referral is for"),
            ({"service_area": "astrology"}, "id_service_area", "Select the service"),
            (
                {"made_on-day": "", "made_on-month": "", "made_on-year": ""},
                "id_made_on-day",
                "Enter date of referral",
            ),
            ({"made_on-year": "26"}, "id_made_on-year", "Year must include 4 numbers"),
        ],
        ids=["no-reason", "unknown-service", "no-date", "two-digit-year"],
    )
    def test_invalid_input_writes_nothing(self, case, overrides, anchor, message):
        before = row_counts()
        response = client_for(case.po).post(self.url(case), self.data(case, **overrides))
        assert_error(response, anchor, message)
        assert row_counts() == before

    def test_date_before_the_sentence_is_refused(self, case):
        data = self.data(case, **date_parts(case.sentence.start_date - dt.timedelta(days=1), "made_on"))
        response = client_for(case.po).post(self.url(case), data)
        assert_error(response, "id_made_on-day", "The referral cannot be made before the sentence started")
        assert not Referral.objects.exists()

    def test_future_date_is_refused(self, case):
        data = self.data(case, **date_parts(today() + dt.timedelta(days=1), "made_on"))
        response = client_for(case.po).post(self.url(case), data)
        assert_error(response, "id_made_on-day", "must be today or in the past")
        assert not Referral.objects.exists()

    @pytest.mark.parametrize("role", ["analyst", "inspector", "admin", "other_pdu_po"])
    def test_others_are_refused_and_the_attempts_logged(self, case, role):
        viewer = getattr(case, role)
        client = client_for(viewer)
        url = reverse("make-referral", args=[address(viewer, "person", case.person.pk)])
        assert client.get(url).status_code == 403
        assert client.post(url, self.data(case)).status_code == 403
        assert not Referral.objects.exists()
        assert log_rows(Action.REFUSED) == [(viewer.pk, case.person.pk, Channel.UI)] * 2
        assert log_rows(Action.VIEW) == []


class TestUpdateReferral:
    @staticmethod
    def referral(case: Case) -> Referral:
        return cases.make_referral(
            by=case.po,
            sentence=case.sentence,
            service_area="ete",
            reason="Wants help into work.",
            made_on=today() - dt.timedelta(days=30),
        )

    @staticmethod
    def post(client: Client, referral: Referral, status: str, days_ago: int = 1) -> Any:
        return client.post(
            reverse("update-referral", args=[referral.pk]),
            {"status": status, **date_parts(today() - dt.timedelta(days=days_ago), "changed_on"), "note": ""},
        )

    def offered(self, client: Client, referral: Referral) -> set[str]:
        html = page_text(client.get(reverse("update-referral", args=[referral.pk])))
        return set(input_values(html, "status", "radio"))

    def test_moves_through_the_allowed_statuses(self, case):
        referral = self.referral(case)
        client = client_for(case.po)
        assert self.offered(client, referral) == {"accepted", "declined", "withdrawn"}

        response = self.post(client, referral, "accepted", days_ago=20)
        assert response.status_code == 302
        assert response["Location"] == person_url(case.person, "referrals")
        referral.refresh_from_db()
        assert (referral.status, referral.status_changed_on) == ("accepted", today() - dt.timedelta(days=20))
        assert self.offered(client, referral) == {"started", "withdrawn"}

        assert self.post(client, referral, "started", days_ago=10).status_code == 302
        assert self.offered(client, referral) == {"completed", "withdrawn"}
        assert self.post(client, referral, "completed", days_ago=1).status_code == 302
        assert self.offered(client, referral) == set()
        assert list(referral.status_changes.values_list("status", flat=True)) == [
            "made",
            "accepted",
            "started",
            "completed",
        ]

    @pytest.mark.parametrize("status", ["started", "completed", "made", "nonsense"])
    def test_a_status_that_may_not_follow_is_refused(self, case, status):
        referral = self.referral(case)
        response = self.post(client_for(case.po), referral, status)
        assert_error(response, "id_status", "Select the new status")
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.MADE
        assert referral.status_changes.count() == 1

    def test_an_ended_referral_cannot_change(self, case):
        referral = self.referral(case)
        client = client_for(case.po)
        assert self.post(client, referral, "withdrawn").status_code == 302
        response = self.post(client, referral, "accepted")
        assert_error(response, "id_status", "Select the new status")
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.WITHDRAWN

    def test_change_dated_before_the_last_one_is_refused(self, case):
        referral = self.referral(case)
        response = self.post(client_for(case.po), referral, "accepted", days_ago=31)
        assert_error(response, "id_changed_on-day", "The change cannot be dated before")
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.MADE

    @pytest.mark.parametrize("role", ["analyst", "inspector", "admin", "other_pdu_po"])
    def test_others_are_refused_and_the_attempts_logged(self, case, role):
        referral = self.referral(case)
        viewer = getattr(case, role)
        client = client_for(viewer)
        url = reverse("update-referral", args=[address(viewer, "referral", referral.pk)])
        assert client.get(url).status_code == 403
        data = {"status": "accepted", **date_parts(today() - dt.timedelta(days=1), "changed_on")}
        assert client.post(url, data).status_code == 403
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.MADE
        assert log_rows(Action.REFUSED) == [(viewer.pk, case.person.pk, Channel.UI)] * 2
        assert log_rows(Action.VIEW) == []
