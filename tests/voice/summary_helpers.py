"""Concerns written straight to the table for the summary's tests: the summary counts only the plain columns
(kind, region, days, outcome category, ratings, themes), so these skip the receipts' slow hashing. The
content is still a ciphertext, never plaintext."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from evenhand.org.models import Region
from evenhand.voice import crypto
from evenhand.voice.models import Concern, ConcernKind, FairnessRating, HandlerGroup, Status, Theme


def concerns(
    n: int,
    *,
    kind: ConcernKind,
    region: Region | None,
    group: HandlerGroup,
    received: dt.date,
    acknowledged_after: int | None = 3,
    closed_after: int | None = None,
    category: str = "",
    rating: dict[str, int] | None = None,
    themes: tuple[Theme, ...] = (),
) -> list[Concern]:
    """``n`` concerns alike: received on ``received``, acknowledged and closed that many days later."""
    key = crypto.new_key()
    rows = []
    for _ in range(n):
        closed_on = received + dt.timedelta(days=closed_after) if closed_after is not None else None
        fields: dict[str, Any] = {
            "reference": "VC-" + secrets.token_hex(4).upper(),
            "kind": kind,
            "region": region,
            "group": group,
            "anonymous": True,
            "received_on": received,
            "acknowledge_by": received + dt.timedelta(days=7),
            "feedback_by": received + dt.timedelta(days=91),
            "acknowledged_on": received + dt.timedelta(days=acknowledged_after)
            if acknowledged_after is not None
            else None,
            "closed_on": closed_on,
            "status": Status.CLOSED if closed_on else Status.ACKNOWLEDGED,
            "outcome_category": category if closed_on else "",
            "outcome": crypto.seal_text(key, "outcome") if closed_on else None,
            "lookup_tag": secrets.token_hex(32),
            "receipt_hash": "x",
            "reporter_salt": crypto.new_salt(),
            "reporter_kdf_ops": 1,
            "reporter_kdf_mem": 8192,
            "reporter_wrapped_key": crypto.seal(key, key),
            "group_wrapped_key": crypto.seal_to(group.public_key, key),
            "content": crypto.seal(key, b"{}"),
        }
        rows.append(Concern(**fields))
    made = Concern.objects.bulk_create(rows)
    for concern in made:
        if themes:
            concern.themes.set(themes)
        if rating is not None and concern.closed_on is not None:
            FairnessRating.objects.create(concern=concern, rated_on=concern.closed_on, **rating)
    return made
