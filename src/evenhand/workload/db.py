"""Database expressions the workload queries need that Django does not have."""

from typing import Any

from django.db.models import Func, IntegerField


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates), as an integer, on PostgreSQL and SQLite alike."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, end: Any, start: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # type: ignore[override]
        # PostgreSQL: date - date is already an integer number of days.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
