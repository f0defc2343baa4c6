"""Booking, rescheduling and cancelling appointments; a weekly series over a bank holiday; the outcome recorded
from a booked appointment; requirement progress read from the outcomes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evenhand.cases import agenda
from evenhand.cases.models import Contact, ContactOutcome, ContactType, RequirementType
from evenhand.cases.models.contact import ChangeRequestedBy, ContactMode
from evenhand.cases.services import record_contact_outcome
from evenhand.cases.services.appointments import (
    book_appointment,
    book_series,
    cancel_appointment,
    reschedule_appointment,
    series_times,
)
from evenhand.core.calendar import is_working_day
from evenhand.org.models import Grade
from tests.factories import SentenceFactory, StaffMemberFactory, local_datetime, today

pytestmark = pytest.mark.django_db


def working_day(after_days: int) -> dt.date:
    day = today() + dt.timedelta(days=after_days)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def sentence(person):
    return SentenceFactory(
        person=person,
        requirements=[
            {"type": RequirementType.UNPAID_WORK, "unpaid_work_hours": 60},
            {"type": RequirementType.RAR},
        ],
    )


def upw(sentence):
    return sentence.requirements.get(type=RequirementType.UNPAID_WORK)


def book(sentence, by, **kwargs) -> Contact:
    arguments = {
        "type": ContactType.OFFICE_APPOINTMENT,
        "starts_at": local_datetime(working_day(3), 10),
        "location": "Leeds probation office",
        **kwargs,
    }
    return book_appointment(by=by, sentence=sentence, **arguments)


class TestBook:
    def test_books_with_whom_how_and_what_it_counts_towards(self, sentence, po, pso):
        contact = book(
            sentence,
            po,
            type=ContactType.UNPAID_WORK,
            duration_minutes=420,
            requirement=upw(sentence),
            with_staff=pso,
            location="Community garden",
        )
        contact.refresh_from_db()
        assert contact.outcome == "" and contact.with_staff == pso and contact.recorded_by == po
        assert contact.requirement == upw(sentence) and contact.duration_minutes == 420
        assert contact.mode == ContactMode.IN_PERSON

    def test_with_the_booker_unless_another_is_named(self, sentence, po):
        assert book(sentence, po).with_staff == po

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"starts_at": timezone.now() - dt.timedelta(hours=1)}, "starts_at", "in the future"),
            ({"location": ""}, "location", "Enter where the appointment is held"),
            ({"type": ContactType.PHONE}, "mode", "held by telephone"),
            (
                {"type": ContactType.UNPAID_WORK, "duration_minutes": 240},
                "requirement",
                "Select the unpaid work",
            ),
            ({"mode": "carrier pigeon"}, "mode", "Select how the appointment is held"),
        ],
    )
    def test_refuses_bad_bookings_by_field(self, sentence, po, change, field, message):
        with pytest.raises(ValidationError) as error:
            book(sentence, po, **change)
        assert any(message in m for m in error.value.message_dict[field]), error.value.message_dict
        assert not Contact.objects.exists()

    def test_unpaid_work_needs_its_length_and_the_right_requirement(self, sentence, po):
        with pytest.raises(ValidationError) as error:
            book(sentence, po, type=ContactType.UNPAID_WORK, requirement=upw(sentence))
        assert "duration_minutes" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            book(sentence, po, type=ContactType.OFFICE_APPOINTMENT, requirement=upw(sentence))
        assert "Only a unpaid work session counts" in error.value.message_dict["type"][0]
        other = SentenceFactory(person=sentence.person)
        with pytest.raises(ValidationError) as error:
            book(sentence, po, type=ContactType.UNPAID_WORK, duration_minutes=60, requirement=upw(other))
        assert error.value.message_dict["requirement"] == ["Select a requirement of this sentence"]

    def test_not_on_a_bank_holiday(self, person, po):
        sentence = SentenceFactory(
            person=person, start_date=dt.date(2026, 1, 1), expected_end_date=dt.date(2031, 1, 1)
        )
        christmas = local_datetime(dt.date(2030, 12, 25), 10)
        with pytest.raises(ValidationError) as error:
            book(sentence, po, starts_at=christmas)
        assert error.value.message_dict["starts_at"] == [
            "25 December 2030 is a bank holiday: choose another day"
        ]

    def test_not_after_the_sentence(self, person, po):
        sentence = SentenceFactory(
            person=person, start_date=today() - dt.timedelta(days=30), expected_end_date=working_day(2)
        )
        with pytest.raises(ValidationError) as error:
            book(sentence, po, starts_at=local_datetime(working_day(10), 10))
        assert "after the sentence is expected to end" in error.value.message_dict["starts_at"][0]

    def test_analyst_and_strangers_refused(self, sentence):
        analyst = StaffMemberFactory(grade=Grade.ANALYST)
        with pytest.raises(PermissionDenied):
            book(sentence, analyst)
        elsewhere = StaffMemberFactory(grade=Grade.PO)  # another PDU
        with pytest.raises(PermissionDenied):
            book(sentence, elsewhere)


class TestSeries:
    def test_weekly_series_skips_bank_holidays_and_still_books_the_number(self):
        # Mondays from 4 May 2026: 4 May and 25 May are bank holidays.
        times, skipped = series_times(local_datetime(dt.date(2026, 4, 27), 9), 4)
        assert [timezone.localdate(t) for t in times] == [
            dt.date(2026, 4, 27),
            dt.date(2026, 5, 11),
            dt.date(2026, 5, 18),
            dt.date(2026, 6, 1),
        ]
        assert skipped == [dt.date(2026, 5, 4), dt.date(2026, 5, 25)]
        # Same wall-clock time across the change to summer time (29 March 2026).
        times, _ = series_times(local_datetime(dt.date(2026, 3, 24), 9), 2)
        assert [timezone.localtime(t).hour for t in times] == [9, 9]

    def test_books_all_or_none(self, sentence, po):
        first = local_datetime(working_day(3), 9)
        booked = book_series(
            by=po,
            sentence=sentence,
            type=ContactType.UNPAID_WORK,
            starts_at=first,
            occurrences=5,
            duration_minutes=420,
            requirement=upw(sentence),
            location="Community garden",
        )
        assert len(booked.contacts) == 5
        assert Contact.objects.filter(requirement=upw(sentence), outcome="").count() == 5
        short = SentenceFactory(
            person=sentence.person,
            start_date=today() - dt.timedelta(days=10),
            expected_end_date=working_day(20),
        )
        with pytest.raises(ValidationError) as error:
            book_series(
                by=po,
                sentence=short,
                type=ContactType.OFFICE_APPOINTMENT,
                starts_at=first,
                occurrences=10,
                location="Office",
            )
        assert "cannot be booked after the sentence" in error.value.message_dict["occurrences"][0]
        assert Contact.objects.filter(sentence=short).count() == 0

    @pytest.mark.parametrize("n", [1, 53])
    def test_number_of_occurrences(self, sentence, po, n):
        with pytest.raises(ValidationError) as error:
            book_series(
                by=po,
                sentence=sentence,
                type=ContactType.OFFICE_APPOINTMENT,
                starts_at=local_datetime(working_day(3), 9),
                occurrences=n,
                location="Office",
            )
        assert "from 2 to 52" in error.value.message_dict["occurrences"][0]


class TestRescheduleAndCancel:
    def test_reschedule_keeps_the_old_one_with_who_asked_and_why(self, sentence, po, pso):
        old = book(
            sentence, po, type=ContactType.UNPAID_WORK, duration_minutes=420, requirement=upw(sentence)
        )
        new = reschedule_appointment(
            by=po,
            contact=old,
            starts_at=local_datetime(working_day(10), 14),
            requested_by=ChangeRequestedBy.PERSON,
            reason="Job interview that morning",
            with_staff=pso,
        )
        old.refresh_from_db()
        assert old.outcome == ContactOutcome.RESCHEDULED and old.outcome_recorded_by == po
        assert old.change_requested_by == ChangeRequestedBy.PERSON
        assert old.change_reason == "Job interview that morning"
        assert new.rescheduled_from == old and new.outcome == "" and new.with_staff == pso
        assert (new.type, new.requirement, new.duration_minutes, new.location) == (
            old.type,
            old.requirement,
            old.duration_minutes,
            old.location,
        )

    def test_reschedule_needs_who_and_why_and_a_future_time(self, sentence, po):
        old = book(sentence, po)
        later = local_datetime(working_day(10), 14)
        cases = [
            ({"requested_by": "", "reason": "Ill"}, "requested_by"),
            ({"requested_by": ChangeRequestedBy.PERSON, "reason": " "}, "reason"),
            (
                {
                    "requested_by": ChangeRequestedBy.PERSON,
                    "reason": "Ill with flu",
                    "starts_at": timezone.now(),
                },
                "starts_at",
            ),
        ]
        for change, field in cases:
            with pytest.raises(ValidationError) as error:
                reschedule_appointment(by=po, contact=old, **{"starts_at": later, **change})
            assert field in error.value.message_dict
        old.refresh_from_db()
        assert old.outcome == "" and Contact.objects.count() == 1

    def test_an_appointment_that_has_started_cannot_be_moved_or_cancelled(self, sentence, po):
        past = Contact.objects.create(
            person=sentence.person,
            sentence=sentence,
            type=ContactType.OFFICE_APPOINTMENT,
            starts_at=timezone.now() - dt.timedelta(hours=2),
            location="Office",
            recorded_by=po,
            with_staff=po,
        )
        with pytest.raises(ValidationError) as error:
            cancel_appointment(by=po, contact=past, requested_by=ChangeRequestedBy.PERSON, reason="Forgot")
        assert "record what happened instead" in str(error.value)
        with pytest.raises(ValidationError):
            reschedule_appointment(
                by=po,
                contact=past,
                starts_at=local_datetime(working_day(3), 10),
                requested_by=ChangeRequestedBy.PERSON,
                reason="Forgot to come",
            )
        past.refresh_from_db()
        assert past.outcome == ""

    def test_cancel_once(self, sentence, po):
        contact = book(sentence, po)
        cancel_appointment(
            by=po, contact=contact, requested_by=ChangeRequestedBy.SERVICE, reason="Office closed"
        )
        contact.refresh_from_db()
        assert contact.outcome == ContactOutcome.CANCELLED and contact.change_reason == "Office closed"
        with pytest.raises(ValidationError) as error:
            cancel_appointment(by=po, contact=contact, requested_by=ChangeRequestedBy.SERVICE, reason="Again")
        assert "already recorded as cancelled" in str(error.value)

    def test_the_outcome_form_cannot_cancel(self, sentence, po):
        contact = book(sentence, po)
        Contact.objects.filter(pk=contact.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
        with pytest.raises(ValidationError) as error:
            record_contact_outcome(by=po, contact=contact, outcome=ContactOutcome.CANCELLED)
        assert "outcome" in error.value.message_dict


class TestProgressFromOutcomes:
    def test_only_attended_and_complied_counts(self, sentence, po):
        """Unpaid work of 60 hours: five 7-hour sessions booked. Attended and complied twice (14 hours), one
        rescheduled, one unacceptable absence, one attended but failed to comply: 14 hours done. RAR: two
        office appointments attended on one day and one on another, one acceptable absence: 2 days."""
        requirement = upw(sentence)
        rar = sentence.requirements.get(type=RequirementType.RAR)
        base = timezone.now() - dt.timedelta(days=30)
        outcomes = [
            ContactOutcome.ATTENDED_COMPLIED,
            ContactOutcome.ATTENDED_COMPLIED,
            ContactOutcome.RESCHEDULED,
            ContactOutcome.FAILED_UNACCEPTABLE,
            ContactOutcome.ATTENDED_FAILED_TO_COMPLY,
        ]
        for n, outcome in enumerate(outcomes):
            Contact.objects.create(
                person=sentence.person,
                sentence=sentence,
                type=ContactType.UNPAID_WORK,
                requirement=requirement,
                duration_minutes=420,
                starts_at=base + dt.timedelta(days=n),
                recorded_by=po,
                outcome=outcome,
                outcome_recorded_at=timezone.now(),
                outcome_recorded_by=po,
            )
        rar_days = [
            (base.replace(hour=9), ContactOutcome.ATTENDED_COMPLIED),
            (base.replace(hour=15), ContactOutcome.ATTENDED_COMPLIED),
            (base + dt.timedelta(days=2), ContactOutcome.ATTENDED_COMPLIED),
            (base + dt.timedelta(days=3), ContactOutcome.FAILED_ACCEPTABLE),
        ]
        for at, outcome in rar_days:
            Contact.objects.create(
                person=sentence.person,
                sentence=sentence,
                type=ContactType.OFFICE_APPOINTMENT,
                requirement=rar,
                starts_at=at,
                recorded_by=po,
                outcome=outcome,
                outcome_recorded_at=timezone.now(),
                outcome_recorded_by=po,
            )
        found = agenda.requirement_progress([sentence.pk], today())
        assert found[requirement.pk].done == Decimal("14.00")
        assert found[requirement.pk].remaining == Decimal("46.00")
        assert found[rar.pk].done == Decimal(2)
        assert found[rar.pk].ordered == Decimal(20)
