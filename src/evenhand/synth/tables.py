"""Rows as columns: what the generator builds and the loader writes, table by table."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def as_dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 → 'YYYY-MM-DD' strings (the text both databases store a date as)."""
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def as_datetimes(seconds: np.ndarray) -> np.ndarray:
    """Seconds since the epoch in UTC → 'YYYY-MM-DD HH:MM:SS', the form Django stores in SQLite and the one
    PostgreSQL reads as UTC on a Django connection (whose time zone is UTC)."""
    # As ISO bytes with the "T" overwritten in place: a third of the time of datetime_as_string and a replace.
    text = np.asarray(seconds).astype("datetime64[s]").astype("S19")
    text.view(np.uint8).reshape(-1, 19)[:, 10] = ord(" ")
    return text.astype("U19")


@dataclass
class Table:
    """One table's new rows. ``columns`` maps column name → values (a NumPy array or a list); ``nulls`` marks
    the rows where a nullable column is NULL; ``digest_as`` gives, for a column holding ids the generator does
    not assign (a question set's, read from the database), the values to hash in their place."""

    name: str
    columns: dict[str, Any]
    nulls: dict[str, np.ndarray] = field(default_factory=dict)
    digest_as: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        first: Any = next(iter(self.columns.values()), [])
        return len(first)

    def column_lists(self) -> list[list[Any]]:
        lists = []
        for name, values in self.columns.items():
            as_list = values.tolist() if isinstance(values, np.ndarray) else list(values)
            mask = self.nulls.get(name)
            if mask is not None:
                for i in np.flatnonzero(mask).tolist():
                    as_list[i] = None
            lists.append(as_list)
        return lists

    def rows(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self.column_lists(), strict=True)

    def digest_into(self, digest: "hashlib._Hash") -> None:
        """Feed the table's content into a hash, column by column, independent of any database."""
        digest.update(self.name.encode())
        for name, values in self.columns.items():
            digest.update(name.encode())
            values = self.digest_as.get(name, values)
            array = np.asarray(values)
            if array.dtype.kind in "US":
                digest.update("\x1f".join(array.tolist()).encode())
            elif array.dtype == object:
                values = array.tolist()
                try:
                    joined = "\x1f".join(values)  # texts, as most object columns hold: str(v) is v
                except TypeError:
                    joined = "\x1f".join("" if v is None else str(v) for v in values)
                digest.update(joined.encode())
            else:
                digest.update(np.ascontiguousarray(array).tobytes())
            mask = self.nulls.get(name)
            if mask is not None:
                digest.update(np.packbits(mask).tobytes())
