"""Importing records from another system: a CSV file (the ``evenhand import`` command) or rows of one (the API),
of one kind each: people, sentences, risk reviews or contacts (docs/import.md; ADR 0009).

Every row is checked by the rules of the service that records it on screen; the good rows are written a chunk
at a time with bulk inserts. The whole import is one transaction: a bad row, or anything that stops the import
part way (an error, a killed process), leaves nothing written, unless ``partial`` asks for the good rows to be
loaded and the bad ones returned as rejects. Each row loaded is remembered by the system it came from, its kind
and its id there (``ImportedRow``), so that running the same file again loads nothing twice.
"""

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.core.planner import analyse
from evenhand.core.services import TextKind, require_text
from evenhand.jobs.registry import data_changed
from evenhand.org.access import is_current
from evenhand.org.models import PDU, Role, StaffMember

from .bulk import insert_values, recording
from .csvfile import FileRefused, Problem, Row, decode, header_of, read_rows
from .kinds import Checked, Context, Kind, kind_of
from .models import ImportedRow, ImportKind, ImportRun

# Rows checked and written together: one query per lookup and a few bulk inserts for each chunk.
CHUNK = 1000
SOURCE_ID_LIMIT = 60
SOURCE_LIMIT = 40
DEFAULT_SOURCE = "national"
# An import through the API runs inside the request: a bigger file is for the command (DESIGN.md: long work
# does not run in a web request).
API_ROW_LIMIT = 5_000
# An import that creates this many records or more is followed by ANALYZE of the tables it wrote (PostgreSQL):
# fewer hardly move the planner's statistics of a table in use, and autovacuum catches up with them.
ANALYSE_AFTER_ROWS = 1_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Reject:
    """A row refused, the column at fault (empty when it is the whole row) and why, with the row as it came."""

    row: int
    column: str
    reason: str
    values: dict[str, str] | tuple[str, ...] = ()

    def __str__(self) -> str:
        return str(Problem(self.row, self.column, self.reason))


@dataclass
class ImportResult:
    """What came of an import's rows."""

    kind: str
    source: str
    partial: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    matched: int = 0
    rejects: list[Reject] = field(default_factory=list)
    run: ImportRun | None = None
    # The file's header as it was read (the kind's columns for rows given through the API).
    columns: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Rows refused (a row with two problems is one row)."""
        return len({reject.row for reject in self.rejects})


class ImportRefused(Exception):
    """Nothing was written: the file itself is wrong (its encoding, its header), or a row is and the import was
    all or nothing. ``rejects`` says where and why, every row of them."""

    def __init__(self, rejects: list[Reject], result: ImportResult | None = None) -> None:
        shown = "; ".join(str(reject) for reject in rejects[:3])
        more = f" and {len(rejects) - 3} more" if len(rejects) > 3 else ""
        super().__init__(f"Nothing was imported: {shown}{more}")
        self.rejects = rejects
        self.result = result


def can_import(staff: StaffMember, kind: str | None = None) -> bool:
    """Heads of PDU import casework, into their own PDU: registering people and recording casework are theirs
    to do there (the services' rules), and they manage the PDU's records. Practitioners and SPOs record one
    case at a time; analysts, inspectors and administrators record no casework. HR analysts import HR
    extracts (staff events) and nothing else (each kind's ``importers``)."""
    roles = kind_of(kind).importers if kind is not None else (Role.HEAD_OF_PDU,)
    return is_current(staff) and staff.role in roles


def ensure_can_import(staff: StaffMember, kind: str | None = None) -> None:
    if not can_import(staff, kind):
        if kind == ImportKind.STAFF_EVENTS:
            raise PermissionDenied("Only an HR analyst can import staff events.")
        raise PermissionDenied("Only a head of PDU can import records, and only into their own PDU.")


def digest_of(kind: Kind, values: dict[str, str]) -> str:
    """A digest of a row's values in the kind's column order, whatever the file's order: a re-run of the same
    row gives the same one, a changed value another."""
    text = "\x1f".join(values.get(column, "").strip() for column in kind.columns)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _source(source: str) -> str:
    try:
        return require_text(
            source, "source", "the name of the system the records come from", kind=TextKind(SOURCE_LIMIT)
        ).lower()
    except ValidationError as error:
        raise ImportRefused([Reject(0, "source", error.messages[0])]) from None


def import_csv(
    *,
    by: StaffMember,
    kind: str,
    data: bytes,
    source: str = DEFAULT_SOURCE,
    partial: bool = False,
    file_name: str = "",
    channel: Channel = Channel.COMMAND,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a CSV file of one ``kind`` (UTF-8, a header row naming the columns; docs/import.md) as ``by``, a
    head of PDU. All or nothing unless ``partial``: ``ImportRefused`` lists every bad row (row number as a
    spreadsheet shows it, column, reason) and nothing is written. ``progress`` is called with the rows done."""
    ensure_can_import(by, kind)
    importer = kind_of(kind)
    source = _source(source)
    try:
        columns, records = read_rows(
            decode(data), required=importer.required, optional=importer.optional, kind=importer.label
        )
    except FileRefused as refused:
        raise ImportRefused([Reject(p.row, p.column, p.reason) for p in refused.problems]) from None
    return _import(
        by=by,
        kind=importer,
        columns=columns,
        records=records,
        source=source,
        partial=partial,
        file_name=file_name,
        channel=channel,
        progress=progress,
    )


def import_rows(
    *,
    by: StaffMember,
    kind: str,
    rows: Sequence[dict[str, str]],
    source: str = DEFAULT_SOURCE,
    partial: bool = False,
    channel: Channel = Channel.API,
) -> ImportResult:
    """Import rows given as objects of column → text (the API's bulk import), by the same rules as a file:
    the columns are the file's; a row without one of them has it empty. Rows are numbered from 0, as the API
    numbers the items of a list."""
    ensure_can_import(by, kind)
    importer = kind_of(kind)
    source = _source(source)
    if not rows:
        raise ImportRefused([Reject(0, "rows", "Give at least one row to import")])
    if len(rows) > API_ROW_LIMIT:
        raise ImportRefused(
            [
                Reject(
                    0,
                    "rows",
                    f"Give at most {API_ROW_LIMIT:,} rows at a time (import a bigger file with the command)",
                )
            ]
        )
    names = sorted({name for row in rows for name in row})
    try:
        header_of(names, required=(), optional=importer.columns, kind=importer.label)
    except FileRefused as refused:
        raise ImportRefused([Reject(0, p.column, p.reason) for p in refused.problems]) from None
    records = [
        Row(number, {column: str(row.get(column, "")) for column in importer.columns})
        for number, row in enumerate(rows)
    ]
    return _import(
        by=by,
        kind=importer,
        columns=list(importer.columns),
        records=records,
        source=source,
        partial=partial,
        file_name="",
        channel=channel,
        progress=None,
    )


def _chunks(records: Iterable[Row | Problem]) -> Iterator[list[Row | Problem]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


class _Stop(Exception):
    """Some row was bad and the import is all or nothing: roll back."""


@transaction.atomic
def _open_run(
    *, by: StaffMember, kind: Kind, source: str, partial: bool, file_name: str, channel: Channel
) -> ImportRun:
    now = timezone.now()
    return ImportRun.objects.create(
        kind=kind.kind,
        source=source,
        file_name=file_name[-200:],
        by=by,
        channel=channel,
        partial=partial,
        started_at=now,
        finished_at=now,
        rows=0,
        created=0,
        unchanged=0,
        matched=0,
        rejected=0,
    )


def _import(
    *,
    by: StaffMember,
    kind: Kind,
    columns: list[str],
    records: Iterable[Row | Problem],
    source: str,
    partial: bool,
    file_name: str,
    channel: Channel,
    progress: Progress | None,
) -> ImportResult:
    result = ImportResult(kind=kind.kind, source=source, partial=partial, columns=columns)
    context = Context(by=by, source=source, pdus={pdu.code.upper(): pdu for pdu in PDU.objects.all()})
    try:
        with recording() as written, transaction.atomic():
            run = _open_run(
                by=by, kind=kind, source=source, partial=partial, file_name=file_name, channel=channel
            )
            seen: dict[str, int] = {}
            for chunk in _chunks(records):
                good = _check_chunk(kind, chunk, context, result, seen)
                result.rows += len(chunk)
                # All or nothing: after the first bad row the rest is still checked, so that every bad row is
                # reported, but no more is written.
                if good and (partial or not result.rejects):
                    _write_chunk(kind, good, context, run, result)
                if progress is not None:
                    progress(result.rows)
            if result.rejects and not partial:
                raise _Stop
            run.finished_at = timezone.now()
            run.rows, run.created, run.unchanged = result.rows, result.created, result.unchanged
            run.matched, run.rejected = result.matched, result.rejected
            run.save(update_fields=["finished_at", "rows", "created", "unchanged", "matched", "rejected"])
            result.run = run
    except _Stop:
        result.created = result.matched = 0
        raise ImportRefused(result.rejects, result) from None
    if result.created:
        # The figures that summarise the data again (the equality precomputation), once this has committed.
        transaction.on_commit(lambda: data_changed(kind.kind))
    if result.created >= ANALYSE_AFTER_ROWS:
        # A big load: the planner's statistics for the tables it wrote, before autovacuum gets round to them.
        tables = frozenset(written)
        transaction.on_commit(lambda: analyse(tables))
    return result


def _check_chunk(
    kind: Kind,
    chunk: list[Row | Problem],
    context: Context,
    result: ImportResult,
    seen: dict[str, int],
) -> list[tuple[Checked, str]]:
    """The chunk's good rows, checked, each with its digest; the bad ones go to ``result.rejects``."""
    rows: list[Row] = []
    for record in chunk:
        if isinstance(record, Problem):
            result.rejects.append(Reject(record.row, record.column, record.reason, record.fields))
        else:
            rows.append(record)
    tidy = [Row(row.number, {k: v.strip() for k, v in row.values.items()}) for row in rows]
    kind.prepare(tidy, context)
    source_ids = {row.values.get("source_id", "") for row in tidy} - {""}
    imported = {
        source_id: (digest, run_id)
        for source_id, digest, run_id in ImportedRow.objects.filter(
            source=context.source, kind=kind.kind, source_id__in=source_ids
        ).values_list("source_id", "digest", "run_id")
    }
    good = []
    for original, row in zip(rows, tidy, strict=True):

        def reject(column: str, reason: str, original: Row = original) -> None:
            result.rejects.append(Reject(original.number, column, reason, original.values))

        source_id = row.values.get("source_id", "")
        if not source_id:
            reject("source_id", "Enter the source id: the row's own id in the system it comes from")
            continue
        if len(source_id) > SOURCE_ID_LIMIT:
            reject("source_id", f"The source id must be {SOURCE_ID_LIMIT} characters or fewer")
            continue
        first = seen.setdefault(source_id, row.number)
        if first != row.number:
            reject("source_id", f"Source id {source_id} is also on row {first}: each row has its own")
            continue
        digest = digest_of(kind, row.values)
        if source_id in imported:
            before, run_id = imported[source_id]
            if before == digest:
                result.unchanged += 1
            else:
                reject(
                    "source_id",
                    f"The row with source id {source_id} was imported before (import {run_id}) with other "
                    "values: correct the record in Evenhand, where each correction keeps its reason, instead "
                    "of importing it again",
                )
            continue
        try:
            checked = kind.check(row, context)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages in error.message_dict.items():
                    for message in messages:
                        reject(kind.column_of(name, message), message)
            else:
                for message in error.messages:
                    reject("", message)
            continue
        good.append((checked, digest))
    return good


def _write_chunk(
    kind: Kind, good: list[tuple[Checked, str]], context: Context, run: ImportRun, result: ImportResult
) -> None:
    checked = [c for c, _ in good]
    record_ids = kind.write(checked, context)
    insert_values(
        ImportedRow,
        [
            {
                "run_id": run.pk,
                "source": context.source,
                "kind": kind.kind.value,
                "source_id": c.row.values["source_id"],
                "record_id": record_id,
                "row_number": c.row.number,
                "digest": digest,
                "matched": c.matched_id is not None,
            }
            for (c, digest), record_id in zip(good, record_ids, strict=True)
        ],
    )
    matched = sum(c.matched_id is not None for c in checked)
    result.matched += matched
    result.created += len(checked) - matched


def write_rejects(rejects: list[Reject], columns: Sequence[str], out: TextIO) -> None:
    """The rejects as CSV: the row number, the column and the reason, then the row as it came (a row that could
    not be split into the header's columns is written as it was split)."""
    writer = csv.writer(out)
    writer.writerow(["row", "column", "reason", *columns])
    for reject in rejects:
        if isinstance(reject.values, dict):
            values = [reject.values.get(column, "") for column in columns]
        else:
            values = list(reject.values)
        writer.writerow([reject.row, reject.column, reject.reason, *values])


def rejects_csv(rejects: list[Reject], columns: Sequence[str]) -> str:
    """The rejects file's text (``write_rejects``)."""
    out = io.StringIO()
    write_rejects(rejects, columns, out)
    return out.getvalue()
