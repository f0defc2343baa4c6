"""Mounted at ``api/v1/`` by the project's URLconf: the operations, ``openapi.json`` and ``docs``.

Anything else under ``api/v1/`` (an unknown URL, or a malformed reference that the ``ref`` converter does not
match) answers the API's JSON 404, not the web's HTML page.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from .api import api
from .routers.common import NOT_FOUND


# Exempt from CSRF, as the operations are (they check it themselves for sessions): it changes nothing, and
# otherwise a POST to a malformed path would meet Django's HTML 403 page before this 404.
@csrf_exempt
def no_such_url(request: HttpRequest, rest: str = "") -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND, "errors": {}}, status=404)


urlpatterns = [
    # Ninja's own root only raises Http404 (the web's HTML page); it stays in the list, shadowed, because
    # ninja reverses its name to find where the API is mounted.
    path("", no_such_url),
    path("", api.urls),
    # Any path at all, a newline in it too.
    re_path(r"^(?P<rest>[\s\S]*)$", no_such_url),
]
