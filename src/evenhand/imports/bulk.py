"""Writing a chunk of checked rows fast: COPY into PostgreSQL, executemany into SQLite, as the synthetic
generator's loader does, but into a database in use.

``bulk_create`` spends most of an import's time preparing each value through the ORM; here each column's
conversion is chosen once. The rows written are the ones the services' rules have checked, with the values
the model would store (its defaults, ``auto_now`` times); the ids of rows that others point at are reserved
from the table's own sequence first, so nothing is ever given an id another writer could take.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault, Value
from django.utils import timezone

_UNSEEN = object()

# The tables written while ``recording`` (an import analyses them once it has committed).
_written: ContextVar[set[str] | None] = ContextVar("written", default=None)

# Column types whose Python value the database driver takes as it is.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new ids for ``model``'s rows, never given before. PostgreSQL: from the table's sequence (other
    writers take theirs from it too). SQLite: past the highest id the table has ever given (its AUTOINCREMENT
    counter, so a deleted row's id is not given again); the caller's transaction has already written, so it is
    the one writer until it ends."""
    if count == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT MAX("{pk}") FROM "{table}"')
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        given = cursor.fetchone()
        top = max(top, given[0] if given else 0)
    return list(range(top + 1, top + 1 + count))


def _default_of(field: models.Field) -> Any:  # type: ignore[type-arg]
    if isinstance(field.db_default, Value):
        return field.db_default.value
    return field.get_default()


def _converter(field: models.Field) -> Callable[[Any], Any] | None:  # type: ignore[type-arg]
    """How one column's Python value goes to the driver: None when it goes as it is, else a function that
    adapts it as Django would."""

    def plain(value: Any) -> Any:
        return _default_of(field) if isinstance(value, DatabaseDefault) else value

    kind = field.get_internal_type()
    as_it_is = kind in _PLAIN or (
        connection.vendor == "postgresql" and kind in ("DateField", "DateTimeField")
    )
    if as_it_is:
        # A field with a database default holds a marker for it until the value is given.
        return plain if field.has_db_default() else None
    if kind == "DateField":
        return lambda value: None if value is None else plain(value).isoformat()

    def adapted(value: Any) -> Any:
        return field.get_db_prep_save(plain(value), connection)

    return adapted


def _fields(model: type[models.Model], *, with_pk: bool) -> list[models.Field]:  # type: ignore[type-arg]
    return [
        field
        for field in model._meta.concrete_fields
        if not getattr(field, "generated", False) and (with_pk or not field.primary_key)
    ]


def _stamped(field: models.Field) -> bool:  # type: ignore[type-arg]
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _rows(
    fields: list[models.Field],  # type: ignore[type-arg]
    records: Sequence[Any],
    get: Callable[[Any], tuple[Any, ...]],
) -> list[list[Any]]:
    """Each record's values in the order of ``fields``, converted: the ``auto_now`` times are one "now" for
    the chunk, converted once; a column that goes as it is is not touched."""
    now = timezone.now()
    fixed: dict[int, Any] = {}
    conversions: list[tuple[int, Callable[[Any], Any]]] = []
    for index, field in enumerate(fields):
        convert = _converter(field)
        if _stamped(field):
            fixed[index] = convert(now) if convert is not None else now
        elif convert is not None:
            conversions.append((index, convert))
    rows = []
    # The last value each column converted, and what it became: a chunk's rows share many (who recorded them,
    # when), and converting through the field is most of the cost of writing.
    last: list[tuple[Any, Any]] = [(_UNSEEN, None)] * len(conversions)
    for record in records:
        row = list(get(record))
        for position, (index, convert) in enumerate(conversions):
            value = row[index]
            before, converted = last[position]
            if value is not before:
                converted = convert(value)
                last[position] = (value, converted)
            row[index] = converted
        for index, value in fixed.items():
            row[index] = value
        rows.append(row)
    return rows


def insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances of ``model`` (their ids reserved with ``reserve_ids`` if given, else the
    database's), with ``auto_now`` and ``auto_now_add`` times now."""
    if not objects:
        return
    fields = _fields(model, with_pk=objects[0].pk is not None)
    names = [f.attname for f in fields]
    values_of = attrgetter(*names)

    def get(obj: models.Model) -> tuple[Any, ...]:
        found = values_of(obj)
        return found if len(names) > 1 else (found,)

    _write(model, [str(f.column) for f in fields], _rows(fields, objects, get))


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of ``model`` given as attribute → value (``person_id``), every other field at its default
    (``auto_now`` times now), without making an instance of each."""
    if not rows:
        return
    fields = _fields(model, with_pk=False)
    # As a new instance would have it: the default, or '' for text that may be blank, else None.
    defaults = [_default_of(f) for f in fields]
    names = [f.attname for f in fields]

    def get(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(map(row.get, names, defaults))

    _write(model, [str(f.column) for f in fields], _rows(fields, rows, get))


@contextmanager
def recording() -> Iterator[set[str]]:
    """The names of the tables written inside the block, as a set filled while it runs."""
    tables: set[str] = set()
    token = _written.set(tables)
    try:
        yield tables
    finally:
        _written.reset(token)


def _write(model: type[models.Model], columns: list[str], rows: list[list[Any]]) -> None:
    table = model._meta.db_table
    written = _written.get()
    if written is not None and rows:
        written.add(table)
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            # Django's SQLite cursor takes "%s" placeholders; the sqlite3 cursor under it takes "?".
            cursor.cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
