"""Who takes part in the staff survey: the service's staff, in any grade; not inspectors, who are outside the
service (they read the results when a survey closes)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from evenhand.org.models import Grade
from evenhand.voice import surveys
from evenhand.voice.models import SurveyToken, SurveyTokenIssue
from tests.factories import StaffMemberFactory

from .test_survey import close, open_survey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "grade", [Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU, Grade.ADMIN, Grade.ANALYST]
)
def test_the_service_s_staff_take_a_token_in_any_grade(grade: str) -> None:
    survey = open_survey()
    member = StaffMemberFactory(with_user=True, grade=grade)
    assert surveys.normalise_token(surveys.issue_token(survey=survey, staff=member))


def test_an_inspector_takes_no_token_and_nothing_is_written() -> None:
    survey = open_survey()
    inspector = StaffMemberFactory(with_user=True, grade=Grade.INSPECTOR)
    with pytest.raises(ValidationError, match="inspectors do not take part"):
        surveys.issue_token(survey=survey, staff=inspector)
    assert not SurveyTokenIssue.objects.exists() and not SurveyToken.objects.exists()
    client = Client()
    client.force_login(inspector.user)
    listing = client.get("/staff-survey/").content.decode()
    assert "Take my token" not in listing and "inspectors read the results" in listing
    refused = client.post(f"/staff-survey/{survey.pk}/token/")
    assert refused.status_code == 400 and "inspectors do not take part" in refused.content.decode()
    assert not SurveyToken.objects.exists()
    close(survey)
    assert "Read the results" in client.get("/staff-survey/").content.decode()
