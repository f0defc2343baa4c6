"""A publication's cells written beside it, so that anyone can attack it again from its files alone.

The manifest holds what a reader of the publication knows and nothing more: every count's key, its
published value (or that it is suppressed, or never published), the relations between the counts, and
where each count appears in the publication's tables. :func:`read` and :func:`attack` let an auditor
check that the tables show exactly the manifest's values and then compute, by linear programming, how far
each suppressed count can be narrowed, without the true values.

The file is JSON, compressed with gzip: ``{"format", "rules", "cells": [{"keys", "implied", "value"}],
"equalities", "inequalities", "tables": {file: [[row, column, cell]]}}``; a value is a whole number, or
``null`` for a suppressed or implied cell; a relation is a list of ``[cell, coefficient]``.
"""

import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from .attack import narrow
from .cells import Cells, Key
from .protect import Protection
from .rules import DisclosureError, Rules

FORMAT = "evenhand-disclosure/1"
# Where a count appears: (row, column) of a table, by file name.
Places = Mapping[str, Sequence[tuple[int, str, Key]]]


@dataclass(frozen=True)
class PublishedTable:
    """One published table: rows of text and numbers, and where each count sits (for the manifest)."""

    sheet: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    places: tuple[tuple[int, str, Key], ...]
    labels: int = 1  # the leading columns that name the row rather than count

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "title": self.title,
            "description": self.description,
            "columns": list(self.columns),
            "rows": [list(row) for row in self.rows],
            "labels": self.labels,
        }


def _document(cells: Cells, hidden: NDArray[np.bool_], rules: Rules, tables: Places) -> dict[str, object]:
    names: dict[int, list[list[object]]] = {}
    for key, at in cells.index.items():
        names.setdefault(at, []).append(list(key))
    shown = ~hidden & ~cells.implied
    return {
        "format": FORMAT,
        "rules": {"threshold": rules.threshold, "lower": rules.lower, "upper": rules.upper},
        "cells": [
            {
                "keys": names[at],
                "implied": bool(cells.implied[at]),
                "value": int(cells.values[at]) if shown[at] else None,
            }
            for at in range(cells.size)
        ],
        "equalities": _rows(cells.equalities),
        "inequalities": _rows(cells.inequalities),
        "tables": {
            name: [[row, column, cells.index[key]] for row, column, key in places]
            for name, places in tables.items()
        },
    }


def write(path: Path, cells: Cells, hidden: NDArray[np.bool_], rules: Rules, tables: Places) -> None:
    """Write the manifest of ``cells`` published with ``hidden`` suppressed."""
    with gzip.open(path, "wt", encoding="utf-8") as file:
        json.dump(_document(cells, hidden, rules, tables), file, separators=(",", ":"))


def as_bytes(cells: Cells, hidden: NDArray[np.bool_], rules: Rules, tables: Places) -> bytes:
    """The manifest ``write`` writes, as bytes: for a release kept in the database."""
    return gzip.compress(json.dumps(_document(cells, hidden, rules, tables), separators=(",", ":")).encode())


def of_release(protection: Protection, tables: Sequence[PublishedTable]) -> bytes:
    """The manifest of published tables (each as ``<sheet>.csv``) and the protection they were made from."""
    places = {f"{table.sheet}.csv": table.places for table in tables}
    return as_bytes(protection.cells, protection.hidden, protection.rules, places)


def _rows(matrix: sparse.csr_array) -> list[list[list[float]]]:
    return [
        [[int(c), float(w)] for c, w in zip(matrix.indices[a:b], matrix.data[a:b], strict=True)]
        for a, b in zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True)
    ]


@dataclass(frozen=True)
class Read:
    """A manifest read back: the cells (hidden and implied ones valued 0), which are known, the rules and
    the places of the counts in the tables."""

    cells: Cells
    known: NDArray[np.bool_]
    rules: Rules
    tables: dict[str, list[tuple[int, str, int]]]


def read(path: Path) -> Read:
    """Read a manifest; raise ``DisclosureError`` for a file that is not one."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError) as error:
        raise DisclosureError(f"{path.name} is not a readable manifest", [str(error)]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DisclosureError(f"{path.name} is not a manifest of this format ({FORMAT})")
    try:
        entries = document["cells"]
        size = len(entries)
        index = {tuple(key): at for at, entry in enumerate(entries) for key in entry["keys"]}
        values = np.array([entry["value"] or 0 for entry in entries], dtype=np.int64)
        known = np.array([entry["value"] is not None for entry in entries], dtype=bool)
        implied = np.array([bool(entry["implied"]) for entry in entries], dtype=bool)
        matrices = [_matrix(document[name], size) for name in ("equalities", "inequalities")]
        rules = Rules(**{name: int(document["rules"][name]) for name in ("threshold", "lower", "upper")})
        tables = {
            str(name): [(int(row), str(column), int(cell)) for row, column, cell in places]
            for name, places in document["tables"].items()
        }
    except (KeyError, TypeError, ValueError) as error:
        raise DisclosureError(f"{path.name} is not a well-formed manifest", [repr(error)]) from None
    cells = Cells(
        keys=tuple(tuple(entry["keys"][0]) for entry in entries),
        index=index,
        values=values,
        implied=implied,
        cost=np.ones(size),
        equalities=matrices[0],
        inequalities=matrices[1],
        names=tuple(f"relation {i + 1}" for i in range(matrices[0].shape[0] + matrices[1].shape[0])),
    )
    return Read(cells=cells, known=known, rules=rules, tables=tables)


def _matrix(rows: list[list[list[float]]], size: int) -> sparse.csr_array:
    pointer = np.cumsum([0] + [len(row) for row in rows])
    columns = np.array([int(c) for row in rows for c, _ in row], dtype=np.int64)
    data = np.array([float(w) for row in rows for _, w in row], dtype=np.float64)
    if columns.size and (columns.min() < 0 or columns.max() >= size):
        raise ValueError("a relation names a cell that is not in the manifest")
    return sparse.csr_array((data, columns, pointer), shape=(len(rows), size))


def attack(manifest: Read) -> list[str]:
    """Every suppressed count a reader can narrow to fewer values than the upper protection level (or work
    out exactly), in words, from the published values alone. Empty when the publication holds."""
    cells = manifest.cells
    hidden = ~manifest.known & ~cells.implied
    found = narrow(cells, manifest.known, cells.values.astype(np.float64), manifest.rules.upper)
    return [
        f"{cells.describe(cell)} can only be from {low:g} to {high:g}"
        + (" (worked out exactly)" if high - low < 0.5 else "")
        for cell, low, high in found
        if hidden[cell]
    ]


def audit_folders(folders: Sequence[Path]) -> str:
    """Attack the publications in ``folders`` together, from their files alone; return a summary, or raise
    :class:`DisclosureError` naming what gives someone away (or why the folders cannot be audited).

    Each folder holds one manifest (``*-cells.json.gz``) and the CSV files it names. Every count in the
    CSV files must be the manifest's value (or ``[c]`` where the manifest has none), so the manifest
    cannot hide what the tables show. Folders of one period share their cells: a count published in any
    of them is known in all.
    """
    combined: Read | None = None
    for folder in folders:
        found = sorted(folder.glob("*-cells.json.gz")) if folder.is_dir() else []
        if len(found) != 1:
            raise DisclosureError(f"{folder} does not hold one publication manifest (*-cells.json.gz)")
        read_back = read(found[0])
        problems = _check_tables(folder, read_back)
        if problems:
            raise DisclosureError(f"the tables in {folder} do not match its manifest", problems)
        combined = read_back if combined is None else _together(combined, read_back)
    assert combined is not None
    findings = attack(combined)
    if findings:
        raise DisclosureError(
            f"the publication gives people away: {len(findings)} suppressed counts can be narrowed to fewer"
            f" than {combined.rules.upper} values",
            findings,
        )
    cells = combined.cells
    hidden = int((~combined.known & ~cells.implied).sum())
    return (
        f"Audited {len(folders)} folder{'s' if len(folders) != 1 else ''}: {int(combined.known.sum()):,} published"
        f" counts and {hidden:,} suppressed, {cells.equalities.shape[0] + cells.inequalities.shape[0]:,}"
        f" relations. No suppressed count can be narrowed to fewer than {combined.rules.upper} values."
    )


def _check_tables(folder: Path, manifest: Read) -> list[str]:
    import csv

    problems = []
    for name, places in manifest.tables.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
            continue
        with path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        for row, column, cell in places:
            try:
                shown = rows[row][column]
            except (IndexError, KeyError):
                problems.append(f"{name} has no row {row + 1} or column {column!r}")
                continue
            known = bool(manifest.known[cell])
            expected = str(int(manifest.cells.values[cell])) if known else "[c]"
            if shown.strip() != expected:
                problems.append(
                    f"{name}, row {row + 1}, {column}: the table shows {shown!r}, the manifest {expected}"
                )
    return problems


def _together(first: Read, second: Read) -> Read:
    """Two manifests of one period as one: the same cells, each known if either publishes it."""
    if first.cells.keys != second.cells.keys:
        raise DisclosureError("the folders are not publications of the same period's cells")
    both = first.known & second.known
    disagree = both & (first.cells.values != second.cells.values)
    if disagree.any():
        raise DisclosureError(
            "the folders publish different values for the same counts",
            [first.cells.describe(cell) for cell in np.flatnonzero(disagree)],
        )
    values = np.where(first.known, first.cells.values, second.cells.values)
    cells = Cells(
        keys=first.cells.keys,
        index=first.cells.index,
        values=values,
        implied=first.cells.implied,
        cost=first.cells.cost,
        equalities=first.cells.equalities,
        inequalities=first.cells.inequalities,
        names=first.cells.names,
    )
    return Read(cells=cells, known=first.known | second.known, rules=first.rules, tables=first.tables)
