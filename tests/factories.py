"""factory_boy factories shared by every test package.

Factories write rows directly (no services), so they are quick, but every row they make satisfies the
model's invariants: a valid, unique CRN; a diversity profile for every person; one main offence per sentence;
a requirement on every community order; practitioners in the person's PDU.

    person = PersonFactory(pdu=pdu, diversity__ethnicity=Ethnicity.BLACK_AFRICAN)
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu, with_user=True)
    sentence = SentenceFactory(person=person, type=SentenceType.LICENCE)
    AllocationFactory(sentence=sentence, practitioner=po)
    ContactFactory(sentence=sentence, outcome=ContactOutcome.FAILED_UNACCEPTABLE)
"""

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory
from faker.providers.person.en_GB import Provider as BritishNames

from evenhand.cases.models import (
    COURT_ORDERS,
    Allocation,
    AllocationReason,
    Contact,
    ContactType,
    Offence,
    OffenceCategory,
    Requirement,
    RequirementType,
    RiskSummary,
    RoshLevel,
    Sentence,
    SentenceType,
    Tier,
)
from evenhand.org.models import PDU, PDU_GRADES, Grade, Region, StaffMember, Team
from evenhand.people.models import DiversityProfile, Ethnicity, IdentifiedBy, Person, Sex

CRN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def today() -> dt.date:
    return timezone.localdate()


def local_datetime(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware datetime at a wall-clock time in the project's time zone (Europe/London)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class UserFactory(DjangoModelFactory):
    """A log-in. Unusable password unless one is given: hashing with Argon2 is slow."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = "User"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.uk")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if extracted:
            self.set_password(extracted)
        else:
            self.set_unusable_password()
        if create:
            self.save(update_fields=["password"])


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n:04d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class PDUFactory(DjangoModelFactory):
    class Meta:
        model = PDU

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"PDU {n}")
    region = factory.SubFactory(RegionFactory)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"Team {n}")
    pdu = factory.SubFactory(PDUFactory)


def _team_for(o: Any) -> Team | None:
    """Staff in a PDU grade need a team: one in ``pdu`` when given, else a new team in a new PDU."""
    if o.grade not in PDU_GRADES:
        return None
    if o.pdu is None:
        return TeamFactory()
    return o.pdu.teams.order_by("pk").first() or TeamFactory(pdu=o.pdu)


# Staff surnames, taken in turn, so that no two members of staff made by one test share one: tests check that a
# page does not show someone by looking for their surname, and the page shows the viewer's. Faker's British
# surnames (O'Connor among them), without those inside another (Brown, Browne) and short or common words a
# page shows anyway (May in a date, White and Black in the ethnic groups, North in a region, and the
# statisticians the equality and review pages name: Wilson intervals, Fisher's exact test, Clopper-Pearson,
# variance by Taylor series; a review test failed when a reviewer was called Taylor).
PAGE_WORDS = {
    "Taylor",
    "Pearson",
    "Wilson",
    "Fisher",
    "Yates",
    "Campbell",
    "Newton",
    "White",
    "Black",
    "Green",
    "Brown",
    "North",
    "Field",
    "Price",
    "Young",
    "Marsh",
    "French",
    "Grant",
}
STAFF_SURNAMES = tuple(
    name
    for name in BritishNames.last_names
    if len(name) > 4
    and name not in PAGE_WORDS
    and not any(name != other and name in other for other in BritishNames.last_names)
)


class StaffMemberFactory(DjangoModelFactory):
    """A member of staff. ``pdu=`` puts them in (a team of) that PDU; ``with_user=True`` adds a log-in
    whose username is the staff code in lower case."""

    class Meta:
        model = StaffMember

    class Params:
        pdu = None
        with_user = factory.Trait(
            user=factory.SubFactory(
                UserFactory,
                username=factory.LazyAttribute(lambda u: u.factory_parent.staff_code.lower()),
                first_name=factory.SelfAttribute("..first_name"),
                last_name=factory.SelfAttribute("..last_name"),
            )
        )

    staff_code = factory.Sequence(lambda n: f"S{n:06d}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Sequence(lambda n: STAFF_SURNAMES[n % len(STAFF_SURNAMES)])
    grade = Grade.PO
    contracted_hours = Decimal("37.0")
    team = factory.LazyAttribute(_team_for)
    start_date = factory.LazyFunction(lambda: today() - dt.timedelta(days=3 * 365))


class DiversityProfileFactory(DjangoModelFactory):
    """Made by PersonFactory; pass ``diversity__ethnicity=…`` there. Provenance follows the ethnicity."""

    class Meta:
        model = DiversityProfile
        django_get_or_create = ("person",)

    person = factory.SubFactory("tests.factories.PersonFactory", diversity=None)
    ethnicity = Ethnicity.NOT_RECORDED
    ethnicity_identified_by = factory.LazyAttribute(
        lambda o: "" if o.ethnicity == Ethnicity.NOT_RECORDED else IdentifiedBy.SELF
    )
    ethnicity_identified_on = factory.LazyAttribute(
        lambda o: None if o.ethnicity == Ethnicity.NOT_RECORDED else today() - dt.timedelta(days=30)
    )


def _crn(n: int) -> str:
    return f"{CRN_LETTERS[n % len(CRN_LETTERS)]}{n % 1_000_000:06d}"


class PersonFactory(DjangoModelFactory):
    """A person on probation with a (not recorded) diversity profile, as ``create_person`` makes."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    crn = factory.Sequence(_crn)
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.LazyFunction(lambda: today() - dt.timedelta(days=30 * 365))
    sex = Sex.MALE
    pdu = factory.SubFactory(PDUFactory)
    diversity = factory.RelatedFactory(DiversityProfileFactory, factory_related_name="person")


class OffenceFactory(DjangoModelFactory):
    class Meta:
        model = Offence

    sentence = factory.SubFactory("tests.factories.SentenceFactory", offences=[])
    category = OffenceCategory.THEFT
    description = "Theft from a shop"
    is_main = False


class RequirementFactory(DjangoModelFactory):
    class Meta:
        model = Requirement

    sentence = factory.SubFactory("tests.factories.SentenceFactory", requirements=[])
    type = RequirementType.UNPAID_WORK
    unpaid_work_hours = factory.LazyAttribute(
        lambda o: 120 if o.type == RequirementType.UNPAID_WORK else None
    )
    rar_days = factory.LazyAttribute(lambda o: 20 if o.type == RequirementType.RAR else None)


class SentenceFactory(DjangoModelFactory):
    """A sentence with one main offence and, for a court order, one unpaid work requirement.

    ``offences=[{...}, …]`` and ``requirements=[{...}, …]`` replace the defaults (keyword arguments for
    OffenceFactory / RequirementFactory); ``requirements=[]`` gives none.
    """

    class Meta:
        model = Sentence
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    type = SentenceType.COMMUNITY_ORDER
    court = "Leeds Magistrates' Court"
    start_date = factory.LazyFunction(lambda: today() - dt.timedelta(days=200))
    expected_end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=2 * 365))

    @factory.post_generation
    def offences(self, create: bool, extracted: list[dict[str, Any]] | None, **kwargs: Any) -> None:
        if not create:
            return
        for spec in [{"is_main": True}] if extracted is None else extracted:
            OffenceFactory(sentence=self, **spec)

    @factory.post_generation
    def requirements(self, create: bool, extracted: list[dict[str, Any]] | None, **kwargs: Any) -> None:
        if not create:
            return
        if extracted is None:
            extracted = [{"type": RequirementType.UNPAID_WORK}] if self.type in COURT_ORDERS else []
        for spec in extracted:
            RequirementFactory(sentence=self, **spec)


def _spo_for(o: Any) -> StaffMember:
    return StaffMemberFactory(grade=Grade.SPO, pdu=o.sentence.person.pdu)


class AllocationFactory(DjangoModelFactory):
    """An open allocation to a PO in the person's PDU, made by an SPO of that PDU."""

    class Meta:
        model = Allocation

    sentence = factory.SubFactory(SentenceFactory)
    practitioner = factory.LazyAttribute(
        lambda o: StaffMemberFactory(grade=Grade.PO, pdu=o.sentence.person.pdu)
    )
    start_date = factory.SelfAttribute("sentence.start_date")
    end_date = None
    reason = AllocationReason.NEW_CASE
    rationale = "Capacity and continuity discussed at the allocation meeting."
    allocated_by = factory.LazyAttribute(_spo_for)
    allocated_at = factory.LazyFunction(timezone.now)


class RiskSummaryFactory(DjangoModelFactory):
    class Meta:
        model = RiskSummary

    person = factory.SubFactory(PersonFactory)
    rosh = RoshLevel.LOW
    tier = Tier.C2
    mappa_category = None
    mappa_level = None
    assessed_on = factory.LazyFunction(lambda: today() - dt.timedelta(days=30))
    recorded_by = factory.LazyAttribute(lambda o: StaffMemberFactory(grade=Grade.PO, pdu=o.person.pdu))


class ContactFactory(DjangoModelFactory):
    """An office appointment a week ago on the sentence; give ``outcome=`` for one that has happened."""

    class Meta:
        model = Contact

    sentence = factory.SubFactory(SentenceFactory)
    person = factory.SelfAttribute("sentence.person")
    type = ContactType.OFFICE_APPOINTMENT
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    location = "Probation office"
    outcome = ""
    notes = ""
    recorded_by = factory.LazyAttribute(
        lambda o: StaffMemberFactory(grade=Grade.PO, pdu=o.sentence.person.pdu)
    )
    outcome_recorded_at = factory.LazyAttribute(lambda o: timezone.now() if o.outcome else None)
    outcome_recorded_by = factory.LazyAttribute(lambda o: o.recorded_by if o.outcome else None)


class AssessmentFactory(DjangoModelFactory):
    """A completed initial assessment of the sentence (its sections not answered), started on the sentence's
    first day and completed ``completed_after`` days later; ``completed_after=None`` for one still in progress.
    ``topics=`` a topic status ("discussed", "declined", "not_yet") writes the diversity conversation, every
    topic at it."""

    class Meta:
        model = "assessment.Assessment"
        exclude = ("completed_after",)
        skip_postgeneration_save = True  # a finished assessment refuses a second save

    sentence = factory.SubFactory(SentenceFactory)
    person = factory.SelfAttribute("sentence.person")
    kind = "initial"
    completed_after: int | None = 5
    started_on = factory.LazyAttribute(lambda o: o.sentence.start_date)
    completed_on = factory.LazyAttribute(
        lambda o: None if o.completed_after is None else o.started_on + dt.timedelta(days=o.completed_after)
    )
    status = factory.LazyAttribute(lambda o: "in_progress" if o.completed_on is None else "complete")

    @factory.post_generation
    def topics(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        from evenhand.assessment.models import DiversityTopic, Topic

        if not create or not extracted:
            return
        DiversityTopic.objects.bulk_create(
            DiversityTopic(
                assessment_id=self.pk,
                topic=topic,
                status=extracted,
                in_their_words="In their words." if extracted == "discussed" else "",
                not_yet_reason="Not yet." if extracted == "not_yet" else "",
            )
            for topic in Topic.values
        )


def names(page: str, person: Person) -> bool:
    """Whether a page names a person: shows their CRN, or their surname as a word once every member of staff's
    name is taken out (a staff member called Harrison, or Harris, does not name the person Gordon Harris). The
    page is unescaped first, so that an O'Brien is found as a page shows them (O&#x27;Brien)."""
    page = unescape(page)
    if person.crn in page:
        return True
    for first, last in StaffMember.objects.values_list("first_name", "last_name"):
        page = page.replace(f"{first} {last}", "").replace(f"{last}, {first}", "")
    return re.search(rf"\b{re.escape(person.last_name)}\b", page) is not None
