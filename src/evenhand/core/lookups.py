"""``field__among=ids``: ``field IN ids`` with the ids sent as one parameter.

A PDU's caseload is about 3,000 people. ``person_id__in=ids`` writes one placeholder a person, and the
PostgreSQL driver splits such a query text on its placeholders in Python, every time (the text is too long to
cache): about a third of the time of a head of PDU's "My cases" sorted by to-do went there. ``among`` sends
the ids as one array (``= ANY(%s)``, which PostgreSQL plans as it plans ``IN``) or, on SQLite, as one JSON
text read by ``json_each`` (which also lifts SQLite's limit on the number of parameters). Given a query
rather than values it is ``__in``.

Pass a set (or any iterable but a list or tuple): Django walks a list or tuple value element by element,
looking for expressions in it (26,000 calls for one PDU's to-do list).
"""

import json
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.lookups import In


class Among(In):
    lookup_name = "among"

    def get_prep_lookup(self) -> Any:
        # Ids are taken as they are (``as_sql`` makes them ints): preparing each through the field, as ``__in``
        # does, costs more than the query for thousands.
        return super().get_prep_lookup() if hasattr(self.rhs, "resolve_expression") else self.rhs

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        values = sorted({int(v) for v in self.rhs if v is not None})
        if not values:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            # One text, cast once: the driver's dumping of a list of ints walks it in Python.
            return f"{lhs} = ANY(%s::bigint[])", [*params, "{" + ",".join(map(str, values)) + "}"]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(values)]


def register() -> None:
    """For ids: integer fields (primary keys among them) and relations (which take only their own lookups)."""
    IntegerField.register_lookup(Among)
    ForeignObject.register_lookup(Among)
