from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html


def staff(request: HttpRequest) -> dict[str, Any]:
    """The signed-in member of staff, for the header and navigation."""
    user = getattr(request, "user", None)
    return {"staff": getattr(user, "staff", None) if user is not None and user.is_authenticated else None}


def csrf_once(request: HttpRequest) -> dict[str, Any]:
    """The CSRF field and token, masked once per page. Django's Jinja2 backend masks the token afresh wherever a
    template writes it (32 random characters each time), which a page with a form on every row (the diary's
    "Record outcome") paid for in every row. One masked token serves the whole page: any masking of the secret
    is accepted, and the page already holds it once."""
    token = SimpleLazyObject(lambda: get_token(request))
    field = SimpleLazyObject(
        lambda: format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', str(token))
    )
    return {"csrf_input": field, "csrf_token": token}
