"""Risk of serious harm reviews (history kept, next review within six months) and registrations (never
overlapping), through the services."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evenhand.cases import services as cases
from evenhand.cases.models import (
    COMPLEXITY_FACTORS,
    Registration,
    RegistrationReview,
    RegistrationType,
    RiskSummary,
)
from evenhand.cases.selectors import current_risk, risk_history
from evenhand.org.models import Grade
from evenhand.people.models import Exclusion
from tests.cases.test_views import client_for
from tests.factories import StaffMemberFactory, today

pytestmark = pytest.mark.django_db

D = dt.date


def message(caught: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    (text,) = caught.value.message_dict[field]
    return text


def review(by: Any, person: Any, **overrides: Any) -> RiskSummary:
    fields: dict[str, Any] = {
        "assessed_on": D(2025, 5, 1),
        "rosh_children": "L",
        "rosh_public": "M",
        "rosh_known_adult": "H",
        "rosh_staff": "L",
        "next_review_due": D(2025, 11, 1),
        "review_reason": "scheduled",
        "tier": "B2",
        "tier_source": "national",
    }
    return cases.record_risk_review(by=by, person=person, **(fields | overrides))


class TestRiskReview:
    def test_recorded_with_the_overall_level_the_highest_of_the_four(self, po, person):
        stored = RiskSummary.objects.get(pk=review(po, person).pk)
        assert (stored.rosh, stored.rosh_known_adult, stored.next_review_due) == ("H", "H", D(2025, 11, 1))
        assert (stored.tier, stored.tier_source, stored.review_reason, stored.recorded_by) == (
            "B2",
            "national",
            "scheduled",
            po,
        )

    def test_an_overall_level_that_is_not_the_highest_is_refused(self, po, person):
        with pytest.raises(ValidationError) as caught:
            review(po, person, rosh="M")
        assert message(caught, "rosh") == "The overall level is the highest of the four: high"
        assert RiskSummary.objects.count() == 0

    @pytest.mark.parametrize("due", [D(2025, 11, 2), D(2025, 5, 1), D(2025, 4, 30)])
    def test_the_next_review_is_within_six_months(self, po, person, due):
        with pytest.raises(ValidationError) as caught:
            review(po, person, next_review_due=due)
        assert "within 6 months of it (by 1 November 2025)" in message(caught, "next_review_due")
        assert RiskSummary.objects.count() == 0

    def test_sooner_on_a_significant_change(self, po, person):
        soon = review(po, person, review_reason="significant_change", next_review_due=D(2025, 5, 15))
        assert soon.next_review_due == D(2025, 5, 15)

    @pytest.mark.parametrize("field", ["rosh_children", "rosh_public", "rosh_known_adult", "rosh_staff"])
    def test_each_of_the_four_levels_is_needed(self, po, person, field):
        with pytest.raises(ValidationError) as caught:
            review(po, person, **{field: ""})
        assert message(caught, field).startswith("Choose the risk of serious harm to")

    @pytest.mark.parametrize(
        ("category", "level", "field"), [(2, None, "mappa_level"), (None, 1, "mappa_category")]
    )
    def test_mappa_category_and_level_together(self, po, person, category, level, field):
        with pytest.raises(ValidationError) as caught:
            review(po, person, mappa_category=category, mappa_level=level)
        assert field in caught.value.message_dict
        assert review(po, person, mappa_category=2, mappa_level=2).mappa_level == 2

    def test_the_tier_source_and_reason_are_needed(self, po, person):
        for field in ("tier_source", "review_reason"):
            with pytest.raises(ValidationError) as caught:
                review(po, person, **{field: ""})
            assert field in caught.value.message_dict

    def test_a_review_in_the_future_is_refused(self, po, person):
        with pytest.raises(ValidationError) as caught:
            review(
                po,
                person,
                assessed_on=today() + dt.timedelta(days=1),
                next_review_due=today() + dt.timedelta(days=30),
            )
        assert "today or in the past" in message(caught, "assessed_on")

    def test_history_is_kept_and_the_latest_is_current(self, po, person):
        first = review(po, person)
        second = review(
            po, person, assessed_on=D(2025, 8, 1), next_review_due=D(2026, 1, 1), rosh_known_adult="V"
        )
        assert current_risk(person) == second
        assert list(risk_history(person)) == [second, first]
        first.refresh_from_db()
        assert first.rosh == "H"  # the earlier review is untouched

    def test_refused_to_another_pdu_an_analyst_and_an_excluded_practitioner(self, pdu, person):
        excluded = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
        Exclusion.objects.create(person=person, staff=excluded, reason="A relative")
        for who in (StaffMemberFactory(grade=Grade.PO), StaffMemberFactory(grade=Grade.ANALYST), excluded):
            with pytest.raises(PermissionDenied):
                review(who, person)
        assert RiskSummary.objects.count() == 0


def register(by: Any, person: Any, **overrides: Any) -> Registration:
    fields: dict[str, Any] = {
        "type": RegistrationType.DOMESTIC_ABUSE,
        "start_date": D(2025, 3, 1),
        "next_review_date": D(2025, 9, 1),
    }
    return cases.add_registration(by=by, person=person, **(fields | overrides))


class TestRegistrations:
    def test_added(self, po, person):
        registration = register(po, person, notes="MARAC referral")
        stored = Registration.objects.get(pk=registration.pk)
        assert (stored.type, stored.start_date, stored.end_date, stored.recorded_by) == (
            "domestic_abuse",
            D(2025, 3, 1),
            None,
            po,
        )
        assert not stored.is_complexity_factor

    def test_the_tier_complexity_factors(self):
        assert len(COMPLEXITY_FACTORS) == 10
        assert RegistrationType.STREET_GANGS in COMPLEXITY_FACTORS
        assert RegistrationType.DOMESTIC_ABUSE not in COMPLEXITY_FACTORS

    def test_an_open_registration_of_the_same_type_overlaps(self, po, person):
        register(po, person)
        with pytest.raises(ValidationError) as caught:
            register(po, person, start_date=D(2025, 6, 1), next_review_date=D(2025, 12, 1))
        assert (
            "already registered for domestic abuse perpetrator from 1 March 2025 and still open"
            in message(caught, "start_date")
        )
        assert Registration.objects.count() == 1

    def test_another_type_may_run_alongside(self, po, person):
        register(po, person)
        assert register(po, person, type=RegistrationType.CHILD_PROTECTION).pk

    def test_an_ended_registration_overlaps_only_on_its_days(self, po, person):
        first = register(po, person)
        cases.end_registration(by=po, registration=first, end_date=D(2025, 6, 30), reason="Risk reduced")
        with pytest.raises(ValidationError) as caught:
            register(po, person, start_date=D(2025, 6, 30), next_review_date=D(2025, 12, 1))
        assert "to 30 June 2025" in message(caught, "start_date")
        # Starting earlier and running on would cover the ended one's days too.
        with pytest.raises(ValidationError):
            register(po, person, start_date=D(2025, 1, 1), next_review_date=D(2025, 6, 1))
        assert register(po, person, start_date=D(2025, 7, 1), next_review_date=D(2025, 12, 1)).pk

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"next_review_date": D(2025, 3, 1)}, "next_review_date"),
            ({"next_review_date": D(2026, 3, 2)}, "next_review_date"),
            ({"start_date": D(1980, 1, 1)}, "start_date"),
            ({"type": "astrology"}, "type"),
            ({"notes": "a\x00b"}, "notes"),
        ],
    )
    def test_bad_registrations_are_refused(self, po, person, changes, field):
        with pytest.raises(ValidationError) as caught:
            register(po, person, **changes)
        assert field in caught.value.message_dict
        assert Registration.objects.count() == 0

    def test_a_review_is_kept_and_sets_the_next(self, po, person):
        registration = register(po, person)
        first = cases.review_registration(
            by=po, registration=registration, reviewed_on=D(2025, 8, 20), next_review_date=D(2026, 2, 20)
        )
        registration.refresh_from_db()
        assert registration.next_review_date == D(2026, 2, 20)
        assert list(RegistrationReview.objects.values_list("pk", flat=True)) == [first.pk]

    @pytest.mark.parametrize(
        ("reviewed_on", "next_review", "field"),
        [
            (D(2025, 2, 1), D(2025, 9, 1), "reviewed_on"),
            (D(2025, 8, 20), D(2025, 8, 20), "next_review_date"),
            (D(2025, 8, 20), D(2026, 8, 21), "next_review_date"),
        ],
    )
    def test_bad_reviews_are_refused(self, po, person, reviewed_on, next_review, field):
        registration = register(po, person)
        with pytest.raises(ValidationError) as caught:
            cases.review_registration(
                by=po, registration=registration, reviewed_on=reviewed_on, next_review_date=next_review
            )
        assert field in caught.value.message_dict
        assert RegistrationReview.objects.count() == 0

    def test_ending(self, po, person):
        registration = register(po, person)
        with pytest.raises(ValidationError) as caught:
            cases.end_registration(by=po, registration=registration, end_date=D(2025, 2, 1), reason="Done")
        assert "end_date" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            cases.end_registration(by=po, registration=registration, end_date=D(2025, 6, 1), reason=" ")
        assert "reason" in caught.value.message_dict
        ended = cases.end_registration(
            by=po, registration=registration, end_date=D(2025, 6, 1), reason="Done"
        )
        assert (ended.end_date, ended.end_reason, ended.ended_by) == (D(2025, 6, 1), "Done", po)
        with pytest.raises(ValidationError) as caught:
            cases.end_registration(by=po, registration=registration, end_date=D(2025, 6, 2), reason="Again")
        assert message(caught, "registration") == "This registration has ended"
        with pytest.raises(ValidationError):
            cases.review_registration(
                by=po, registration=registration, reviewed_on=D(2025, 6, 2), next_review_date=D(2025, 9, 1)
            )

    def test_refused_to_another_pdu_an_analyst_and_an_excluded_practitioner(self, po, pdu, person):
        registration = register(po, person)
        excluded = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
        Exclusion.objects.create(person=person, staff=excluded, reason="A relative")
        for who in (StaffMemberFactory(grade=Grade.PO), StaffMemberFactory(grade=Grade.ANALYST), excluded):
            with pytest.raises(PermissionDenied):
                register(who, person, type=RegistrationType.HATE_CRIME)
            with pytest.raises(PermissionDenied):
                cases.end_registration(
                    by=who, registration=registration, end_date=D(2025, 6, 1), reason="Done"
                )
        assert Registration.objects.count() == 1


class TestMappaRecordedOnBothSides:
    """MAPPA category and level live on the risk review, the time on the register as a MAPPA registration; the
    person page says when the two disagree."""

    NO_REGISTRATION = "no open MAPPA registration"
    NO_LEVEL = "records no MAPPA category and level"

    @staticmethod
    def page(viewer: Any, person: Any) -> str:
        response = client_for(viewer).get(reverse("person-detail", args=[person.pk]))
        assert response.status_code == 200
        return response.content.decode()

    def test_a_review_with_mappa_and_no_registration_is_flagged_until_registered(self, pdu, person):
        po = StaffMemberFactory(grade=Grade.PO, pdu=pdu, with_user=True)
        review(po, person, mappa_category=2, mappa_level=2)
        assert self.NO_REGISTRATION in self.page(po, person)
        register(po, person, type=RegistrationType.MAPPA)
        text = self.page(po, person)
        assert self.NO_REGISTRATION not in text and self.NO_LEVEL not in text

    def test_an_open_registration_without_mappa_on_the_review_is_flagged(self, pdu, person):
        po = StaffMemberFactory(grade=Grade.PO, pdu=pdu, with_user=True)
        review(po, person)
        register(po, person, type=RegistrationType.MAPPA)
        text = self.page(po, person)
        assert self.NO_LEVEL in text and self.NO_REGISTRATION not in text
