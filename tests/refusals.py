"""A stored row of a table whose database triggers refuse UPDATE and DELETE, for the tests of those triggers
(decisions and referral history: tests/cases/test_triggers.py; finished assessments and computed tiers:
tests/assessment/test_triggers.py)."""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import IntegrityError, connection, models, transaction


@dataclass
class Target:
    """One recorded row of a protected table, a change that would rewrite it, and the record a refusal names
    (``"<record> cannot be changed; <instead>"``)."""

    rows: models.QuerySet[Any]
    changes: dict[str, Any]
    column: str
    value: Any
    record: str
    instead: str = "record a correction instead."

    @property
    def table(self) -> str:
        return self.rows.model._meta.db_table

    @property
    def pk(self) -> int:
        return self.rows.get().pk

    def stored(self) -> list[dict[str, Any]]:
        return list(self.rows.values())

    def refusal(self, verb: str) -> str:
        return re.escape(f"{self.record} cannot be {verb}; {self.instead}")

    # The attacks each trigger test makes: every one must be refused with the row left as it was.

    def refuses_queryset_update(self) -> None:
        self._refused("changed", lambda: self.rows.update(**self.changes))

    def refuses_queryset_delete(self) -> None:
        self._refused("deleted", lambda: self.rows.delete())

    def refuses_raw_update(self) -> None:
        sql = f'UPDATE "{self.table}" SET "{self.column}" = %s WHERE "id" = %s'
        self._refused("changed", lambda: self._execute(sql, [self.value, self.pk]))

    def refuses_raw_delete(self, where: str) -> None:
        """``where``: "one row" (this one by its id) or "every row" of the table."""
        condition, params = (' WHERE "id" = %s', [self.pk]) if where == "one row" else ("", [])
        self._refused("deleted", lambda: self._execute(f'DELETE FROM "{self.table}"{condition}', params))

    def _refused(self, verb: str, attempt: Any) -> None:
        before = self.stored()
        with pytest.raises(IntegrityError, match=self.refusal(verb)), transaction.atomic():
            attempt()
        assert self.stored() == before

    @staticmethod
    def _execute(sql: str, params: list[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
