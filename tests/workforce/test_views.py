"""The own-profile page: a staff member sees and updates their own answers (no JavaScript: a plain form), and
no one else can see an individual profile by any route: another member of staff, their managers, an HR
analyst, an administrator, a guessed URL or the API."""

import pytest
from django.test import Client

from evenhand.org.models import Grade
from evenhand.workforce import services
from evenhand.workforce.models import Declaration
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db
PAGE = "/my-equality-profile/"


def answers_shown(html: str) -> str:
    """The "Your answers now" list and the history (the form lists every possible answer)."""
    return html[html.index('id="answers"') :]


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


@pytest.fixture
def po():
    po = StaffMemberFactory(grade=Grade.PO, with_user=True, first_name="Priya", last_name="Marker")
    services.declare(by=po, staff=po, answers={"ethnicity": "A3", "religion": "sikh", "caring": "children"})
    return po


def test_the_page_explains_why_and_who_sees_what_and_shows_the_answers(po):
    page = client_for(po).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Why we ask" in html and "Who sees what" in html
    assert "Only you can see or change your answers" in html
    assert "Asian: Indian" in answers_shown(html) and "Sikh" in answers_shown(html)
    assert "Not declared" in answers_shown(html)
    # A plain form: it posts without JavaScript.
    assert '<form method="post"' in html


def test_an_update_supersedes_and_keeps_the_history(po):
    response = client_for(po).post(PAGE, {"ethnicity": "A3", "religion": "prefer_not_to_say", "sex": "F"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert Declaration.objects.filter(staff=po).count() == 5
    html = client_for(po).get(PAGE).content.decode()
    shown = answers_shown(html)
    assert "Prefer not to say" in shown and "Sikh" in shown[shown.index('id="history"') :]


def test_an_unknown_answer_is_refused_on_the_form_and_nothing_is_written(po):
    response = client_for(po).post(PAGE, {"ethnicity": "ZZ", "sex": "F"})
    assert response.status_code == 200
    assert "Ethnicity" in response.content.decode() and "govuk-error-summary" in response.content.decode()
    assert Declaration.objects.filter(staff=po).count() == 3


@pytest.mark.parametrize(
    "grade", [Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU, Grade.HR_ANALYST, Grade.ADMIN, Grade.ANALYST]
)
def test_anyone_else_sees_only_their_own_profile(po, grade):
    # Managers of the same team included: the SPO and head of PDU are in po's management line.
    other = StaffMemberFactory(
        grade=grade, with_user=True, team=po.team if grade != Grade.HR_ANALYST else None
    )
    client = client_for(other)
    html = client.get(PAGE).content.decode()
    assert "Priya" not in html
    assert "Asian: Indian" not in answers_shown(html) and "Sikh" not in answers_shown(html)
    assert answers_shown(html).count("Not declared") == 8
    # Posting changes their own profile, never po's, whatever is added to the request.
    client.post(f"{PAGE}?staff={po.pk}", {"ethnicity": "W1", "staff": po.pk, "staff_code": po.staff_code})
    assert Declaration.objects.filter(staff=po, characteristic="ethnicity").get().value == "A3"
    assert Declaration.objects.filter(staff=other, characteristic="ethnicity").get().value == "W1"
    for guess in (
        f"/my-equality-profile/{po.pk}/",
        f"/equality-profile/{po.pk}/",
        f"/staff/{po.staff_code}/equality-profile/",
        f"/workforce/staff/{po.pk}/",
        f"/admin/workforce/declaration/{po.pk}/change/",
        "/admin/",
        f"/api/v1/workforce/profiles/{po.pk}",
        f"/api/v1/workforce/staff/{po.staff_code}",
        f"/api/v1/staff/{po.staff_code}/equality-profile",
    ):
        response = client.get(guess)
        assert response.status_code in (401, 403, 404), guess
        assert "Priya" not in response.content.decode()


def test_signed_out_the_page_asks_to_sign_in(po):
    response = Client().get(PAGE)
    assert response.status_code == 302 and "Asian" not in response.content.decode()


def test_the_hr_analyst_sees_figures_and_no_names(po):
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, with_user=True, team=None)
    page = client_for(hr).get("/workforce/?characteristic=sex&unit=nowhere")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="declaration-rates"' in html and "Priya" not in html and "Marker" not in html
    assert "There is no region or PDU with staff and the code NOWHERE" in html
    below = client_for(hr).get("/workforce/").content.decode()
    assert "a breakdown is shown only where at least 60%" in below


@pytest.mark.parametrize("grade", [Grade.PO, Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.ADMIN])
def test_only_hr_analysts_open_the_figures(grade):
    assert client_for(StaffMemberFactory(grade=grade, with_user=True)).get("/workforce/").status_code == 403
