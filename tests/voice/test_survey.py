"""The anonymous staff survey: one response per token, answers that cannot be joined to anyone, results that
suppress cells under 10 and survive an attack on the totals."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from evenhand.disclosure import audit, ranges
from evenhand.org.models import Grade, Region, StaffMember
from evenhand.voice import crypto, surveys
from evenhand.voice.models import (
    Survey,
    SurveyEthnicGroup,
    SurveyResponse,
    SurveyToken,
    SurveyTokenIssue,
)
from tests.factories import RegionFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db

ANSWERS = {
    "safe_to_raise": 2,
    "complaint_handled": 4,
    "manager_understands": 5,
    "fair_progression": 3,
    "complaint_satisfied": None,
}


def open_survey() -> Survey:
    today = surveys.today()
    return surveys.create_survey(
        title="Staff survey 2026",
        opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=10),
    )


def close(survey: Survey) -> None:
    today = surveys.today()
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=today - dt.timedelta(days=40), closes_on=today - dt.timedelta(days=1)
    )
    survey.refresh_from_db()


def staff() -> StaffMember:
    return StaffMemberFactory(with_user=True)


# --- tokens and responses ----------------------------------------------------------------------------------


def test_a_token_answers_once_and_is_stored_only_as_a_keyed_hash() -> None:
    survey = open_survey()
    token = surveys.issue_token(survey=survey, staff=staff())
    stored = SurveyToken.objects.get()
    assert stored.tag == crypto.survey_token_tag(token) and token not in stored.tag
    assert not stored.spent
    surveys.submit_response(survey=survey, token=token, answers=ANSWERS)
    assert SurveyResponse.objects.count() == 1
    assert SurveyToken.objects.get().spent
    with pytest.raises(ValidationError) as refused:
        surveys.submit_response(survey=survey, token=token, answers=ANSWERS)
    assert refused.value.message_dict == {"token": [surveys.TOKEN_REFUSED]}
    assert SurveyResponse.objects.count() == 1


def test_one_token_per_person_per_survey() -> None:
    survey, other = open_survey(), open_survey()
    person = staff()
    surveys.issue_token(survey=survey, staff=person)
    with pytest.raises(ValidationError, match="already taken your token"):
        surveys.issue_token(survey=survey, staff=person)
    assert SurveyToken.objects.filter(survey=survey).count() == 1
    surveys.issue_token(survey=other, staff=person)  # another survey: a token of its own
    assert SurveyTokenIssue.objects.filter(staff=person).count() == 2


@pytest.mark.parametrize(
    "token",
    ["ABCDE-FGHJK-LMNPQ-RSTUV", "not a token", ""],
    ids=["unknown", "malformed", "empty"],
)
def test_a_response_without_a_valid_token_is_refused_and_nothing_is_written(token: str) -> None:
    survey = open_survey()
    surveys.issue_token(survey=survey, staff=staff())
    with pytest.raises(ValidationError) as refused:
        surveys.submit_response(survey=survey, token=token, answers=ANSWERS)
    assert "token" in refused.value.message_dict
    assert not SurveyResponse.objects.exists()
    assert not SurveyToken.objects.filter(spent=True).exists()


def test_a_token_for_another_survey_is_refused() -> None:
    survey, other = open_survey(), open_survey()
    token = surveys.issue_token(survey=other, staff=staff())
    with pytest.raises(ValidationError):
        surveys.submit_response(survey=survey, token=token, answers=ANSWERS)
    assert not SurveyResponse.objects.exists()
    surveys.submit_response(survey=other, token=token.lower().replace("-", " "), answers=ANSWERS)
    assert SurveyResponse.objects.filter(survey=other).count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"safe_to_raise": 6},
        {"complaint_handled": 0},
        {"manager_understands": None},
        {"fair_progression": "x"},
        {"complaint_satisfied": 9},
    ],
    ids=["above", "below", "missing", "not-a-number", "optional-out-of-range"],
)
def test_an_answer_out_of_range_is_refused_with_nothing_written_and_the_token_unspent(
    bad: dict[str, Any],
) -> None:
    survey = open_survey()
    token = surveys.issue_token(survey=survey, staff=staff())
    with pytest.raises(ValidationError) as refused:
        surveys.submit_response(survey=survey, token=token, answers={**ANSWERS, **bad})
    assert set(refused.value.message_dict) == set(bad)
    assert not SurveyResponse.objects.exists()
    assert not SurveyToken.objects.get().spent
    surveys.submit_response(survey=survey, token=token, answers=ANSWERS)  # the token still works


def test_bad_ethnic_group_or_grade_is_refused() -> None:
    survey = open_survey()
    token = surveys.issue_token(survey=survey, staff=staff())
    for field in ("ethnic_group", "grade"):
        with pytest.raises(ValidationError) as refused:
            surveys.submit_response(survey=survey, token=token, answers=ANSWERS, **{field: "martian"})
        assert field in refused.value.message_dict
    assert not SurveyResponse.objects.exists()


def test_closed_survey_refuses_tokens_and_answers() -> None:
    survey = open_survey()
    token = surveys.issue_token(survey=survey, staff=staff())
    close(survey)
    with pytest.raises(ValidationError, match="not open"):
        surveys.submit_response(survey=survey, token=token, answers=ANSWERS)
    with pytest.raises(ValidationError, match="not open"):
        surveys.issue_token(survey=survey, staff=staff())
    assert not SurveyResponse.objects.exists()


# --- nothing joins a response to a person ------------------------------------------------------------------


def _columns(model: type) -> set[str]:
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return {column.name for column in described}


def test_the_token_tables_and_the_answers_share_no_column_but_the_survey_and_hold_no_time() -> None:
    issues, tokens, answers = _columns(SurveyTokenIssue), _columns(SurveyToken), _columns(SurveyResponse)
    assert issues & tokens == {"id", "survey_id"}
    assert issues & answers == {"id", "survey_id"}
    assert tokens & answers == {"id", "survey_id"}
    # No staff, session, token or user in the answers; no token in the list of who took one.
    assert not {c for c in answers if any(w in c for w in ("staff", "user", "session", "token", "tag"))}
    assert not {c for c in issues if any(w in c for w in ("token", "tag", "response", "answer"))}
    # No date or time anywhere but the survey's own.
    for model in (SurveyTokenIssue, SurveyToken, SurveyResponse):
        for field in model._meta.concrete_fields:
            assert field.get_internal_type() not in ("DateField", "DateTimeField", "TimeField"), field
        assert not any(
            f.is_relation and f.related_model in (SurveyToken, SurveyTokenIssue)
            for f in model._meta.concrete_fields
            if model is not SurveyTokenIssue
        )


def test_the_ids_of_tokens_and_answers_are_random_so_their_order_joins_nothing() -> None:
    survey = open_survey()
    people = [staff() for _ in range(6)]
    tokens = [surveys.issue_token(survey=survey, staff=p) for p in people]
    for token in tokens:
        surveys.submit_response(survey=survey, token=token, answers=ANSWERS)
    issue_order = list(SurveyTokenIssue.objects.order_by("id").values_list("staff_id", flat=True))
    assert issue_order == [p.pk for p in people]  # the issue list's order is the order people came
    token_ids = list(SurveyToken.objects.values_list("id", flat=True))
    response_ids = list(SurveyResponse.objects.values_list("id", flat=True))
    assert all(len(str(i)) == 36 for i in token_ids + response_ids)  # UUIDs, not sequences
    assert SurveyResponse.objects.count() == SurveyToken.objects.filter(spent=True).count() == 6


# --- the pages ---------------------------------------------------------------------------------------------


def test_take_a_token_then_answer_without_the_session() -> None:
    survey = open_survey()
    region = RegionFactory()
    person = staff()
    client = Client()
    client.force_login(person.user)
    listing = client.get("/staff-survey/")
    assert (
        listing.status_code == 200
        and f'action="/staff-survey/{survey.pk}/token/"' in listing.content.decode()
    )
    assert client.get(f"/staff-survey/{survey.pk}/token/").status_code == 405
    page = client.post(f"/staff-survey/{survey.pk}/token/")
    assert page.status_code == 200
    token = page.content.decode().split('id="survey-token">')[1].split("<")[0]
    again = client.post(f"/staff-survey/{survey.pk}/token/")
    assert again.status_code == 400 and b"already taken your token" in again.content
    assert (
        token not in again.content.decode()
        and "Answer the survey" in client.get("/staff-survey/").content.decode()
    )
    # The survey page runs without the session even with the signed-in cookie sent.
    form = client.get(f"/voice/survey/{survey.pk}/")
    assert form.status_code == 200 and not form.wsgi_request.user.is_authenticated
    # The token page's button opens the form with the token filled in, checking nothing and spending nothing.
    started = client.post(f"/voice/survey/{survey.pk}/", {"token": token, "start": "1"})
    assert started.status_code == 200 and f'value="{token}"' in started.content.decode()
    assert b"There is a problem" not in started.content and not SurveyToken.objects.get().spent
    data = {
        **{k: str(v) for k, v in ANSWERS.items() if v},
        "complaint_satisfied": "",
        "token": token,
        "ethnic_group": "black",
        "grade": "PO",
        "region": region.code,
    }
    sent = client.post(f"/voice/survey/{survey.pk}/", data)
    assert sent.status_code == 200 and b"Your answers have been sent" in sent.content
    response = SurveyResponse.objects.get()
    assert (response.ethnic_group, response.grade, response.region_id) == ("black", "PO", region.pk)
    refused = client.post(f"/voice/survey/{survey.pk}/", data)
    assert refused.status_code == 400 and surveys.TOKEN_REFUSED.encode() in refused.content
    assert SurveyResponse.objects.count() == 1


def test_an_out_of_range_answer_on_the_page_names_the_field() -> None:
    survey = open_survey()
    token = surveys.issue_token(survey=survey, staff=staff())
    data = {**{k: str(v) for k, v in ANSWERS.items() if v}, "safe_to_raise": "7", "token": token}
    page = Client().post(f"/voice/survey/{survey.pk}/", data)
    assert page.status_code == 400 and b"Choose an answer from strongly disagree" in page.content
    assert not SurveyResponse.objects.exists() and not SurveyToken.objects.get().spent


def test_results_wait_for_the_survey_to_close_and_need_signing_in() -> None:
    survey = open_survey()
    client = Client()
    assert client.get(f"/staff-survey/{survey.pk}/results/").status_code == 302  # to sign in
    client.force_login(staff().user)
    page = client.get(f"/staff-survey/{survey.pk}/results/")
    assert page.status_code == 200 and b"published when the survey closes" in page.content
    assert client.get("/staff-survey/999999/results/").status_code == 404


# --- results -----------------------------------------------------------------------------------------------


def _respond(
    survey: Survey,
    count: int,
    *,
    region: Region | None,
    ethnic_group: str,
    grade: str,
    agree_every: int = 2,
    rng: random.Random,
) -> None:
    for i in range(count):
        values = {q: (5 if i % agree_every == 0 else rng.choice([1, 2, 3])) for q in SurveyResponse.QUESTIONS}
        values["complaint_satisfied"] = None if i % 3 else values["complaint_satisfied"]
        SurveyResponse.objects.create(
            survey=survey, region=region, ethnic_group=ethnic_group, grade=grade, **values
        )


@pytest.fixture
def closed_results() -> surveys.SurveyResults:
    rng = random.Random(7)
    survey = open_survey()
    north, south = RegionFactory(name="North"), RegionFactory(name="South")
    # Large groups, and a small one: 3 Black respondents, all in the North and POs.
    for (region, group, grade), count in {
        (north, "white", "PO"): 30,
        (south, "white", "PSO"): 25,
        (north, "asian", "PO"): 14,
        (south, "asian", "PSO"): 12,
        (north, "black", "PO"): 3,
    }.items():
        _respond(survey, count, region=region, ethnic_group=group, grade=grade, rng=rng)
    close(survey)
    results = surveys.survey_results(survey)
    assert results is not None
    return results


def test_results_suppress_every_count_under_10_and_the_auditor_passes(
    closed_results: surveys.SurveyResults,
) -> None:
    protection = closed_results.protection
    cells = protection.cells
    assert protection.audit.passed
    assert audit(cells, protection.hidden, surveys.RULES).passed
    shown = ~protection.hidden & ~cells.implied
    assert not np.any(shown & (cells.values >= 1) & (cells.values < 10))
    assert protection.is_hidden(("responses", "ethnic_group", SurveyEthnicGroup.BLACK))
    # And on the page: every shown figure is 0, 10 or more, or [c].
    for question in closed_results.questions:
        for breakdown in question.breakdowns:
            for row in breakdown.rows:
                for figure in (row.responses, row.agreeing):
                    assert figure == "[c]" or int(figure) == 0 or int(figure) >= 10, (question.name, row)
    black = next(
        row for row in closed_results.questions[0].breakdowns[1].rows if row.label.startswith("Black")
    )
    assert (black.responses, black.agreeing, black.percent) == ("[c]", "[c]", "[c]")


def test_an_attack_on_the_totals_cannot_recover_a_suppressed_cell(
    closed_results: surveys.SurveyResults,
) -> None:
    protection = closed_results.protection
    cells = protection.cells
    known = ~protection.hidden & ~cells.implied
    low, high, _ = ranges(cells, known, cells.values.astype(np.float64))
    black = cells.index[("responses", "ethnic_group", SurveyEthnicGroup.BLACK)]
    assert high[black] - cells.values[black] >= 10 and low[black] <= 1
    # The naive attack: a total less its shown parts. Each dimension hides none of its parts or two or more.
    for key in cells.keys:
        if key[0] == "responses" and key[1] != "all":
            siblings = [k for k in cells.keys if k[0] == "responses" and k[1] == key[1]]
            hidden = [k for k in siblings if protection.is_hidden(k)]
            assert len(hidden) != 1, hidden


def test_without_secondary_suppression_the_auditor_recovers_the_cell(
    closed_results: surveys.SurveyResults,
) -> None:
    # The attack must be able to succeed: with only the primary cells hidden, it does.
    protection = closed_results.protection
    findings = audit(protection.cells, protection.primary, surveys.RULES).findings
    assert findings
    assert any("black" in protection.cells.describe(f.cell) for f in findings)


def test_wilson_intervals_on_a_shown_row(closed_results: surveys.SurveyResults) -> None:
    overall = closed_results.questions[0].breakdowns[0].rows[0]
    assert overall.responses == "84"
    assert overall.percent.endswith("%") and " to " in overall.interval
    low, high = (float(x.rstrip("%")) for x in overall.interval.split(" to "))
    assert low < float(overall.percent.rstrip("%")) < high


def test_the_results_page_renders_suppressed_cells(closed_results: surveys.SurveyResults) -> None:
    client = Client()
    client.force_login(staff().user)
    page = client.get(f"/staff-survey/{closed_results.survey.pk}/results/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "[c]" in text and "84 responses" in text
    listing = client.get("/staff-survey/")
    assert listing.status_code == 200 and "Read the results" in listing.content.decode()


def test_grades_and_groups_have_every_level() -> None:
    dims = dict((name, levels) for name, _, levels in surveys.dimensions([]))
    assert {code for code, _ in dims["grade"]} == {*Grade.values, surveys.NOT_GIVEN}
    assert {code for code, _ in dims["ethnic_group"]} == {*SurveyEthnicGroup.values, surveys.NOT_GIVEN}
    assert list(itertools.chain(dims["all"])) == [("all", "All respondents")]


def test_the_command_creates_a_survey_and_refuses_a_backwards_one() -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "voice_survey", "Staff survey 2027", "--opens", "2027-01-10", "--closes", "2027-02-07", stdout=out
    )
    assert Survey.objects.get().closes_on == dt.date(2027, 2, 7)
    with pytest.raises(CommandError, match="closes on or after"):
        call_command("voice_survey", "Backwards", "--opens", "2027-02-10", "--closes", "2027-01-07")
    with pytest.raises(CommandError, match="not a date"):
        call_command("voice_survey", "Bad", "--opens", "soon", "--closes", "2027-01-07")
    assert Survey.objects.count() == 1


def test_a_table_the_auditor_refuses_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from evenhand.disclosure import DisclosureError

    survey = open_survey()
    close(survey)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DisclosureError("the auditor narrowed a count")

    monkeypatch.setattr(surveys, "protect", refuse)
    client = Client()
    client.force_login(staff().user)
    page = client.get(f"/staff-survey/{survey.pk}/results/")
    assert page.status_code == 200
    assert b"cannot be published safely" in page.content and b"[c]" not in page.content


def test_answering_while_signed_in_leaves_nothing_that_links(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from django.conf import settings

    from evenhand.audit.models import AccessLogEntry
    from tests.voice.test_anonymity import every_row, snapshot

    survey = open_survey()
    member = staff()
    client = Client()
    client.force_login(member.user)
    session_key = client.session.session_key
    token = client.post(f"/staff-survey/{survey.pk}/token/").content.decode()
    token = token.split('id="survey-token">')[1].split("<")[0]
    before, before_rows = snapshot(), {(t, repr(sorted(v.items()))) for t, v in every_row()}
    access_log = AccessLogEntry.objects.count()
    caplog.set_level(logging.DEBUG)
    address, browser = "203.0.113.77", "PlantedBrowser/9.9"
    data = {**{k: str(v) for k, v in ANSWERS.items() if v}, "token": token, "grade": "PO"}
    sent = client.post(f"/voice/survey/{survey.pk}/", data, REMOTE_ADDR=address, HTTP_USER_AGENT=browser)
    assert sent.status_code == 200 and b"Your answers have been sent" in sent.content
    after = snapshot()
    changed = {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}
    assert changed == {"voice_surveyresponse": 1}, changed
    assert AccessLogEntry.objects.count() == access_log
    new_rows = [(t, v) for t, v in every_row() if (t, repr(sorted(v.items()))) not in before_rows]
    # The response, and the token now spent: nothing else was written or changed.
    assert sorted(t for t, _ in new_rows) == ["voice_surveyresponse", "voice_surveytoken"]
    identifiers = [address, browser, member.staff_code, member.user.username, session_key, token]
    for table, values in new_rows:
        for identifier in identifiers:
            assert identifier not in repr(values), (table, identifier)
    response = next(v for t, v in new_rows if t == "voice_surveyresponse")
    assert set(response) == {
        "id",
        "survey_id",
        *SurveyResponse.QUESTIONS,
        "ethnic_group",
        "grade",
        "region_id",
    }
    assert client.session.session_key == session_key and settings.SESSION_COOKIE_NAME not in sent.cookies
    assert member.full_name not in sent.content.decode()
    for record in caplog.records:
        message = record.getMessage()
        assert address not in message and browser not in message and "/voice/" not in message
