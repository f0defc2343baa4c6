"""The door to a person's record: search (a page of people the viewer may see, logged as an export) and
opening one person for casework (a view logged, or the refusal)."""

import pytest

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.org.models import Grade
from evenhand.people.door import RecordNotFound, RecordRefused, person_for_casework, search_people
from evenhand.people.models import Exclusion, Restriction
from tests.factories import AllocationFactory, PDUFactory, PersonFactory, SentenceFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdu():
    return PDUFactory()


@pytest.fixture
def po(pdu):
    return StaffMemberFactory(grade=Grade.PO, pdu=pdu)


def found(viewer, query: str) -> list[int]:
    """The ids of the people a search finds, in order; [] when there is nothing to search for."""
    page = search_people(viewer=viewer, query=query, page=None, channel=Channel.UI)
    return [] if page is None else [record.id for record in page]


def ids(*people) -> list[int]:
    return [person.pk for person in people]


class TestSearchPeople:
    def test_by_crn_exactly_and_in_any_case(self, pdu, po):
        wanted = PersonFactory(pdu=pdu, crn="K123456")
        PersonFactory(pdu=pdu, crn="K123457")
        assert found(po, "K123456") == ids(wanted)
        assert found(po, "  k123456 ") == ids(wanted)
        assert found(po, "K12345") == []

    def test_by_prefix_of_first_or_last_name(self, pdu, po):
        amara = PersonFactory(pdu=pdu, first_name="Amara", last_name="Okafor")
        amir = PersonFactory(pdu=pdu, first_name="Amir", last_name="Hussain")
        sam = PersonFactory(pdu=pdu, first_name="Sam", last_name="Amaro")
        PersonFactory(pdu=pdu, first_name="Liam", last_name="Brown")  # "am" inside, not at the start
        assert set(found(po, "am")) == set(ids(amara, amir, sam))
        assert set(found(po, "AMAR")) == set(ids(amara, sam))
        assert found(po, "hus") == ids(amir)

    def test_every_term_must_match(self, pdu, po):
        wanted = PersonFactory(pdu=pdu, first_name="Aisha", last_name="Begum")
        PersonFactory(pdu=pdu, first_name="Aisha", last_name="Khan")
        PersonFactory(pdu=pdu, first_name="Fatima", last_name="Begum")
        assert found(po, "ais  beg") == ids(wanted)
        assert found(po, "beg ais") == ids(wanted)

    def test_ordered_by_last_then_first_name(self, pdu, po):
        c = PersonFactory(pdu=pdu, first_name="Jo", last_name="Smith")
        a = PersonFactory(pdu=pdu, first_name="Jo", last_name="Jones")
        b = PersonFactory(pdu=pdu, first_name="Joe", last_name="Jones")
        assert found(po, "jo") == ids(a, b, c)

    def test_only_people_the_viewer_may_see(self, pdu, po):
        visible = PersonFactory(pdu=pdu, last_name="Campbell")
        PersonFactory(pdu=PDUFactory(), last_name="Campbell")  # another PDU
        excluded = PersonFactory(pdu=pdu, last_name="Campbell")
        Exclusion.objects.create(person=excluded, staff=po, reason="Relative")
        restricted = PersonFactory(pdu=pdu, last_name="Campbell")
        Restriction.objects.create(
            person=restricted, staff=StaffMemberFactory(pdu=pdu), reason="Named worker"
        )
        allocated_elsewhere = PersonFactory(pdu=PDUFactory(), last_name="Campbell")
        AllocationFactory(sentence=SentenceFactory(person=allocated_elsewhere), practitioner=po)
        assert set(found(po, "campbell")) == set(ids(visible, allocated_elsewhere))
        assert found(po, excluded.crn) == []

    def test_analysts_cannot_search(self):
        person = PersonFactory(last_name="Walker")
        analyst = StaffMemberFactory(grade=Grade.ANALYST)
        assert search_people(viewer=analyst, query="walker", page=None, channel=Channel.UI) is None
        assert search_people(viewer=analyst, query=person.crn, page=None, channel=Channel.UI) is None
        assert not AccessLogEntry.objects.exists()

    @pytest.mark.parametrize("grade", [Grade.INSPECTOR, Grade.ADMIN])
    def test_service_wide_roles_with_identity_search_everywhere(self, grade):
        person = PersonFactory(last_name="Walker")
        staff = StaffMemberFactory(grade=grade)
        assert found(staff, "walker") == ids(person)
        assert found(staff, person.crn) == ids(person)

    @pytest.mark.parametrize("query", ["", "   "])
    def test_empty_query_finds_nobody_and_logs_nothing(self, pdu, po, query):
        PersonFactory(pdu=pdu)
        assert search_people(viewer=po, query=query, page=None, channel=Channel.UI) is None
        assert not AccessLogEntry.objects.exists()

    def test_each_page_of_results_is_an_export_of_the_people_on_it(self, pdu, po):
        people = [PersonFactory(pdu=pdu, last_name="Walker") for _ in range(2)]
        found(po, "walker")
        rows = AccessLogEntry.objects.order_by("person_id")
        assert [(r.staff, r.person_id, r.action, r.detail) for r in rows] == [
            (po, person.pk, Action.EXPORT, "Search results") for person in sorted(people, key=lambda p: p.pk)
        ]


class TestPersonForCasework:
    def open(self, viewer, person_id):
        return person_for_casework(
            viewer=viewer, person_id=person_id, channel=Channel.UI, purpose="Record a contact"
        )

    def test_returns_a_visible_person_and_logs_the_view(self, pdu, po, django_assert_max_num_queries):
        person = PersonFactory(pdu=pdu)
        with django_assert_max_num_queries(3):
            found = self.open(po, person.pk)
            assert found == person
            assert found.pdu.region.name  # loaded with the person, no further query
        assert list(AccessLogEntry.objects.values_list("staff", "person_id", "action", "detail")) == [
            (po.pk, person.pk, Action.VIEW, "Record a contact")
        ]

    @pytest.mark.parametrize("ref", [987654321, "99999999999999999999", "abc", "0"])
    def test_no_such_person_is_not_found_and_nothing_logged(self, po, ref):
        with pytest.raises(RecordNotFound):
            self.open(po, ref)
        assert not AccessLogEntry.objects.exists()

    def test_invisible_person_is_refused_and_the_attempt_logged(self, po):
        elsewhere = PersonFactory(pdu=PDUFactory())
        with pytest.raises(RecordRefused):
            self.open(po, elsewhere.pk)
        assert list(AccessLogEntry.objects.values_list("staff", "person_id", "action")) == [
            (po.pk, elsewhere.pk, Action.REFUSED)
        ]

    @pytest.mark.parametrize("grade", [Grade.INSPECTOR, Grade.ADMIN])
    def test_roles_that_do_not_record_casework_are_refused(self, grade):
        person = PersonFactory()
        with pytest.raises(RecordRefused, match="Your role cannot record casework"):
            self.open(StaffMemberFactory(grade=grade), person.pk)
        assert list(AccessLogEntry.objects.values_list("person_id", "action")) == [
            (person.pk, Action.REFUSED)
        ]

    def test_excluded_person_is_refused_even_to_the_practitioner_holding_the_case(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        AllocationFactory(sentence=SentenceFactory(person=person), practitioner=po)
        assert self.open(po, person.pk) == person
        Exclusion.objects.create(person=person, staff=po, reason="Conflict of interest")
        with pytest.raises(RecordRefused):
            self.open(po, person.pk)
