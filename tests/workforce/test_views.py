"""The own-profile page: a staff member sees and updates their own answers (no JavaScript: a plain form), and
no one else can see an individual profile by any route: another member of staff, their managers, an HR
analyst, an administrator, a guessed URL or the API."""

import re

import pytest
from django.test import Client

from evenhand.org.models import Grade
from evenhand.workforce import services
from evenhand.workforce.models import Declaration
from tests.factories import StaffMemberFactory
from tests.workforce.test_pdu_figures import pdus  # noqa: F401  # the fixture

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


def rows_of(html: str, group: str) -> list[list[str]]:
    """The cells of every row of the page headed by the group (in each measure and summary table)."""
    rows = re.findall(
        rf'<th scope="row" class="govuk-table__header">{group}(?: \(flagged\))?</th>(.*?)</tr>', html, re.S
    )
    return [re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', row, re.S) for row in rows]


def test_the_hr_analyst_sees_no_count_of_a_group_under_the_smallest_compared(pdus):  # noqa: F811
    """PDU PWHA: 40 White PSOs (4 promoted) and 3 Black (1 promoted): the engine compares no group under 30, and
    an HR analyst, who sees aggregates only, sees no count of one either (a count of 3 colleagues and what
    happened to them), as the head of the PDU does not."""
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, with_user=True, team=None)
    html = client_for(hr).get("/workforce/?unit=pwha").content.decode()
    white, black = rows_of(html, "white"), rows_of(html, "black")
    assert white[0][:2] == ["40", "4"]  # the promotion table's counts, shown
    assert black and black[0][:2] == ["fewer than 30", "fewer than 30"]
    assert black[0][-1] == "fewer than 30: not shown"
    for cells in black:  # every table: no count of the three, nor of the one promoted
        assert not {"3", "1", "2"} & set(cells), cells
    representation = html[html.index('id="representation-table"') :]
    pso_black = re.search(r"<th[^>]*>PSO</th>\s*<td[^>]*>black</td>(.*?)</tr>", representation, re.S)
    assert pso_black and "fewer than 30" in pso_black.group(1) and ">3<" not in pso_black.group(1)
