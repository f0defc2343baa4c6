"""The API's one error shape for the answer Django-ninja gives before any of its handlers runs."""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"


class MethodNotAllowedAsJson:
    """A method an API path does not take answers 405 with ninja's plain-text body; give it the API's shape,
    ``{"detail": …, "errors": {}}``, keeping the ``Allow`` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        plain = not response.get("Content-Type", "").startswith("application/json")
        if response.status_code == 405 and request.path.startswith(API_PREFIX) and plain:
            allowed = response.get("Allow", "")
            shaped = HttpResponse(
                json.dumps({"detail": f"This path takes {allowed or 'other methods'}.", "errors": {}}),
                status=405,
                content_type="application/json; charset=utf-8",
            )
            if allowed:
                shaped["Allow"] = allowed
            for header in ("Cache-Control", "Expires"):
                if header in response:
                    shaped[header] = response[header]
            return shaped
        return response
