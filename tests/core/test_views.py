"""The web shell: signing in and out, lockout, the security headers, health check and error pages."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from evenhand.org.models import PDU, Grade, Region, StaffMember, Team

PASSWORD = "a-long-enough-test-password"
SIGN_IN = "/sign-in/"

pytestmark = pytest.mark.django_db


def make_staff(username: str, grade: Grade, first_name: str = "Priya", last_name: str = "Okafor") -> User:
    """A user with a staff record; PDU grades are put in a team."""
    user = User.objects.create_user(username=username, password=PASSWORD)
    team = None
    if grade in (Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU):
        region, _ = Region.objects.get_or_create(code="NW", defaults={"name": "North West"})
        pdu, _ = PDU.objects.get_or_create(
            code="MCN", defaults={"name": "Manchester North", "region": region}
        )
        team, _ = Team.objects.get_or_create(
            code="MCN-1", defaults={"name": "Manchester North 1", "pdu": pdu}
        )
    StaffMember.objects.create(
        user=user,
        staff_code=f"S-{username}",
        first_name=first_name,
        last_name=last_name,
        grade=grade,
        team=team,
        start_date=dt.date(2020, 1, 6),
    )
    return user


@pytest.fixture
def po() -> User:
    return make_staff("po", Grade.PO)


@pytest.fixture
def admin_user() -> User:
    return make_staff("admin", Grade.ADMIN, first_name="Sam", last_name="Reid")


def sign_in(client: Client, username: str, password: str, **extra: str):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- signing in ----------------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_and_comes_back_after(client: Client) -> None:
    response = client.get("/search/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/search/"


def test_sign_in_page_is_a_gov_uk_form(client: Client) -> None:
    response = client.get("/sign-in/?next=/search/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in \N{EN DASH} Evenhand</title>" in html
    assert 'class="govuk-input govuk-!-width-two-thirds" id="id_username" name="username"' in html
    assert 'id="id_password" name="password" type="password"' in html
    assert '<input type="hidden" name="next" value="/search/">' in html
    assert "govuk-error-summary" not in html


def test_correct_password_signs_in_and_goes_to_my_cases(client: Client, po: User) -> None:
    response = sign_in(client, "po", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("my-cases")
    assert client.session["_auth_user_id"] == str(po.pk)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/search/", "/search/"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
    ],
)
def test_sign_in_returns_only_to_pages_on_this_site(
    client: Client, po: User, next_url: str, expected: str
) -> None:
    response = sign_in(client, "po", PASSWORD, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_wrong_password_shows_error_summary_linked_to_the_form(client: Client, po: User) -> None:
    response = sign_in(client, "po", "not-the-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert not signed_in(client)
    assert "<title>Error: Sign in \N{EN DASH} Evenhand</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert re.search(r'<a href="#id_username"[^>]*>\s*Enter a correct username and password\s*</a>', html)
    # The username is kept; the password is never sent back.
    assert 'name="username" type="text" spellcheck="false" value="po"' in html
    assert "not-the-password" not in html


def test_empty_sign_in_links_each_missing_field(client: Client) -> None:
    response = sign_in(client, "", "")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<a href="#id_username"[^>]*>\s*Enter your username\s*</a>', html)
    assert re.search(r'<a href="#id_password"[^>]*>\s*Enter your password\s*</a>', html)
    assert html.count("govuk-form-group--error") == 2
    assert 'id="id_username-error"' in html


def test_signed_in_visitor_is_not_shown_the_sign_in_form(client: Client, po: User) -> None:
    client.force_login(po)
    response = client.get("/sign-in/?next=/search/")
    assert response.status_code == 302
    assert response["Location"] == "/search/"


# --- lockout -------------------------------------------------------------------------------------------------


def test_account_locks_after_five_failures_even_for_the_right_password(client: Client, po: User) -> None:
    for _ in range(4):
        assert sign_in(client, "po", "wrong-password").status_code == 200
    fifth = sign_in(client, "po", "wrong-password")
    assert fifth.status_code == 429
    assert "Your account is locked" in fifth.content.decode()
    assert "try again in 15 minutes" in fifth.content.decode()

    response = sign_in(client, "po", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_failures_for_one_account_do_not_lock_another(client: Client, po: User, admin_user: User) -> None:
    for _ in range(5):
        sign_in(client, "po", "wrong-password")
    response = sign_in(client, "admin", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


# --- Content-Security-Policy ---------------------------------------------------------------------------------


def test_content_security_policy_allows_inline_script_only_with_this_responses_nonce(client: Client) -> None:
    response = client.get(SIGN_IN)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9+/=]+)'", directives["script-src"])
    assert nonce, directives["script-src"]
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy

    # Every script on the page (the js-enabled snippet and the module that starts GOV.UK Frontend) carries it.
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert len(scripts) >= 2
    assert all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts), scripts

    # A fresh nonce for every response.
    assert client.get(SIGN_IN)["Content-Security-Policy"] != policy


def test_page_loads_gov_uk_and_moj_frontend(client: Client) -> None:
    html = client.get(SIGN_IN).content.decode()
    assert '<link rel="stylesheet" href="/assets/govuk/govuk-frontend.min.css">' in html
    assert '<link rel="stylesheet" href="/assets/moj/moj-frontend.min.css">' in html
    assert 'import { initAll as initGovukFrontend } from "/assets/govuk/govuk-frontend.min.js";' in html
    assert 'import { initAll as initMojFrontend } from "/assets/moj/moj-frontend.min.js";' in html


# --- signing out ---------------------------------------------------------------------------------------------


def test_sign_out_needs_a_post(client: Client, po: User) -> None:
    client.force_login(po)
    response = client.get("/sign-out/")
    assert response.status_code == 405
    assert signed_in(client)


def test_sign_out_ends_the_session_and_says_so(client: Client, po: User) -> None:
    client.force_login(po)
    response = client.post("/sign-out/", follow=True)
    assert response.redirect_chain == [("/sign-in/", 302)]
    assert not signed_in(client)
    html = response.content.decode()
    assert "govuk-notification-banner--success" in html
    assert "You have signed out" in html
    assert client.get("/search/")["Location"] == "/sign-in/?next=/search/"


# --- header and error pages ----------------------------------------------------------------------------------


def test_header_shows_who_is_signed_in_and_their_navigation(client: Client, po: User) -> None:
    client.force_login(po)
    html = client.get("/no-such-page/").content.decode()
    assert "Priya Okafor" in html
    assert f'action="{reverse("sign-out")}"' in html
    assert f'href="{reverse("my-cases")}"' in html
    assert f'href="{reverse("person-search")}"' in html
    assert reverse("access-log") not in html  # administrators only


def test_administrators_see_the_access_log_link(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    html = client.get("/no-such-page/").content.decode()
    assert "Sam Reid" in html
    assert f'href="{reverse("access-log")}"' in html


def test_page_not_found_is_a_gov_uk_page(client: Client, po: User) -> None:
    client.force_login(po)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found \N{EN DASH} Evenhand</title>" in html
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html


def test_permission_denied_is_a_gov_uk_page(client: Client, po: User) -> None:
    client.force_login(po)
    response = client.get(reverse("access-log"))
    assert response.status_code == 403
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">You do not have permission to see this page</h1>' in html
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize(
    ("grade", "shown", "hidden"),
    [
        ("analyst", ["equality-dashboard"], ["my-cases", "person-search"]),
        ("inspector", ["person-search", "equality-dashboard"], ["my-cases"]),
        ("admin", ["person-search", "access-log"], ["my-cases"]),
        ("po", ["my-cases", "person-search"], ["access-log"]),
    ],
)
def test_navigation_shows_only_links_the_role_can_use(
    client: Client, grade: str, shown: list, hidden: list
) -> None:
    """Analysts were shown "My cases" and "Search", which only refused them (issue 13 item 4)."""
    from evenhand.org.models import Grade
    from tests.factories import StaffMemberFactory

    staff = StaffMemberFactory(grade=getattr(Grade, grade.upper()), with_user=True)
    client.force_login(staff.user)
    html = client.get("/no-such-page/").content.decode()
    nav = html[
        html.index("govuk-service-navigation") : html.index("</nav>", html.index("govuk-service-navigation"))
    ]
    for name in shown:
        assert f'href="{reverse(name)}"' in nav, name
    for name in hidden:
        assert f'href="{reverse(name)}"' not in nav, name
