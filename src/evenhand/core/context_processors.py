from typing import Any

from django.http import HttpRequest


def staff(request: HttpRequest) -> dict[str, Any]:
    """The signed-in member of staff, for the header and navigation."""
    user = getattr(request, "user", None)
    return {"staff": getattr(user, "staff", None) if user is not None and user.is_authenticated else None}
