"""A page with a form on every row masks the CSRF token once (core.context_processors.csrf_once), and the token
it writes is still accepted."""

import re

from django.middleware.csrf import CsrfViewMiddleware
from django.template import engines
from django.test import RequestFactory


def _render(source: str, request) -> str:
    return engines["jinja2"].from_string(source).render({}, request)


def test_every_use_on_a_page_writes_the_same_masked_token():
    request = RequestFactory().get("/")
    html = _render("{% for n in range(5) %}{{ csrf_input }}{% endfor %}|{{ csrf_token }}", request)
    fields = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(fields) == 5
    # Django's backend alone masks afresh at each use: five different values.
    assert len(set(fields)) == 1
    assert html.rsplit("|", 1)[1] == fields[0]


def test_the_token_written_once_is_accepted():
    page = RequestFactory().get("/")
    html = _render("{{ csrf_input }}", page)
    token = re.search(r'value="([^"]+)"', html).group(1)
    secret_cookie = page.META["CSRF_COOKIE"]

    post = RequestFactory().post("/", {"csrfmiddlewaretoken": token})
    post.COOKIES["csrftoken"] = secret_cookie
    middleware = CsrfViewMiddleware(lambda r: None)
    middleware.process_request(post)
    assert middleware.process_view(post, lambda r: None, (), {}) is None  # None: accepted


def test_a_page_rendered_without_a_request_has_no_token():
    assert _render("[{{ csrf_input }}]", None) == "[]"
