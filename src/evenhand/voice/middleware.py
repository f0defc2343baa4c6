"""The reporter's pages are never tied to whoever is signed in on the same browser.

For every path under ``REPORTER_PREFIX`` the session and messages cookies are taken out of the request before
Django's session and authentication middleware see it: the page runs as an anonymous visitor, the signed-in
session is neither read nor saved nor touched, and nothing the page does can be written against the account.
The browser keeps its session cookie (a response here never sets or deletes it), so the member of staff is
still signed in on Evenhand's other pages. CSRF protection stays: Django's CSRF cookie is a random value kept
by the browser alone, not stored on the server and not linked to the account.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPORTER_PREFIX = "/voice/"


def is_reporter_path(path: str) -> bool:
    return path.startswith(REPORTER_PREFIX)


class ReporterAnonymityMiddleware:
    """Must come before SessionMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_reporter_path(request.path):
            for name in (settings.SESSION_COOKIE_NAME, getattr(settings, "MESSAGE_COOKIE_NAME", "messages")):
                request.COOKIES.pop(name, None)
        return self.get_response(request)
