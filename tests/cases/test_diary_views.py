"""The diary pages: booking (one and a weekly series), rescheduling, cancelling, recording an outcome from the
week's list, the week as a list and as a calendar; who may see whose diary; bounded queries."""

import datetime as dt
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evenhand.cases.models import Contact, ContactOutcome, ContactType, RequirementType
from evenhand.cases.models.contact import ChangeRequestedBy
from evenhand.core.calendar import is_working_day
from evenhand.core.formatting import date_time_text
from evenhand.org.models import Grade
from evenhand.people.access import record_token
from tests.factories import (
    AllocationFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    TeamFactory,
    local_datetime,
    today,
)
from tests.structure.test_no_queries_in_views import queries_in

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def staff(grade: str, **kwargs: Any):
    return StaffMemberFactory(grade=grade, with_user=True, **kwargs)


def working_day(after: int) -> dt.date:
    day = today() + dt.timedelta(days=after)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def date_fields(name: str, day: dt.date, time: str) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
        f"{name}-time": time,
    }


@pytest.fixture
def case(pdu):
    po = staff(Grade.PO, pdu=pdu)
    person = PersonFactory(pdu=pdu)
    sentence = SentenceFactory(
        person=person, requirements=[{"type": RequirementType.UNPAID_WORK, "unpaid_work_hours": 80}]
    )
    AllocationFactory(sentence=sentence, practitioner=po)
    return type("Case", (), {"po": po, "person": person, "sentence": sentence, "pdu": pdu})


def appointment(case, *, at: dt.datetime, **kwargs) -> Contact:
    return Contact.objects.create(
        person=case.person,
        sentence=case.sentence,
        type=kwargs.pop("type", ContactType.OFFICE_APPOINTMENT),
        starts_at=at,
        location="Office",
        recorded_by=case.po,
        with_staff=kwargs.pop("with_staff", case.po),
        **kwargs,
    )


def test_the_diary_modules_hold_no_queries_of_their_own():
    here = Path(__file__).resolve().parents[2] / "src" / "evenhand" / "cases" / "diary_views.py"
    assert queries_in(here) == []


class TestBook:
    def test_books_a_weekly_series_of_unpaid_work(self, case):
        url = reverse("book-appointment", args=[case.person.pk])
        client = client_for(case.po)
        assert client.get(url).status_code == 200
        requirement = case.sentence.requirements.get()
        response = client.post(
            url,
            {
                "sentence": case.sentence.pk,
                "type": ContactType.UNPAID_WORK,
                **date_fields("starts_at", working_day(3), "09:00"),
                "duration_minutes": "420",
                "mode": "in_person",
                "location": "Community garden",
                "with_staff": case.po.pk,
                "requirement": requirement.pk,
                "occurrences": "3",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Contact.objects.filter(requirement=requirement, outcome="").count() == 3

    def test_says_what_to_enter(self, case):
        response = client_for(case.po).post(
            reverse("book-appointment", args=[case.person.pk]),
            {
                "sentence": case.sentence.pk,
                "type": ContactType.OFFICE_APPOINTMENT,
                **date_fields("starts_at", working_day(3), "09:00"),
                "mode": "in_person",
                "with_staff": case.po.pk,
            },
        )
        assert response.status_code == 200
        assert "Enter where the appointment is held" in response.content.decode()
        assert not Contact.objects.exists()

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.PO])
    def test_refused_to_an_analyst_and_to_staff_of_another_pdu(self, case, grade):
        other = staff(grade)  # another PDU
        response = client_for(other).get(reverse("book-appointment", args=[case.person.pk]))
        assert response.status_code in (403, 404)


class TestWeek:
    def test_records_an_outcome_from_the_list(self, case):
        past = appointment(case, at=timezone.now() - dt.timedelta(hours=1))
        client = client_for(case.po)
        week = reverse("week")
        html = unescape(client.get(week).content.decode())  # an O'Brien is O&#x27;Brien in the page
        assert case.person.last_name in html and "Record outcome" in html
        response = client.post(
            reverse("appointment-outcome", args=[past.pk]),
            {"outcome": ContactOutcome.ATTENDED_COMPLIED, "next": week},
        )
        assert response.status_code == 302 and response["Location"] == week
        past.refresh_from_db()
        assert past.outcome == ContactOutcome.ATTENDED_COMPLIED and past.outcome_recorded_by == case.po

    def test_an_unacceptable_absence_goes_to_the_decision(self, case):
        past = appointment(case, at=timezone.now() - dt.timedelta(hours=1))
        response = client_for(case.po).post(
            reverse("appointment-outcome", args=[past.pk]),
            {"outcome": ContactOutcome.FAILED_UNACCEPTABLE, "next": "/diary/"},
        )
        assert response["Location"].startswith(reverse("record-decision", args=[case.sentence.pk]))

    def test_a_missing_outcome_is_named_and_an_outside_next_ignored(self, case):
        past = appointment(case, at=timezone.now() - dt.timedelta(hours=1))
        client = client_for(case.po)
        response = client.post(reverse("appointment-outcome", args=[past.pk]), {"outcome": ""})
        assert response.status_code == 200 and "Select" in response.content.decode()
        response = client.post(
            reverse("appointment-outcome", args=[past.pk]),
            {"outcome": ContactOutcome.ATTENDED_COMPLIED, "next": "https://evil.example/"},
        )
        assert response["Location"].startswith(reverse("person-detail", args=[case.person.pk]))

    def test_calendar_shows_the_week_and_bank_holidays(self, case):
        appointment(case, at=local_datetime(working_day(1), 14, 30))
        html = (
            client_for(case.po)
            .get(reverse("week"), {"view": "calendar", "week": "2026-05-25"})
            .content.decode()
        )
        assert "Bank holiday" in html  # Monday 25 May 2026
        html = unescape(
            client_for(case.po)
            .get(reverse("week"), {"view": "calendar", "week": working_day(1).isoformat()})
            .content.decode()
        )
        assert "2:30pm" in html and case.person.last_name in html

    def test_who_may_see_whose_diary(self, case):
        team = case.po.team
        url = reverse("week") + f"?staff={case.po.pk}"
        spo = staff(Grade.SPO, pdu=case.pdu)
        assert spo.team_id == team.pk
        assert client_for(spo).get(url).status_code == 200
        head = staff(Grade.HEAD_OF_PDU, pdu=case.pdu)
        assert client_for(head).get(url).status_code == 200
        other_team = TeamFactory(pdu=case.pdu)
        other_spo = staff(Grade.SPO, pdu=case.pdu, team=other_team)
        assert client_for(other_spo).get(url).status_code == 403
        colleague = staff(Grade.PO, pdu=case.pdu)
        assert client_for(colleague).get(url).status_code == 403
        analyst = staff(Grade.ANALYST)
        assert client_for(analyst).get(reverse("week")).status_code == 403
        assert client_for(spo).get(reverse("week") + "?staff=99999999").status_code == 404

    def test_bounded_queries_for_the_week(self, case):
        client = client_for(case.po)

        def count() -> int:
            with CaptureQueriesContext(connection) as captured:
                for view in ("list", "calendar"):
                    assert client.get(reverse("week"), {"view": view}).status_code == 200
            return len(captured.captured_queries)

        day = working_day(0) if working_day(0).weekday() < 4 else working_day(3)
        appointment(case, at=local_datetime(day, 16))
        few = count()
        for n in range(12):
            other = PersonFactory(pdu=case.pdu)
            sentence = SentenceFactory(person=other, requirements=[])
            Contact.objects.create(
                person=other,
                sentence=sentence,
                type=ContactType.HOME_VISIT,
                starts_at=local_datetime(day, 9, n),
                location="Home",
                recorded_by=case.po,
                with_staff=case.po,
            )
        assert count() == few


class TestRescheduleAndCancel:
    def test_reschedule_and_cancel_pages(self, case):
        booked = appointment(case, at=local_datetime(working_day(3), 10))
        client = client_for(case.po)
        url = reverse("reschedule-appointment", args=[booked.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"reason": "Clashes with work", **date_fields("starts_at", working_day(8), "11:00")}
        )
        assert "Select who asked for the change" in response.content.decode()
        response = client.post(
            url,
            {
                "reason": "Clashes with work",
                "requested_by": ChangeRequestedBy.PERSON,
                **date_fields("starts_at", working_day(8), "11:00"),
            },
        )
        assert response.status_code == 302
        booked.refresh_from_db()
        assert booked.outcome == ContactOutcome.RESCHEDULED
        new = booked.rescheduled_to
        response = client.post(reverse("cancel-appointment", args=[new.pk]), {"requested_by": "service"})
        assert "Enter the reason for cancelling" in response.content.decode()
        response = client.post(
            reverse("cancel-appointment", args=[new.pk]),
            {"requested_by": "service", "reason": "Office closed"},
        )
        assert response.status_code == 302
        new.refresh_from_db()
        assert new.outcome == ContactOutcome.CANCELLED

    def test_a_rescheduled_appointment_shows_on_the_timeline_with_who_asked_and_why(self, case):
        booked = appointment(case, at=local_datetime(working_day(3), 10))
        moved_to = local_datetime(working_day(8), 11)
        response = client_for(case.po).post(
            reverse("reschedule-appointment", args=[booked.pk]),
            {
                "reason": "Starts a new job that week",
                "requested_by": ChangeRequestedBy.PERSON,
                **date_fields("starts_at", moved_to.date(), "11:00"),
            },
        )
        assert response.status_code == 302
        page = client_for(case.po).get(reverse("person-detail", args=[case.person.pk])).content.decode()
        timeline = page[page.index('id="timeline"') :]
        old_at, new_at = date_time_text(booked.starts_at), date_time_text(moved_to)
        assert f"Rescheduled to {new_at} at the request of the person on probation" in timeline
        assert "Reason: Starts a new job that week" in timeline
        assert f"Rescheduled from {old_at}" in timeline
        # An analyst sees that it was moved and at whose request, to the month, but not the reason (free text).
        analyst = staff(Grade.ANALYST)
        page = client_for(analyst).get(
            reverse("person-detail", args=[record_token("person", case.person.pk)])
        )
        text = page.content.decode()
        assert page.status_code == 200
        assert f"Rescheduled to {moved_to:%B %Y} at the request of the person on probation" in text
        assert "Starts a new job" not in text
