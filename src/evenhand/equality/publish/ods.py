"""The equality publication's spreadsheets: :mod:`evenhand.core.ods` (shared with the other publications),
with what ``[c]`` hides in these reports."""

from collections.abc import Sequence
from pathlib import Path

from evenhand.core import ods as _ods
from evenhand.core.ods import CONTENTS, COVER, MISSING, NOTES, ONE_TABLE, Table, write_csv
from evenhand.disclosure.rules import SUPPRESSED

SHORTHAND = {
    **_ods.SHORTHAND,
    SUPPRESSED: "confidential: fewer than 5 people, or a figure from which such a number could be worked out",
}

__all__ = [
    "CONTENTS",
    "COVER",
    "MISSING",
    "NOTES",
    "ONE_TABLE",
    "SHORTHAND",
    "Table",
    "write_csv",
    "write_ods",
]


def write_ods(
    path: Path | str,
    *,
    title: str,
    cover: Sequence[tuple[str, str]],
    notes: Sequence[tuple[int, str]],
    tables: Sequence[Table],
) -> None:
    """:func:`evenhand.core.ods.write_ods`, with this publication's meaning of ``[c]``."""
    _ods.write_ods(path, title=title, cover=cover, notes=notes, tables=tables, shorthand=SHORTHAND)
