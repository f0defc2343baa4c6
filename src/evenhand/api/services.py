"""Issuing and revoking API tokens. A token is shown once, when issued; only its hash is kept."""

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.services import require_text
from evenhand.org.models import StaffMember

from .models import ApiToken, hash_token

PREFIX_LENGTH = 8


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # The bearer token itself. It is not stored anywhere: give it to the caller now or never.
    raw: str


@transaction.atomic
def issue_api_token(*, staff: StaffMember, name: str) -> IssuedToken:
    """Issue a bearer token that acts as this member of staff, with their permissions and nothing more."""
    name = require_text(name, "name", "a name for the token")
    if staff.end_date is not None and staff.end_date < timezone.localdate():
        raise ValidationError({"staff": "This member of staff has left"})
    raw = secrets.token_urlsafe(32)
    token = ApiToken(staff=staff, name=name[:100], prefix=raw[:PREFIX_LENGTH], key_hash=hash_token(raw))
    token.full_clean()
    token.save()
    return IssuedToken(token, raw)


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> ApiToken:
    """Stop a token working from now on. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
