from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Paths anyone may open without signing in; the API authenticates with its own tokens.
# /voice/ is the safe voice reporter's pages, which must work without signing in (and never see who is).
# /metrics answers only scrapers it knows (evenhand.core.metrics), signed in or not.
PUBLIC_PREFIXES = ("/sign-in", "/assets/", "/api/", "/healthz", "/metrics", "/favicon.ico", "/voice/")


class LoginRequiredMiddleware:
    """Everything in the web UI needs a signed-in member of staff.

    Django's own LoginRequiredMiddleware would also catch the API, which authenticates with bearer tokens.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


# Static assets (WhiteNoise serves them with long-lived, public caching) hold no one's data.
CACHEABLE_PREFIXES = ("/assets/", "/favicon.ico")


class NeverCacheMiddleware:
    """Tell browsers and proxies not to keep any page, export or API response (``Cache-Control: no-store``).

    Nearly every response shows a person, and one left in a shared computer's cache or a proxy outlives the
    access check that let it out; static assets are the exception.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(CACHEABLE_PREFIXES):
            add_never_cache_headers(response)
        return response
