"""people.door.sliced: a page of a list read as its ids, then its rows, gives what one query gave."""

import pytest

from evenhand.people.door import sliced
from evenhand.people.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_slice_has_the_rows_of_the_list_in_its_order_with_what_it_loads():
    for name in ("Adams", "Brown", "Clarke", "Davies", "Evans"):
        PersonFactory(last_name=name)
    rows = Person.objects.select_related("pdu").order_by("-last_name", "pk")
    for start, stop in ((0, 2), (1, 4), (3, 10), (5, 7)):
        assert sliced(rows, start, stop) == list(rows[start:stop])
    assert [p.last_name for p in sliced(rows, 1, 3)] == ["Davies", "Clarke"]
    # Lists, and querysets of values, are sliced as they are.
    assert sliced([1, 2, 3], 1, 2) == [2]
    assert sliced(rows.values_list("last_name", flat=True), 0, 1) == ["Evans"]
