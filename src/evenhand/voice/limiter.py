"""Rate-limiting receipt guesses without keeping anything that identifies the guesser.

Two counters per 15-minute window, in the cache (never the database), expiring with the window: one for
everyone together, and one per bucket of a keyed 12-bit tag of the caller's address (``crypto.
limiter_bucket``: with 4,096 buckets, a bucket stands for thousands of addresses and cannot be turned back
into one). A receipt has about 90 bits, so guessing is hopeless anyway; the limits stop a flood of attempts
from costing the server (each check runs Argon2id twice) and make guessing visible.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from . import crypto

WINDOW_SECONDS = 15 * 60


class TooManyAttempts(Exception):
    MESSAGE = "There have been too many attempts to open a concern. Wait 15 minutes and try again."


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "VOICE_RECEIPT_ATTEMPTS_PER_BUCKET", 20)),
        int(getattr(settings, "VOICE_RECEIPT_ATTEMPTS_OVERALL", 500)),
    )


def count_submission(address: str) -> None:
    """Count one concern raised; ``TooManyAttempts`` past either limit (a flood of concerns, each costing
    two Argon2id computations, is refused like a flood of guesses). Counted the same way: bucket and window."""
    window = int(time.time()) // WINDOW_SECONDS
    per_bucket = int(getattr(settings, "VOICE_SUBMISSIONS_PER_BUCKET", 20))
    overall = int(getattr(settings, "VOICE_SUBMISSIONS_OVERALL", 500))
    bucket = _count(f"voice:raise:{window}:{crypto.limiter_bucket(address)}")
    everyone = _count(f"voice:raise:{window}:all")
    if bucket > per_bucket or everyone > overall:
        raise TooManyAttempts(SUBMISSION_MESSAGE)


SUBMISSION_MESSAGE = "Too many concerns have been sent in the last few minutes. Wait 15 minutes and try again; what you wrote is still on this page."


def _count(key: str) -> int:
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def count_attempt(address: str) -> None:
    """Count one attempt to open a concern; ``TooManyAttempts`` past either limit."""
    window = int(time.time()) // WINDOW_SECONDS
    per_bucket, overall = _limits()
    bucket = _count(f"voice:receipt:{window}:{crypto.limiter_bucket(address)}")
    everyone = _count(f"voice:receipt:{window}:all")
    if bucket > per_bucket or everyone > overall:
        raise TooManyAttempts()


UNLOCK_MESSAGE = "Too many wrong passphrases. Wait 15 minutes and try again."


def _unlock_key(staff_id: int) -> str:
    return f"voice:unlock:{int(time.time()) // WINDOW_SECONDS}:{staff_id}"


def check_unlock(staff_id: int) -> None:
    """``TooManyAttempts`` once a handler has given too many wrong passphrases in this window. A handler is
    signed in, so this limit may be per person; only failures count, so the API can send the passphrase
    on every call."""
    if (cache.get(_unlock_key(staff_id)) or 0) >= int(getattr(settings, "VOICE_UNLOCK_FAILURES", 10)):
        raise TooManyAttempts(UNLOCK_MESSAGE)


def count_failed_unlock(staff_id: int) -> None:
    _count(_unlock_key(staff_id))
