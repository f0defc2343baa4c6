"""How stored figures are kept in the database (:class:`~.models.StoredFigures`): one zlib-compressed pickle
of the analysis's frames, the trends and the completeness tables. Only Evenhand's own jobs write them."""

import pickle
import zlib
from typing import Any

# Part of what is stored: change it when the payload changes shape (older rows are then computed again).
PAYLOAD_VERSION = 2  # 2: the sampled measures' estimates (case review)


def pack(payload: dict[str, Any]) -> bytes:
    return zlib.compress(pickle.dumps({"version": PAYLOAD_VERSION, **payload}, pickle.HIGHEST_PROTOCOL), 1)


def unpack(data: bytes | memoryview) -> dict[str, Any] | None:
    """The stored payload, or None if it was stored in an older shape."""
    payload = pickle.loads(zlib.decompress(bytes(data)))  # written by compute_figures alone
    return payload if payload.get("version") == PAYLOAD_VERSION else None
