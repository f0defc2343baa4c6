"""Receipts: 7 words drawn with ``secrets`` from the EFF's large word list (7,776 words, about 90 bits).

Only an Argon2id hash of a receipt is stored (argon2-cffi), with a keyed tag to find its concern
(``crypto.lookup_tag``). A receipt is read forgivingly: any case, any spaces, hyphens or full stops between
words; but each of the 7 must be a word of the list.
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings

WORDS_IN_RECEIPT = 7
WORD_LIST = Path(__file__).resolve().parent / "data" / "eff_large_wordlist.txt"


class MalformedReceipt(ValueError):
    """Not 7 words of the list."""


@cache
def words() -> tuple[str, ...]:
    listed = tuple(line.strip() for line in WORD_LIST.read_text().splitlines() if line.strip())
    if len(listed) != 7776 or len(set(listed)) != 7776:
        raise RuntimeError(f"{WORD_LIST} must hold 7,776 distinct words")
    return listed


@cache
def _word_set() -> frozenset[str]:
    return frozenset(words())


def new_receipt() -> str:
    return " ".join(secrets.choice(words()) for _ in range(WORDS_IN_RECEIPT))


def normalise(typed: str) -> str:
    """The receipt as stored and hashed: 7 lower-case words of the list, one space apart.

    Raises ``MalformedReceipt`` for anything else; the message says what a receipt looks like, never whether
    one exists."""
    parts = [p for p in re.split(r"[\s.,;]+", typed.strip().lower()) if p]
    if len(parts) != WORDS_IN_RECEIPT:
        raise MalformedReceipt(f"A receipt is {WORDS_IN_RECEIPT} words; you entered {len(parts)}.")
    known = _word_set()
    if any(part not in known for part in parts):
        raise MalformedReceipt("One or more of the words is not a receipt word. Check the spelling.")
    return " ".join(parts)


def hasher() -> PasswordHasher:
    """Argon2id at RFC 9106's low-memory setting (3 passes, 64 MiB, 4 lanes) unless the settings lower it."""
    return PasswordHasher(
        time_cost=getattr(settings, "VOICE_HASH_TIME_COST", 3),
        memory_cost=getattr(settings, "VOICE_HASH_MEMORY_KIB", 65536),
        parallelism=getattr(settings, "VOICE_HASH_PARALLELISM", 4),
        type=Type.ID,
    )


def hash_receipt(receipt: str) -> str:
    return hasher().hash(receipt)


def receipt_matches(stored_hash: str, receipt: str) -> bool:
    try:
        return hasher().verify(stored_hash, receipt)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _decoy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    # Checked against when no concern has the tag, so that a missing concern costs what a wrong receipt does;
    # made with the current parameters, which are the ones real hashes are made with.
    return hash_receipt(new_receipt())


def spend_like_a_check() -> None:
    """The work of checking a receipt against a hash, with nothing to find."""
    current = hasher()
    receipt_matches(_decoy_hash(current.time_cost, current.memory_cost, current.parallelism), "not a receipt")
