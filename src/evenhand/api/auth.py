"""Who is calling the API: a bearer token, or the signed-in session of someone using the web UI.

Either way the caller is a ``StaffMember``, set as ``request.auth``, and has exactly that member's permissions.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from evenhand.org.access import is_current
from evenhand.org.models import StaffMember

from .models import ApiToken, hash_token

# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``: the token's staff member, if the token is known and not revoked."""

    def authenticate(self, request: HttpRequest, token: str) -> StaffMember | None:
        api_token = (
            ApiToken.objects.select_related("staff__team", "staff__user")
            .filter(key_hash=hash_token(token.strip()), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not is_current(api_token.staff):
            # A token was offered and is no good: refuse outright rather than fall back to a session.
            raise AuthenticationError()
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token.staff


class StaffSession(SessionAuth):
    """The web UI's signed-in session. Ninja's SessionAuth checks the CSRF token on unsafe methods."""

    def __call__(self, request: HttpRequest) -> Any:
        # Without a signed-in user there is nothing to check CSRF for: answer 401, not a CSRF 403.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> StaffMember | None:
        user = request.user
        if not user.is_authenticated:
            return None
        staff = StaffMember.objects.select_related("team", "user").filter(user=user).first()
        if staff is None or not is_current(staff):
            return None
        return staff


def staff_of(request: HttpRequest) -> StaffMember:
    """The authenticated caller. Every operation requires authentication, so this is always set."""
    staff = getattr(request, "auth", None)
    if not isinstance(staff, StaffMember):
        raise AuthenticationError()
    return staff
