"""Writing a chunk of checked rows fast: COPY into PostgreSQL, executemany into SQLite, as the synthetic
generator's loader does, but into a database in use.

``bulk_create`` spends most of an import's time preparing each value through the ORM; here each column's
conversion is chosen once. The rows written are the ones the services' rules have checked, with the values
the model would store (its defaults, ``auto_now`` times); the ids of rows that others point at are reserved
from the table's own sequence first, so nothing is ever given an id another writer could take.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault, Value
from django.utils import timezone

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


def _converter(field: models.Field) -> Callable[[Any], Any]:  # type: ignore[type-arg]
    """How one column's Python value goes to the driver: as it is, or as Django adapts it."""

    def plain(value: Any) -> Any:
        return _default_of(field) if isinstance(value, DatabaseDefault) else value

    kind = field.get_internal_type()
    if kind in _PLAIN:
        return plain
    if connection.vendor == "postgresql" and kind in ("DateField", "DateTimeField"):
        return plain
    if kind == "DateField":
        return lambda value: None if value is None else value.isoformat()

    # The same value (an import's one "now") comes again and again: adapt it once.
    last: list[Any] = [object(), None]

    def adapted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, field.get_db_prep_save(plain(value), connection)
        return last[1]

    return adapted


def _fields(model: type[models.Model], *, with_pk: bool) -> list[models.Field]:  # type: ignore[type-arg]
    return [
        field
        for field in model._meta.concrete_fields
        if not getattr(field, "generated", False) and (with_pk or not field.primary_key)
    ]


def insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances of ``model`` (their ids reserved with ``reserve_ids`` if given, else the
    database's), with ``auto_now`` and ``auto_now_add`` times set to now."""
    if not objects:
        return
    with_pk = objects[0].pk is not None
    fields = _fields(model, with_pk=with_pk)
    now = timezone.now()
    stamped = {
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    for obj in objects:
        for name in stamped:
            setattr(obj, name, now)
    convert = [_converter(f) for f in fields]
    names = [f.attname for f in fields]
    _write(
        model,
        [str(f.column) for f in fields],
        [[c(getattr(obj, n)) for c, n in zip(convert, names, strict=True)] for obj in objects],
    )


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of ``model`` given as attribute → value (``person_id``), every other field at its default
    (``auto_now`` times now), without making an instance of each."""
    if not rows:
        return
    fields = _fields(model, with_pk=False)
    now = timezone.now()
    defaults: dict[str, Any] = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            # As a new instance would have it: the default, or '' for text that may be blank, else None.
            defaults[field.attname] = _default_of(field)
    convert = [_converter(f) for f in fields]
    names = [f.attname for f in fields]
    _write(
        model,
        [str(f.column) for f in fields],
        [[c(row.get(n, defaults[n])) for c, n in zip(convert, names, strict=True)] for row in rows],
    )


def _write(model: type[models.Model], columns: list[str], rows: list[list[Any]]) -> None:
    table = model._meta.db_table
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
