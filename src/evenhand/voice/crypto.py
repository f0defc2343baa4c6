"""The encryption of concerns at rest (ADR 0008), on PyNaCl (libsodium) constructions only.

* Each concern has a random 32-byte content key; its content, messages, attachments, outcome, identity and
  rating comment are ``SecretBox`` ciphertexts (XSalsa20-Poly1305) under it.
* The content key is stored twice, wrapped: in a ``SecretBox`` under a key derived from the reporter's
  receipt by Argon2id (``nacl.pwhash.argon2id``), and in a ``SealedBox`` to the handler group's public key
  (X25519).
* A handler group's private key is stored only sealed to each member's own public key; a member's private key
  is stored only in a ``SecretBox`` under a key derived from their handling passphrase by Argon2id.
* Keyed tags (BLAKE2b with a key from ``settings.VOICE_KEY``, which is not in the database) find a concern by
  its receipt and seal the reporter's short-lived access cookie.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.secret
import nacl.utils
from django.conf import settings
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey, PublicKey, SealedBox

KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES


class DecryptionFailed(Exception):
    """A key did not open a ciphertext: a wrong receipt or passphrase, or a tampered row."""


@dataclass(frozen=True)
class KdfCost:
    ops: int
    mem: int


def kdf_cost() -> KdfCost:
    """Argon2id's cost for deriving keys: libsodium's interactive limits (2 passes, 64 MiB) unless the
    settings lower them (the tests do, for speed)."""
    return KdfCost(
        ops=getattr(settings, "VOICE_KDF_OPS", nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE),
        mem=getattr(settings, "VOICE_KDF_MEM", nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE),
    )


def new_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def new_salt() -> bytes:
    return nacl.utils.random(SALT_BYTES)


def derive_key(secret: str, salt: bytes, cost: KdfCost) -> bytes:
    """A 32-byte key from a receipt or passphrase (Argon2id)."""
    return nacl.pwhash.argon2id.kdf(KEY_BYTES, secret.encode(), salt, opslimit=cost.ops, memlimit=cost.mem)


def seal(key: bytes, plaintext: bytes) -> bytes:
    """Authenticated secret-key encryption, with a random nonce stored with the ciphertext."""
    return bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def unseal(key: bytes, ciphertext: bytes | memoryview) -> bytes:
    try:
        return nacl.secret.SecretBox(key).decrypt(bytes(ciphertext))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as failed:
        raise DecryptionFailed() from failed


def seal_text(key: bytes, text: str) -> bytes:
    return seal(key, text.encode())


def unseal_text(key: bytes, ciphertext: bytes | memoryview | None) -> str:
    return "" if ciphertext is None else unseal(key, bytes(ciphertext)).decode()


def new_key_pair() -> tuple[bytes, bytes]:
    """(public key, private key), raw X25519 bytes."""
    private = PrivateKey.generate()
    return bytes(private.public_key), bytes(private)


def seal_to(public_key: bytes | memoryview, plaintext: bytes) -> bytes:
    """Anonymous public-key encryption (libsodium's sealed box): only the private key's holder opens it."""
    return bytes(SealedBox(PublicKey(bytes(public_key))).encrypt(plaintext))


def open_sealed(private_key: bytes, ciphertext: bytes | memoryview) -> bytes:
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(bytes(ciphertext))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as failed:
        raise DecryptionFailed() from failed


def _server_key(purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, from ``settings.VOICE_KEY`` (never stored in the database)."""
    root = hashlib.sha256(settings.VOICE_KEY.encode()).digest()
    return nacl.hash.blake2b(b"", key=root, person=purpose[:16].ljust(16, b"."), encoder=RawEncoder)[:32]


def lookup_tag(receipt: str) -> str:
    """The keyed tag a concern is found by. Without VOICE_KEY it says nothing; with it, a receipt's 90 bits
    still cannot be searched."""
    key = _server_key(b"voice-lookup")
    return nacl.hash.blake2b(receipt.encode(), key=key, digest_size=32).decode()


def limiter_bucket(value: str) -> str:
    """A short keyed tag of a caller's address: thousands of addresses share each of its 4,096 buckets, so a
    bucket cannot be turned back into an address, and it is kept only in the cache for minutes."""
    key = _server_key(b"voice-limiter")
    return nacl.hash.blake2b(value.encode(), key=key, digest_size=8).decode()[:3]


def seal_for_server(plaintext: bytes) -> bytes:
    """Sealed under a server key: the reporter's access cookie, which only this service can open."""
    return seal(_server_key(b"voice-cookie"), plaintext)


def open_for_server(ciphertext: bytes) -> bytes:
    return unseal(_server_key(b"voice-cookie"), ciphertext)


def survey_token_tag(token: str) -> str:
    """The keyed hash a survey token is stored as: without VOICE_KEY it cannot be checked against guesses,
    and the token itself (100 random bits) is never stored."""
    key = _server_key(b"voice-survey")
    return nacl.hash.blake2b(token.encode(), key=key, digest_size=32).decode()
