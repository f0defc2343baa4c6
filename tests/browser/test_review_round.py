"""A case review round in headless Debian Chromium, end to end: the head of PDU sets up a round (unit,
period, sample size, strata, seed), sees the draw by stratum before confirming it, confirms it and gives its
cases to a reviewer of another team; the reviewer opens their queue and reviews the case blind, key question
by key question (submitting early is refused), and submits; the head reads the round's estimates and its
report."""

import datetime as dt
from typing import Any

import pytest

from evenhand.org.models import Grade
from evenhand.review.models import Review, ReviewRound, ReviewStatus, RoundStatus
from evenhand.review.services import load_question_sets
from tests.browser.conftest import PASSWORD
from tests.factories import StaffMemberFactory, TeamFactory, names, today
from tests.review.conftest import unit  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What would say who the person is, besides their name and CRN: their ethnic group, in any form.
GROUP_WORDS = ("White", "Black", "Asian", "Mixed", "Caribbean", "Pakistani")


def sign_in(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")


def fill_date(page: Any, name: str, day: dt.date) -> None:
    page.fill(f"input[name='{name}-day']", str(day.day))
    page.fill(f"input[name='{name}-month']", str(day.month))
    page.fill(f"input[name='{name}-year']", str(day.year))


def shows_the_person(text: str, people: list) -> list[str]:
    """What of the people's identity a page shows: a name or CRN, or an ethnic group's word."""
    named = [p.crn for p in people if names(text, p) or p.first_name in text]
    return named + [word for word in GROUP_WORDS if word in text]


def test_a_head_of_pdu_runs_a_round_that_a_reviewer_marks_blind(live_server, browser_page, unit):  # noqa: F811
    load_question_sets()  # the transactional test flushed what the data migration stored
    head = StaffMemberFactory(
        grade=Grade.HEAD_OF_PDU, pdu=unit["pdu"], with_user=True, user__password=PASSWORD
    )
    reviewer = StaffMemberFactory(
        grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"]), with_user=True, user__password=PASSWORD
    )
    page = browser_page
    base = live_server.url

    # The head sets the round up; a sample larger than the population is refused on the field.
    sign_in(page, base, head.user.username)
    page.goto(f"{base}/reviews/rounds/")
    page.select_option("#id_kind", "case")
    fill_date(page, "period_start", today() - dt.timedelta(days=90))
    fill_date(page, "period_end", today() - dt.timedelta(days=1))
    page.fill("#id_sample_size", "500")
    page.fill("#id_minimum_per_stratum", "0")
    page.select_option("#id_strata", "ethnic_group")
    page.fill("#id_double_mark_share", "0")
    page.fill("#id_seed", "20261203")
    page.click("button:has-text('Draw the sample')")
    page.wait_for_selector(".govuk-error-summary")
    assert "larger than the population of 24" in page.inner_text(".govuk-error-summary")
    assert not ReviewRound.objects.exists()
    page.fill("#id_sample_size", "1")
    page.click("button:has-text('Draw the sample')")

    # The draw, seen before confirming: each group's cases and how many were drawn, nobody named.
    page.wait_for_selector("#strata")
    drawn = ReviewRound.objects.get()
    assert (drawn.status, drawn.seed, drawn.population, drawn.strata) == (
        "drawn",
        20261203,
        24,
        "ethnic_group",
    )
    rows = [r.split("\t") for r in page.inner_text("#strata tbody").splitlines()]
    assert sum(int(r[3]) for r in rows) == 1 and sum(int(r[2].split()[0]) for r in rows) == 24
    assert any("(none in the period)" in r[2] for r in rows)  # a group with no cases: reported
    assert not page.is_visible("#assign")  # no reviewers before the draw is confirmed
    assert not [p for p in unit["people"] if names(page.content(), p)]
    page.click("button:has-text('Confirm the sample')")
    page.wait_for_selector("#assign")
    drawn.refresh_from_db()
    assert drawn.status == RoundStatus.CONFIRMED
    assert not page.is_visible("button:has-text('Confirm the sample')")

    # Nobody chosen: refused on the field, nothing assigned; then the reviewer of another team.
    page.click("button:has-text('Assign the cases')")
    page.wait_for_selector(".govuk-error-summary")
    assert "Select at least one reviewer" in page.inner_text(".govuk-error-summary")
    assert not Review.objects.exists()
    page.check(f"input[name='reviewers'][value='{reviewer.pk}']")
    page.click("button:has-text('Assign the cases')")
    page.wait_for_selector(".govuk-notification-banner")
    assert "1 reviews assigned" in page.inner_text(".govuk-notification-banner")
    review = Review.objects.get()
    assert review.reviewer == reviewer
    sampled = review.sampled
    assert sampled.practitioner is None or sampled.practitioner.team_id != reviewer.team_id

    # The reviewer's queue and the case, blind.
    sign_in(page, base, reviewer.user.username)
    page.goto(f"{base}/reviews/")
    page.click(f"a[href='/reviews/{review.pk}/']")
    page.wait_for_selector("#key-questions")
    assert shows_the_person(page.inner_text("main"), [sampled.person]) == []
    # Submitting before every key question is answered: refused, with what is left.
    page.click("button:has-text('Submit the review')")
    page.wait_for_selector(".govuk-error-summary")
    assert "Answer every prompt before submitting" in page.inner_text(".govuk-error-summary")
    assert Review.objects.get().status == ReviewStatus.IN_PROGRESS
    numbers = [line.split()[0] for line in page.inner_text("#key-questions").splitlines() if line.strip()]
    numbers = [n for n in numbers if n[:1].isalpha() and n[1:].isdigit()]
    assert numbers
    page.click(f"#key-questions a:has-text('{numbers[0]}')")
    for number in numbers:
        page.wait_for_selector(f"h1:has-text('{number}')")
        assert shows_the_person(page.inner_text("main"), [sampled.person]) == []
        for radio in page.query_selector_all("input[type='radio'][value='sufficient']"):
            radio.check()
        if number == numbers[0]:
            # The first prompt of the first key question judged not sufficient, with the reason.
            page.check("input[type='radio'][value='not_sufficient'] >> nth=0")
            page.fill("textarea >> nth=0", "No analysis of the factors linked to offending")
        page.click("button:has-text('Save and continue')")
    page.wait_for_selector("#key-questions")
    assert "Not answered" not in page.inner_text("#key-questions")
    assert "Not sufficient" in page.inner_text("#key-questions")
    page.click("button:has-text('Submit the review')")
    page.wait_for_selector("h1:has-text('Your case reviews')")
    assert "Submitted" in page.inner_text("table")
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED

    # The head reads the round's results and its report.
    sign_in(page, base, head.user.username)
    page.goto(f"{base}/reviews/rounds/{drawn.pk}/")
    page.wait_for_selector("#results")
    results = page.inner_text("#results")
    assert numbers[0] in results and "0%" in results  # the first key question: not sufficient
    page.click('a:has-text("The round\'s report")')
    page.wait_for_selector("h1")
    report = page.inner_text("main")
    assert numbers[0] in report and "1 of 1" in report.replace("\u00a0", " ")
    assert not [p for p in unit["people"] if names(page.content(), p)]
    # The browser logs only the two refusals' answers (400), nothing else (a CSP violation, say).
    assert [e for e in page.console_errors if "status of 400" not in e] == []
