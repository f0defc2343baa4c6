"""``field__among=ids`` (core/lookups.py): the rows ``__in`` finds, with the ids sent as one parameter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evenhand.cases.models import Sentence
from evenhand.people.models import Person
from tests.factories import PersonFactory, SentenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> list[Person]:
    return PersonFactory.create_batch(5)


def test_the_same_rows_as_in(people):
    wanted = {people[0].pk, people[3].pk, 10**9}
    assert set(Person.objects.filter(pk__among=wanted)) == set(Person.objects.filter(pk__in=wanted))
    assert set(Person.objects.filter(pk__among=wanted)) == {people[0], people[3]}
    assert list(Person.objects.filter(pk__among=[people[1].pk, people[1].pk])) == [people[1]]  # a list too
    assert set(Person.objects.exclude(pk__among={people[0].pk})) == set(people[1:])


def test_across_a_relation(people):
    sentences = [SentenceFactory(person=p) for p in people[:3]]
    assert set(Sentence.objects.filter(person_id__among={people[1].pk})) == {sentences[1]}
    assert set(Sentence.objects.filter(person__among={people[2].pk})) == {sentences[2]}


def test_no_ids_no_rows(people):
    assert not Person.objects.filter(pk__among=set()).exists()
    assert Person.objects.exclude(pk__among=set()).count() == 5


def test_a_query_is_in(people):
    chosen = Person.objects.filter(pk__in=[people[2].pk, people[4].pk]).values("pk")
    assert set(Person.objects.filter(pk__among=chosen)) == {people[2], people[4]}


def test_one_parameter_however_many_ids(people):
    """40,000 ids: one parameter (SQLite refuses more than 32,766 of them; PostgreSQL's driver splits a query
    text on each placeholder in Python)."""
    many = set(range(10**8, 10**8 + 40_000)) | {people[0].pk}
    with CaptureQueriesContext(connection) as captured:
        assert list(Person.objects.filter(pk__among=many)) == [people[0]]
    sql = captured.captured_queries[-1]["sql"]
    assert ("= ANY(" in sql) if connection.vendor == "postgresql" else ("json_each(" in sql)
    assert sql.count(str(10**8 + 39_999)) == 1


def test_ids_written_once_and_not_walked_by_django(people, monkeypatch):
    """``Ids``: the same rows as a set, across a relation too; Django does not check each id of it for a model
    of the wrong type (it does for a set: one call an id), and its text is made once for every query."""
    from django.db.models.sql.query import Query

    from evenhand.core.lookups import Ids

    sentences = [SentenceFactory(person=p) for p in people[:3]]
    ids = Ids([people[0].pk, people[2].pk, None, people[0].pk])
    assert len(ids) == 2 and people[2].pk in ids and people[1].pk not in ids
    checked = []
    real = Query.check_query_object_type
    monkeypatch.setattr(
        Query, "check_query_object_type", lambda self, *a: checked.append(a) or real(self, *a)
    )
    assert set(Sentence.objects.filter(person_id__among=ids)) == {sentences[0], sentences[2]}
    assert set(Person.objects.filter(pk__among=ids)) == {people[0], people[2]}
    assert checked == []
    Sentence.objects.filter(person_id__among={people[0].pk, people[1].pk}).exists()
    assert len(checked) == 2  # what Ids spares: one check an id
    assert not Person.objects.filter(pk__among=Ids([])).exists()
