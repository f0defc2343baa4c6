import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from evenhand.org.models import Grade
from evenhand.people.models import Exclusion, Restriction
from evenhand.people.selectors import person_for, search_people
from tests.factories import AllocationFactory, PDUFactory, PersonFactory, SentenceFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdu():
    return PDUFactory()


@pytest.fixture
def po(pdu):
    return StaffMemberFactory(grade=Grade.PO, pdu=pdu)


class TestSearchPeople:
    def test_by_crn_exactly_and_in_any_case(self, pdu, po):
        wanted = PersonFactory(pdu=pdu, crn="K123456")
        PersonFactory(pdu=pdu, crn="K123457")
        assert list(search_people(po, "K123456")) == [wanted]
        assert list(search_people(po, "  k123456 ")) == [wanted]
        assert list(search_people(po, "K12345")) == []

    def test_by_prefix_of_first_or_last_name(self, pdu, po):
        amara = PersonFactory(pdu=pdu, first_name="Amara", last_name="Okafor")
        amir = PersonFactory(pdu=pdu, first_name="Amir", last_name="Hussain")
        sam = PersonFactory(pdu=pdu, first_name="Sam", last_name="Amaro")
        PersonFactory(pdu=pdu, first_name="Liam", last_name="Brown")  # "am" inside, not at the start
        assert set(search_people(po, "am")) == {amara, amir, sam}
        assert set(search_people(po, "AMAR")) == {amara, sam}
        assert list(search_people(po, "hus")) == [amir]

    def test_every_term_must_match(self, pdu, po):
        wanted = PersonFactory(pdu=pdu, first_name="Aisha", last_name="Begum")
        PersonFactory(pdu=pdu, first_name="Aisha", last_name="Khan")
        PersonFactory(pdu=pdu, first_name="Fatima", last_name="Begum")
        assert list(search_people(po, "ais  beg")) == [wanted]
        assert list(search_people(po, "beg ais")) == [wanted]

    def test_ordered_by_last_then_first_name(self, pdu, po):
        c = PersonFactory(pdu=pdu, first_name="Jo", last_name="Smith")
        a = PersonFactory(pdu=pdu, first_name="Jo", last_name="Jones")
        b = PersonFactory(pdu=pdu, first_name="Joe", last_name="Jones")
        assert list(search_people(po, "jo")) == [a, b, c]

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
        assert set(search_people(po, "campbell")) == {visible, allocated_elsewhere}
        assert list(search_people(po, excluded.crn)) == []

    def test_analysts_cannot_search(self):
        person = PersonFactory(last_name="Walker")
        analyst = StaffMemberFactory(grade=Grade.ANALYST)
        assert list(search_people(analyst, "walker")) == []
        assert list(search_people(analyst, person.crn)) == []

    @pytest.mark.parametrize("grade", [Grade.INSPECTOR, Grade.ADMIN])
    def test_service_wide_roles_with_identity_search_everywhere(self, grade):
        person = PersonFactory(last_name="Walker")
        staff = StaffMemberFactory(grade=grade)
        assert list(search_people(staff, "walker")) == [person]
        assert list(search_people(staff, person.crn)) == [person]

    @pytest.mark.parametrize("query", ["", "   "])
    def test_empty_query_finds_nobody(self, pdu, po, query):
        PersonFactory(pdu=pdu)
        assert list(search_people(po, query)) == []


class TestPersonFor:
    def test_returns_a_visible_person(self, pdu, po, django_assert_max_num_queries):
        person = PersonFactory(pdu=pdu)
        with django_assert_max_num_queries(2):
            found = person_for(po, person.pk)
            assert found == person
            assert found.pdu.region.name  # loaded with the person, no further query

    def test_missing_person_is_404(self, po):
        with pytest.raises(Http404):
            person_for(po, 987654321)

    def test_invisible_person_is_403(self, po):
        elsewhere = PersonFactory(pdu=PDUFactory())
        with pytest.raises(PermissionDenied):
            person_for(po, elsewhere.pk)

    def test_excluded_person_is_403_even_for_admins(self):
        admin = StaffMemberFactory(grade=Grade.ADMIN)
        person = PersonFactory()
        assert person_for(admin, person.pk) == person
        Exclusion.objects.create(person=person, staff=admin, reason="Conflict of interest")
        with pytest.raises(PermissionDenied):
            person_for(admin, person.pk)
