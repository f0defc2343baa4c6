"""Who may see and change which person records: the permission matrix of people/access.py."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from evenhand.assessment import services as assessments
from evenhand.assessment.models import Assessment
from evenhand.cases import services as cases
from evenhand.cases.models import (
    Allocation,
    AllocationReason,
    Contact,
    ContactOutcome,
    ContactType,
    Decision,
    EnforcementDecision,
    OffenceCategory,
    Referral,
    ReferralStatus,
    RiskSummary,
    Sentence,
    SentenceType,
)
from evenhand.org.models import Grade, StaffMember
from evenhand.people import services as people
from evenhand.people.access import (
    can_record_casework,
    can_see_diversity,
    can_see_identity,
    can_view_person,
    ensure_can_record,
    ensure_can_view,
    pseudonym,
    visible_people,
)
from evenhand.people.models import (
    Address,
    DiversityEntry,
    DiversityProfile,
    Ethnicity,
    Exclusion,
    Person,
    PersonChange,
    Restriction,
)
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    PDUFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    TeamFactory,
    local_datetime,
    today,
)

pytestmark = pytest.mark.django_db

PDU_GRADES = [Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU]
SERVICE_WIDE_GRADES = [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN]
ALL_GRADES = PDU_GRADES + SERVICE_WIDE_GRADES

# Kinds of record, relative to the viewer, and which ones each kind of viewer may open.
RECORD_KINDS = [
    "own_pdu",
    "other_pdu",
    "other_pdu_allocated",
    "other_pdu_allocation_ended",
    "restricted_including_viewer",
    "restricted_excluding_viewer",
    "restricted_including_viewer_other_pdu",
    "excluded",
    "excluded_but_allocated",
    "excluded_and_on_restriction_list",
]
VISIBLE_TO_PDU_STAFF = {"own_pdu", "other_pdu_allocated", "restricted_including_viewer"}
VISIBLE_SERVICE_WIDE = {
    "own_pdu",
    "other_pdu",
    "other_pdu_allocated",
    "other_pdu_allocation_ended",
    "restricted_including_viewer",
    "restricted_including_viewer_other_pdu",
}


def expected_visible(grade: str) -> set[str]:
    return VISIBLE_TO_PDU_STAFF if grade in PDU_GRADES else VISIBLE_SERVICE_WIDE


@dataclass
class World:
    viewer: StaffMember
    colleague: StaffMember
    records: dict[str, Person]


def build_world(grade: str) -> World:
    home, away = PDUFactory(name="Home PDU"), PDUFactory(name="Away PDU")
    viewer = StaffMemberFactory(grade=grade, pdu=home if grade in PDU_GRADES else None)
    colleague = StaffMemberFactory(grade=Grade.PO, pdu=home)
    away_spo = StaffMemberFactory(grade=Grade.SPO, pdu=away)

    def person(pdu: Any) -> Person:
        return PersonFactory(pdu=pdu)

    def allocate_to_viewer(p: Person, *, ended: bool = False) -> None:
        sentence = SentenceFactory(person=p)
        AllocationFactory(
            sentence=sentence,
            practitioner=viewer,
            allocated_by=away_spo,
            end_date=today() - dt.timedelta(days=1) if ended else None,
        )

    r: dict[str, Person] = {kind: person(away if "other_pdu" in kind else home) for kind in RECORD_KINDS}
    r["excluded_but_allocated"].pdu = away
    r["excluded_but_allocated"].save()
    allocate_to_viewer(r["other_pdu_allocated"])
    allocate_to_viewer(r["other_pdu_allocation_ended"], ended=True)
    allocate_to_viewer(r["excluded_but_allocated"])
    for kind in ("restricted_including_viewer", "restricted_including_viewer_other_pdu"):
        Restriction.objects.create(person=r[kind], staff=viewer, reason="Named worker")
        Restriction.objects.create(person=r[kind], staff=colleague, reason="Named worker")
    Restriction.objects.create(
        person=r["restricted_excluding_viewer"], staff=colleague, reason="Named worker"
    )
    for kind in ("excluded", "excluded_but_allocated", "excluded_and_on_restriction_list"):
        Exclusion.objects.create(person=r[kind], staff=viewer, reason="Known to the viewer's family")
    Restriction.objects.create(
        person=r["excluded_and_on_restriction_list"], staff=viewer, reason="Named worker"
    )
    return World(viewer, colleague, r)


@pytest.mark.parametrize("grade", ALL_GRADES)
def test_visible_people_is_exactly_the_expected_set(grade):
    world = build_world(grade)
    visible = set(visible_people(world.viewer).values_list("pk", flat=True))
    expected = {world.records[kind].pk for kind in expected_visible(grade)}
    assert Person.objects.count() == len(RECORD_KINDS)  # nobody else who could hide a wrong answer
    assert visible == expected


@pytest.mark.parametrize("grade", ALL_GRADES)
def test_visible_people_within_my_cases_my_team_or_my_pdu_is_the_whole_set_narrowed(grade):
    """``within`` reads one branch of the scope: the same people as narrowing everything the viewer may see,
    with exclusions and restrictions still applied (a record restricted from the viewer, allocated to them,
    stays hidden)."""
    world = build_world(grade)
    AllocationFactory(
        sentence=SentenceFactory(person=world.records["restricted_excluding_viewer"]),
        practitioner=world.viewer,
    )
    everything = visible_people(world.viewer)
    mine = everything.filter(
        sentences__allocations__practitioner=world.viewer, sentences__allocations__end_date__isnull=True
    )
    of_pdu = everything.filter(pdu_id=world.viewer.pdu_id) if world.viewer.pdu_id else Person.objects.none()
    # The team's: the viewer's own case, and one of a colleague in the team (not one of a colleague in
    # another team of the PDU, nor one in another PDU the viewer may not see).
    home = world.records["own_pdu"].pdu
    team_mate = StaffMemberFactory(grade=Grade.PO, team=world.viewer.team or TeamFactory(pdu=home))
    for kind in ("own_pdu", "other_pdu"):
        AllocationFactory(sentence=SentenceFactory(person=world.records[kind]), practitioner=team_mate)
    other_team = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=home))
    AllocationFactory(
        sentence=SentenceFactory(person=world.records["restricted_including_viewer"]), practitioner=other_team
    )
    in_team = everything.filter(
        sentences__allocations__practitioner__team_id=world.viewer.team_id,
        sentences__allocations__end_date__isnull=True,
    )
    expected = {
        "mine": set(mine.values_list("pk", flat=True)),
        "team": set(in_team.values_list("pk", flat=True)) if world.viewer.team_id else set(),
        "pdu": set(of_pdu.values_list("pk", flat=True)),
    }
    for part, ids in expected.items():
        found = visible_people(world.viewer, within=part)  # type: ignore[arg-type]
        assert set(found.values_list("pk", flat=True)) == (ids if grade in PDU_GRADES else set()), part
    if grade in PDU_GRADES:
        assert expected["mine"] == {world.records["other_pdu_allocated"].pk}
        assert expected["team"] == {world.records[k].pk for k in ("other_pdu_allocated", "own_pdu")}
        assert expected["pdu"] == {world.records[k].pk for k in ("own_pdu", "restricted_including_viewer")}
    with pytest.raises(ValueError, match="Unknown part"):
        visible_people(world.viewer, within="region")  # type: ignore[arg-type]


def test_a_leaver_sees_nothing_within_any_part_of_their_scope():
    viewer = StaffMemberFactory(grade=Grade.PO, end_date=today() - dt.timedelta(days=1))
    AllocationFactory(
        sentence=SentenceFactory(person=PersonFactory(pdu=viewer.team.pdu)), practitioner=viewer
    )
    for part in ("mine", "team", "pdu"):
        assert not visible_people(viewer, within=part).exists(), part  # type: ignore[arg-type]


@pytest.mark.parametrize("grade", ALL_GRADES)
@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_can_view_person(grade, kind):
    world = build_world(grade)
    person = world.records[kind]
    expected = kind in expected_visible(grade)
    assert can_view_person(world.viewer, person) is expected
    if expected:
        ensure_can_view(world.viewer, person)
    else:
        with pytest.raises(PermissionDenied):
            ensure_can_view(world.viewer, person)


@pytest.mark.parametrize("grade", SERVICE_WIDE_GRADES)
def test_restricted_records_hidden_from_service_wide_roles_not_on_the_list(grade):
    staff = StaffMemberFactory(grade=grade)
    person = PersonFactory()
    assert can_view_person(staff, person)
    Restriction.objects.create(person=person, staff=StaffMemberFactory(pdu=person.pdu), reason="Named worker")
    assert not can_view_person(staff, person)
    assert not visible_people(staff).filter(pk=person.pk).exists()


def test_visible_people_is_one_query(django_assert_num_queries):
    staff = StaffMemberFactory(grade=Grade.PO)
    PersonFactory.create_batch(5, pdu=staff.team.pdu)
    with django_assert_num_queries(1):
        assert len(list(visible_people(staff))) == 5


@pytest.mark.parametrize(
    ("grade", "diversity", "identity", "casework"),
    [
        (Grade.PSO, True, True, True),
        (Grade.PO, True, True, True),
        (Grade.SPO, True, True, True),
        (Grade.HEAD_OF_PDU, True, True, True),
        (Grade.ANALYST, True, False, False),
        (Grade.INSPECTOR, True, True, False),
        (Grade.ADMIN, False, True, False),
    ],
)
def test_what_each_role_may_see_and_do(grade, diversity, identity, casework):
    staff = StaffMemberFactory.build(grade=grade)
    assert can_see_diversity(staff) is diversity
    assert can_see_identity(staff) is identity
    assert can_record_casework(staff) is casework


# --- writes -------------------------------------------------------------------------------------------


@dataclass
class Case:
    person: Person
    sentence: Sentence
    failure: Contact
    pending: Contact
    referral: Referral


def build_case(pdu: Any) -> Case:
    person = PersonFactory(pdu=pdu)
    sentence = SentenceFactory(person=person)
    AllocationFactory(sentence=sentence)
    failure = ContactFactory(
        sentence=sentence,
        starts_at=local_datetime(today() - dt.timedelta(days=5)),
        outcome=ContactOutcome.FAILED_UNACCEPTABLE,
    )
    pending = ContactFactory(sentence=sentence, starts_at=local_datetime(today() - dt.timedelta(days=2)))
    referral = Referral.objects.create(
        person=person,
        sentence=sentence,
        service_area="accommodation",
        reason="Sofa surfing",
        made_on=today() - dt.timedelta(days=10),
        made_by=failure.recorded_by,
        status_changed_on=today() - dt.timedelta(days=10),
    )
    return Case(person, sentence, failure, pending, referral)


RATIONALE = "Missed appointment without explanation; discussed with the person at the next contact."

WRITES: dict[str, Any] = {
    "create_sentence": lambda by, c: cases.create_sentence(
        by=by,
        person=c.person,
        type=SentenceType.SUSPENDED_SENTENCE_ORDER,
        court="Leeds Crown Court",
        start_date=today() - dt.timedelta(days=3),
        expected_end_date=today() + dt.timedelta(days=300),
        offences=[cases.OffenceInput(category=OffenceCategory.ROBBERY, is_main=True)],
    ),
    "terminate_sentence": lambda by, c: cases.terminate_sentence(
        by=by, sentence=c.sentence, termination_date=today(), reason="completed"
    ),
    "record_contact": lambda by, c: cases.record_contact(
        by=by,
        sentence=c.sentence,
        type=ContactType.PHONE,
        starts_at=local_datetime(today() + dt.timedelta(days=3)),
    ),
    "record_contact_outcome": lambda by, c: cases.record_contact_outcome(
        by=by, contact=c.pending, outcome=ContactOutcome.ATTENDED_COMPLIED
    ),
    "decide_enforcement": lambda by, c: cases.decide_enforcement(
        by=by,
        sentence=c.sentence,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[c.failure],
    ),
    "record_risk_summary": lambda by, c: cases.record_risk_summary(
        by=by, person=c.person, rosh="M", tier="B2", assessed_on=today()
    ),
    "start_assessment": lambda by, c: assessments.start_assessment(
        by=by, person=c.person, sentence=c.sentence
    ),
    "make_referral": lambda by, c: cases.make_referral(
        by=by, sentence=c.sentence, service_area="ete", reason="Wants a CSCS card", made_on=today()
    ),
    "update_referral_status": lambda by, c: cases.update_referral_status(
        by=by, referral=c.referral, status=ReferralStatus.ACCEPTED, changed_on=today()
    ),
    "record_diversity": lambda by, c: people.record_diversity(
        by=by, person=c.person, ethnicity=Ethnicity.ASIAN_INDIAN, identified_by="self", identified_on=today()
    ),
    "record_diversity_value": lambda by, c: people.record_diversity_value(
        by=by,
        person=c.person,
        characteristic="sexual_orientation",
        value="bisexual",
        identified_by="self",
        identified_on=today(),
    ),
    "correct_person": lambda by, c: people.correct_person(
        by=by, person=c.person, reason="Spelling from the passport", first_name="Corrected"
    ),
    "add_address": lambda by, c: people.add_address(
        by=by,
        person=c.person,
        address=people.AddressIn("1 High St", "Leeds", "LS1 4AP", today() - dt.timedelta(days=30)),
    ),
    "add_to_access_list": lambda by, c: people.add_to_access_list(
        by=by,
        person=c.person,
        list_name="exclusion",
        staff=StaffMemberFactory(pdu=c.person.pdu),
        reason="Knows the family",
        review_on=today() + dt.timedelta(days=90),
    ),
    "allocate": lambda by, c: cases.allocate(
        by=by,
        sentence=c.sentence,
        practitioner=StaffMemberFactory(grade=Grade.PO, pdu=c.person.pdu),
        reason=AllocationReason.CASELOAD_ADJUSTMENT,
        start_date=today(),
    ),
}
# Who in the person's own PDU may do each write (the positive control).
ALLOWED_WRITER = {name: Grade.PO for name in WRITES} | {
    "allocate": Grade.SPO,
    "add_to_access_list": Grade.HEAD_OF_PDU,
}


def snapshot() -> dict[str, Any]:
    """Everything a write might change, so a refused write can be shown to have changed nothing."""
    return {
        "sentences": list(Sentence.objects.values_list("pk", "termination_date").order_by("pk")),
        "contacts": list(Contact.objects.values_list("pk", "outcome").order_by("pk")),
        "decisions": EnforcementDecision.objects.count(),
        "risk": RiskSummary.objects.count(),
        "assessments": Assessment.objects.count(),
        "referrals": list(Referral.objects.values_list("pk", "status").order_by("pk")),
        "diversity": list(DiversityProfile.objects.values_list("pk", "ethnicity").order_by("pk")),
        "diversity_history": DiversityEntry.objects.count(),
        "person_changes": list(PersonChange.objects.values_list("pk", flat=True)),
        "addresses": Address.objects.count(),
        "access_lists": (Exclusion.objects.count(), Restriction.objects.count()),
        "allocations": list(Allocation.objects.values_list("pk", "end_date").order_by("pk")),
    }


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_allowed_writer_can_write(write):
    case = build_case(PDUFactory())
    writer = StaffMemberFactory(grade=ALLOWED_WRITER[write], pdu=case.person.pdu)
    before = snapshot()
    WRITES[write](writer, case)
    assert snapshot() != before


@pytest.mark.parametrize("grade", SERVICE_WIDE_GRADES)
@pytest.mark.parametrize("write", sorted(WRITES))
def test_service_wide_roles_cannot_write_casework(grade, write):
    case = build_case(PDUFactory())
    before = snapshot()
    with pytest.raises(PermissionDenied):
        WRITES[write](StaffMemberFactory(grade=grade), case)
    assert snapshot() == before


@pytest.mark.parametrize("kind", ["other_pdu", "excluded", "restricted_excluding_viewer"])
@pytest.mark.parametrize("write", sorted(WRITES))
def test_nobody_writes_to_a_record_they_cannot_see(kind, write):
    home = PDUFactory()
    writer = StaffMemberFactory(grade=ALLOWED_WRITER[write], pdu=home)
    case = build_case(PDUFactory() if kind == "other_pdu" else home)
    if kind == "excluded":
        Exclusion.objects.create(person=case.person, staff=writer, reason="Conflict of interest")
    if kind == "restricted_excluding_viewer":
        Restriction.objects.create(
            person=case.person, staff=StaffMemberFactory(pdu=home), reason="Named worker"
        )
    before = snapshot()
    with pytest.raises(PermissionDenied):
        WRITES[write](writer, case)
    assert snapshot() == before


@pytest.mark.parametrize("grade", [Grade.PSO, Grade.PO])
def test_practitioners_cannot_allocate(grade):
    case = build_case(PDUFactory())
    before = snapshot()
    with pytest.raises(PermissionDenied):
        WRITES["allocate"](StaffMemberFactory(grade=grade, pdu=case.person.pdu), case)
    assert snapshot() == before


@pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
def test_ensure_can_record_refuses_roles_without_casework_even_when_they_can_view(grade):
    staff = StaffMemberFactory(grade=grade)
    person = PersonFactory()
    assert can_view_person(staff, person)
    with pytest.raises(PermissionDenied):
        ensure_can_record(staff, person)


# --- pseudonyms ------------------------------------------------------------------------------------------


def test_pseudonym_is_stable_and_keyed(settings):
    first = pseudonym(42)
    assert pseudonym(42) == first
    assert re.fullmatch(r"P-[0-9A-F]{10}", first)
    settings.PSEUDONYM_KEY = "another key"
    assert pseudonym(42) != first


def test_pseudonyms_are_distinct():
    ids = range(1, 5001)
    assert len({pseudonym(i) for i in ids}) == len(ids)


def test_pseudonym_of_a_saved_person_hides_their_crn():
    people_ = PersonFactory.create_batch(50)
    for person in people_:
        name = pseudonym(person.pk)
        assert person.crn not in name
        assert person.crn[1:] not in name
        assert person.last_name not in name
