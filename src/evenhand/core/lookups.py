"""``field__among=ids``: ``field IN ids`` with the ids sent as one parameter.

A PDU's caseload is about 3,000 people. ``person_id__in=ids`` writes one placeholder a person, and the
PostgreSQL driver splits such a query text on its placeholders in Python, every time (the text is too long to
cache): about a third of the time of a head of PDU's "My cases" sorted by to-do went there. ``among`` sends
the ids as one array (``= ANY(%s)``, which PostgreSQL plans as it plans ``IN``) or, on SQLite, as one JSON
text read by ``json_each`` (which also lifts SQLite's limit on the number of parameters). Given a query
rather than values it is ``__in``.

Pass :class:`Ids` for ids used in several queries (a caseload's to-do list): it sorts and writes them once,
and Django does not see it as iterable. Given a set, Django checks every element of a relation's value for a
model of the wrong type (3,289 calls a query for a PDU), and walks a list or tuple element by element looking
for expressions in it (26,000 calls for one PDU's to-do list); pass a set or :class:`Ids`, not a list.
"""

import json
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.lookups import In


class Ids:
    """Ids for ``__among``, sorted and written out once however many queries use them. Not iterable, on
    purpose: Django walks an iterable value of a relation's lookup, element by element."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.values: tuple[int, ...] = tuple(sorted({int(i) for i in ids if i is not None}))

    def __len__(self) -> int:
        return len(self.values)

    def __contains__(self, pk: object) -> bool:
        return pk in self._set

    @cached_property
    def _set(self) -> frozenset[int]:
        return frozenset(self.values)

    @cached_property
    def array(self) -> str:
        """PostgreSQL's text of an array: ``{1,2,3}``."""
        return "{" + ",".join(map(str, self.values)) + "}"

    @cached_property
    def json(self) -> str:
        return json.dumps(self.values)

    def __repr__(self) -> str:
        return f"Ids({len(self.values)} ids)"

    if TYPE_CHECKING:  # to the type checker, the ids a lookup takes; at run time, on purpose, not iterable

        def __iter__(self) -> Iterator[int]: ...


class Among(In):
    lookup_name = "among"

    def get_prep_lookup(self) -> Any:
        # Ids are taken as they are (``as_sql`` makes them ints): preparing each through the field, as ``__in``
        # does, costs more than the query for thousands.
        return super().get_prep_lookup() if hasattr(self.rhs, "resolve_expression") else self.rhs

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        ids = self.rhs if isinstance(self.rhs, Ids) else Ids(self.rhs)
        if not ids:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            # One text, cast once: the driver's dumping of a list of ints walks it in Python.
            return f"{lhs} = ANY(%s::bigint[])", [*params, ids.array]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, ids.json]


def register() -> None:
    """For ids: integer fields (primary keys among them) and relations (which take only their own lookups)."""
    IntegerField.register_lookup(Among)
    ForeignObject.register_lookup(Among)
