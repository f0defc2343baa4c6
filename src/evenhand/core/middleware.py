from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

# Paths anyone may open without signing in; the API authenticates with its own tokens.
PUBLIC_PREFIXES = ("/sign-in", "/assets/", "/api/", "/healthz", "/favicon.ico")


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
