"""A wrong receipt and a non-existent one: the same message, the same work; guessing is rate-limited without
keeping the guesser's address."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client

from evenhand.voice import receipts, services
from evenhand.voice.models import Concern

from .helpers import raise_one


def _timed(receipt: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        services.open_with_receipt(receipt=receipt)
    except services.ReceiptRefused as refused:
        outcome = type(refused).__name__
    else:
        outcome = "opened"
    return outcome, time.perf_counter() - start


@pytest.fixture
def costly(settings):
    # Argon2id heavy enough to dominate the timing, as in production (but smaller, to stay quick).
    settings.VOICE_HASH_TIME_COST = 2
    settings.VOICE_HASH_MEMORY_KIB = 8192
    settings.VOICE_KDF_OPS = 2
    settings.VOICE_KDF_MEM = 8 * 1024 * 1024


def test_a_wrong_receipt_and_a_missing_one_answer_alike(world, costly):
    submitted = raise_one(world)
    # A concern whose tag matches but whose hash is another receipt's: the "wrong receipt" case.
    tampered = raise_one(world)
    Concern.objects.filter(pk=tampered.concern.pk).update(
        receipt_hash=receipts.hash_receipt(receipts.new_receipt())
    )
    missing = receipts.new_receipt()
    wrong, absent, right = [], [], []
    for _ in range(9):
        outcome, seconds = _timed(tampered.receipt)
        assert outcome == "ReceiptRefused"
        wrong.append(seconds)
        outcome, seconds = _timed(missing)
        assert outcome == "ReceiptRefused"
        absent.append(seconds)
        outcome, seconds = _timed(submitted.receipt)
        assert outcome == "opened"
        right.append(seconds)
    # The same work either way: one Argon2id check and one Argon2id derivation (were the decoy check left out,
    # a missing receipt would cost half as much). The fastest of several runs is the least disturbed by load.
    ratio = min(wrong) / min(absent)
    assert 0.6 < ratio < 1.6, (wrong, absent)
    assert 0.5 < min(absent) / min(right) < 2.0, (absent, right)


def test_the_page_says_the_same_for_both(world):
    tampered = raise_one(world)
    Concern.objects.filter(pk=tampered.concern.pk).update(
        receipt_hash=receipts.hash_receipt(receipts.new_receipt())
    )
    pages = []
    for receipt in (tampered.receipt, receipts.new_receipt()):
        response = Client().post("/voice/return/", {"receipt": receipt})
        assert response.status_code == 200
        pages.append(response.content.decode().replace(receipt, ""))
        assert services.ReceiptRefused.MESSAGE.split(".")[0] in pages[-1]
    # Alike but for the per-response nonce and CSRF token.
    strip = [re.sub(r'(nonce|value)="[^"]*"', "", page) for page in pages]
    assert strip[0] == strip[1]


def test_a_malformed_receipt_gets_a_clear_message(world):
    response = Client().post("/voice/return/", {"receipt": "just three words"})
    assert "A receipt is 7 words; you entered 3." in response.content.decode()
    response = Client().post(
        "/voice/return/", {"receipt": "abacus abdomen abdominal abide abiding ability zzzzz"}
    )
    assert "not a receipt word" in response.content.decode()


def test_guessing_is_rate_limited_per_bucket_of_addresses(world, settings):
    settings.VOICE_RECEIPT_ATTEMPTS_PER_BUCKET = 3
    client = Client()
    statuses = [
        client.post(
            "/voice/return/", {"receipt": receipts.new_receipt()}, REMOTE_ADDR="198.51.100.9"
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Even the right receipt waits now, from that bucket.
    right = raise_one(world).receipt
    assert client.post("/voice/return/", {"receipt": right}, REMOTE_ADDR="198.51.100.9").status_code == 429
    # The cache holds counters keyed by a short tag, never the address.
    keys = list(cache._cache.keys())  # type: ignore[attr-defined]
    assert keys and not any("198.51.100.9" in key for key in keys)


def test_guessing_is_rate_limited_overall(world, settings):
    settings.VOICE_RECEIPT_ATTEMPTS_OVERALL = 4
    statuses = [
        Client()
        .post("/voice/return/", {"receipt": receipts.new_receipt()}, REMOTE_ADDR=f"192.0.2.{n}")
        .status_code
        for n in range(6)
    ]
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429, 429]


def test_malformed_attempts_cost_nothing_and_are_not_counted(world, settings):
    settings.VOICE_RECEIPT_ATTEMPTS_PER_BUCKET = 1
    client = Client()
    for _ in range(3):
        assert client.post("/voice/return/", {"receipt": "not a receipt"}).status_code == 200
    assert client.post("/voice/return/", {"receipt": raise_one(world).receipt}).status_code == 302


def test_a_flood_of_concerns_is_refused_and_what_was_written_kept_on_the_page(world, settings):
    settings.VOICE_SUBMISSIONS_PER_BUCKET = 2
    data = {"kind": "other", "anonymous": "yes", "what_happened": "Something happened in the office"}
    statuses = [
        Client().post("/voice/raise/", data, REMOTE_ADDR="198.51.100.20").status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    refused = Client().post("/voice/raise/", data, REMOTE_ADDR="198.51.100.20").content.decode()
    assert "Too many concerns" in refused and "Something happened in the office" in refused
    assert Concern.objects.count() == 2
