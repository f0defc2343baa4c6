"""Bulk imports from other systems: the ``evenhand import`` command's rules over HTTP (docs/import.md).

One operation per kind of record. The rows come as JSON objects of column → text, or as the text of a CSV file
with its header; the columns, formats and rules are the file's. All or nothing unless ``partial``: a bad row
answers 422 with every bad row under ``errors`` (``rows.<index>.<column>``, or ``csv.<row>.<column>`` with the
row as a spreadsheet numbers it) and nothing is written. Heads of PDU only, into their own PDU.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema

from evenhand.audit.models import Channel
from evenhand.imports.models import ImportKind
from evenhand.imports.services import (
    API_ROW_LIMIT,
    DEFAULT_SOURCE,
    ImportRefused,
    ImportResult,
    Reject,
    import_csv,
    import_rows,
)

from ..auth import staff_of
from ..schemas import WRITE_ERRORS, Text

router = Router(tags=["imports"])

CSV_LIMIT = 5_000_000


class ImportIn(Schema):
    source: Text = Field(
        DEFAULT_SOURCE,
        max_length=40,
        description="The system the rows come from: a row is recognised on a re-run by it, its kind and its "
        "source_id",
    )
    partial: bool = Field(
        False, description="Load the good rows and answer the bad ones as rejects, rather than all or nothing"
    )
    rows: list[dict[str, Text]] | None = Field(
        None,
        max_length=API_ROW_LIMIT,
        description="The rows, each an object of column → text (docs/import.md); numbered from 0",
    )
    csv: Text | None = Field(
        None,
        max_length=CSV_LIMIT,
        description="Instead of rows: the text of a CSV file, its header first; rows numbered as a "
        "spreadsheet shows them (the header is row 1)",
    )


class RejectOut(Schema):
    row: int
    column: str = Field(description="The column at fault; empty when it is the whole row")
    reason: str


class ImportOut(Schema):
    run_id: int
    kind: ImportKind
    source: str
    partial: bool
    rows: int
    created: int = Field(description="Rows that made a new record")
    unchanged: int = Field(description="Rows imported before from the same source with the same values")
    matched: int = Field(description="People already held under the row's CRN, linked rather than duplicated")
    rejected: int
    rejects: list[RejectOut]


def _key(reject: Reject, from_csv: bool) -> str:
    if reject.row == 0:
        return reject.column or "__all__"
    where = "csv" if from_csv else "rows"
    return ".".join(str(part) for part in (where, reject.row, reject.column) if part != "")


def _run(request: HttpRequest, kind: ImportKind, payload: ImportIn) -> ImportOut:
    staff = staff_of(request)
    from_csv = payload.csv is not None
    if from_csv == (payload.rows is not None):
        raise ValidationError({"rows": "Give the rows, or the text of a CSV file as csv, but not both"})
    try:
        if payload.csv is not None:
            result: ImportResult = import_csv(
                by=staff,
                kind=kind,
                data=payload.csv.encode(),
                source=payload.source,
                partial=payload.partial,
                channel=Channel.API,
            )
        else:
            result = import_rows(
                by=staff,
                kind=kind,
                rows=payload.rows or [],
                source=payload.source,
                partial=payload.partial,
            )
    except ImportRefused as refused:
        errors: dict[str, list[str]] = {}
        for reject in refused.rejects:
            errors.setdefault(_key(reject, from_csv), []).append(reject.reason)
        raise ValidationError(errors) from None
    assert result.run is not None  # a committed import has its run
    return ImportOut(
        run_id=result.run.pk,
        kind=kind,
        source=result.source,
        partial=result.partial,
        rows=result.rows,
        created=result.created,
        unchanged=result.unchanged,
        matched=result.matched,
        rejected=result.rejected,
        rejects=[RejectOut(row=r.row, column=r.column, reason=r.reason) for r in result.rejects],
    )


@router.post("/people", response={200: ImportOut, **WRITE_ERRORS}, summary="Import people")
def import_people(request: HttpRequest, payload: ImportIn) -> ImportOut:
    """Register people from another system's extract, into the caller's PDU (heads of PDU only)."""
    return _run(request, ImportKind.PEOPLE, payload)


@router.post("/sentences", response={200: ImportOut, **WRITE_ERRORS}, summary="Import sentences")
def import_sentences(request: HttpRequest, payload: ImportIn) -> ImportOut:
    """Record sentences of people already held, named by CRN (heads of PDU only)."""
    return _run(request, ImportKind.SENTENCES, payload)


@router.post("/risk", response={200: ImportOut, **WRITE_ERRORS}, summary="Import risk reviews")
def import_risk(request: HttpRequest, payload: ImportIn) -> ImportOut:
    """Record risk of serious harm reviews of people already held, named by CRN (heads of PDU only)."""
    return _run(request, ImportKind.RISK, payload)


@router.post("/contacts", response={200: ImportOut, **WRITE_ERRORS}, summary="Import contacts")
def import_contacts(request: HttpRequest, payload: ImportIn) -> ImportOut:
    """Record contacts on sentences imported from the same source, named by their source id (heads of PDU
    only)."""
    return _run(request, ImportKind.CONTACTS, payload)
