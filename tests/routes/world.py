"""The world the route walk runs in: two PDUs, staff in every role the access rules distinguish, and two people
on probation whose every free-text field carries a marker, so that any response showing them can be caught.

Zebulon Markerfield (CRN Z999111) is managed in Leeds and held by the holder; the excluded practitioner is on
his exclusion list. Quilla Hiddenstone (CRN Q999222), also in Leeds and held by the holder, has a restriction
list: the holder and the head of PDU only. The leaver is a Leeds PO who holds one of Zebulon's sentences but
whose staff record ended ten days ago.

The people have ids far above anything else in the database, so an id of theirs in an analyst's response
cannot be a coincidence.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from evenhand.api.services import issue_api_token
from evenhand.assessment.models import Assessment, PreSentenceReport
from evenhand.assessment.services import TopicAnswer, save_conversation, save_section, start_assessment
from evenhand.assessment.services.reports import save_report_section, start_report
from evenhand.audit.models import Channel
from evenhand.audit.services import log_person_view, log_refused_view
from evenhand.cases.models import (
    Contact,
    ContactOutcome,
    ContactType,
    Decision,
    EnforcementDecision,
    OffenceCategory,
    OffenceFlag,
    Referral,
    Registration,
    RegistrationType,
    Reliability,
    RiskInformation,
    RiskSummary,
    Sentence,
    ServiceArea,
)
from evenhand.cases.services import (
    add_registration,
    decide_enforcement,
    make_referral,
    record_contact,
    record_risk_information,
)
from evenhand.org.models import PDU, Grade, StaffMember, Team
from evenhand.people.access import pseudonym, record_token
from evenhand.people.models import DiversityProfile, Ethnicity, Person, Religion
from evenhand.people.services import exclude_staff, restrict_to_staff
from evenhand.workload.models import Consultation, CountedTask, TaskType
from evenhand.workload.services import (
    ensure_published_weightings,
    record_consultation,
    record_reduction,
    record_sensitivity,
    record_task,
)
from tests.factories import (
    AllocationFactory,
    PDUFactory,
    PersonFactory,
    RegionFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    TeamFactory,
    local_datetime,
    today,
)

ZEBULON_PK = 900_001
QUILLA_PK = 900_002


@dataclass
class Marked:
    """One person on probation and a record of every kind about them, each carrying the person's markers."""

    key: str
    person: Person
    sentence: Sentence  # allocated to the holder
    queued: Sentence  # nobody holds it yet: in the allocation queue
    failure: Contact  # an unacceptable failure, answered by ``decision``
    contact: Contact  # an appointment still waiting for its outcome
    decision: EnforcementDecision
    referral: Referral
    consultation: Consultation  # about ``queued``, with the holder
    task: CountedTask  # a court report the holder is writing about them
    assessment: Assessment  # in progress, by the holder
    markers: tuple[str, ...]  # planted in free text
    information: RiskInformation | None = None  # risk information from the police about them
    risk_review: RiskSummary | None = None
    registration: Registration | None = None  # a hate crime registration, its notes marked
    report: PreSentenceReport | None = None  # a pre-sentence report in draft by the holder, its text marked

    @property
    def name_parts(self) -> tuple[str, str]:
        return self.person.first_name, self.person.last_name

    @property
    def crn(self) -> str:
        return self.person.crn

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.person.pk)

    def tokens(self) -> list[str]:
        """Every analyst's reference to this person's records."""
        return [
            record_token("person", self.person.pk),
            record_token("sentence", self.sentence.pk),
            record_token("sentence", self.queued.pk),
            record_token("contact", self.failure.pk),
            record_token("contact", self.contact.pk),
            record_token("decision", self.decision.pk),
            record_token("referral", self.referral.pk),
            record_token("consultation", self.consultation.pk),
            record_token("assessment", self.assessment.pk),
            *([record_token("risk_review", self.risk_review.pk)] if self.risk_review else []),
            *([record_token("registration", self.registration.pk)] if self.registration else []),
            *([record_token("report", self.report.pk)] if self.report else []),
        ]

    def identifiers(self) -> list[str]:
        """What shows that a response is about this person: name, CRN, markers, pseudonym, tokens."""
        return [*self.name_parts, self.crn, *self.markers, self.pseudonym, *self.tokens()]

    def date_of_birth_texts(self) -> list[str]:
        born = self.person.date_of_birth
        return [
            f"{born.day} {born:%B %Y}",
            f"{born.day} {born:%b %Y}",
            born.isoformat(),
            f"{born:%d/%m/%Y}",
        ]


@dataclass
class World:
    leeds: PDU
    bradford: PDU
    staff: dict[str, StaffMember]
    api_tokens: dict[str, str]
    people: dict[str, Marked]
    reduction_id: int
    sensitivity_id: int
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def holder(self) -> StaffMember:
        return self.staff["holder"]


def _staff(code: str, grade: str, team: Team | None, first: str, last: str) -> StaffMember:
    return StaffMemberFactory(
        staff_code=code,
        grade=grade,
        team=team,
        first_name=first,
        last_name=last,
        with_user=True,
        start_date=today() - dt.timedelta(days=4 * 365),
    )


def _marked(
    *,
    key: str,
    pk: int,
    crn: str,
    first: str,
    last: str,
    born: dt.date,
    prefix: str,
    pdu: PDU,
    holder: StaffMember,
    spo: StaffMember,
    head: StaffMember,
) -> Marked:
    """A person with a record of every kind, free text marked ``<prefix>-NOTE`` and so on, with the CRN."""
    markers = {
        part: f"{prefix}-{part}"
        for part in (
            "NOTE",
            "RATIONALE",
            "REASON",
            "OFFENCE",
            "COURT",
            "PROVIDER",
            "CONSULT",
            "TASK",
            "GENDER",
        )
    }
    person = PersonFactory(
        pk=pk,
        crn=crn,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        pdu=pdu,
        diversity__ethnicity=Ethnicity.BLACK_CARIBBEAN,
    )
    DiversityProfile.objects.filter(person=person).update(
        religion=Religion.CHRISTIAN, gender_identity=f"{markers['GENDER']} in their words"
    )
    risk_review = RiskSummaryFactory(person=person, recorded_by=holder)
    start = today() - dt.timedelta(days=200)

    def sentence() -> Sentence:
        return SentenceFactory(
            person=person,
            court=f"{markers['COURT']} Magistrates' Court",
            start_date=start,
            offences=[
                {
                    "is_main": True,
                    "category": OffenceCategory.THEFT,
                    "description": f"{markers['OFFENCE']} theft by {first} {last} ({crn})",
                }
            ],
        )

    held = sentence()
    AllocationFactory(sentence=held, practitioner=holder, allocated_by=spo, start_date=start)
    queued = sentence()
    failure = record_contact(
        by=holder,
        sentence=held,
        type=ContactType.OFFICE_APPOINTMENT,
        starts_at=local_datetime(today() - dt.timedelta(days=10)),
        location=f"{markers['NOTE']} office, {crn}",
        notes=f"{markers['NOTE']}: {first} {last} ({crn}) did not attend.",
        outcome=ContactOutcome.FAILED_UNACCEPTABLE,
    ).contact
    waiting = record_contact(
        by=holder,
        sentence=held,
        type=ContactType.HOME_VISIT,
        starts_at=local_datetime(today() - dt.timedelta(days=2)),
        location=f"{markers['NOTE']} home of {first} {last}",
        notes=f"{markers['NOTE']}: visit {crn}.",
    ).contact
    decision = decide_enforcement(
        by=holder,
        sentence=held,
        decision=Decision.WARNING,
        rationale=f"{markers['RATIONALE']}: first failure of {first} {last}, {crn}; a warning.",
        triggering_contacts=[failure],
    )
    referral = make_referral(
        by=holder,
        sentence=held,
        service_area=ServiceArea.ETE,
        reason=f"{markers['REASON']}: {first} {last} ({crn}) needs work.",
        made_on=today() - dt.timedelta(days=5),
        provider=f"{markers['PROVIDER']} Ltd",
    )
    consultation = record_consultation(
        by=head,
        sentence=queued,
        practitioner=holder,
        consulted_on=today(),
        notes=f"{markers['CONSULT']}: {first} {last} ({crn}).",
    )
    task = record_task(
        by=holder,
        practitioner=holder,
        task_type=TaskType.STANDARD_COURT_REPORT,
        assigned_on=today() - dt.timedelta(days=3),
        due_date=today() + dt.timedelta(days=10),
        reference=f"{markers['TASK']} {crn}",
        person=person,
    )
    information = record_risk_information(
        by=holder,
        sentence=held,
        source="police",
        source_detail=f"{markers['NOTE']} police, about {crn}",
        summary=f"{markers['NOTE']}: {first} {last} ({crn}) seen near the victim's address.",
        received_at=local_datetime(today() - dt.timedelta(days=1)),
        reliability=Reliability.LIKELY,
    )
    registration = add_registration(
        by=holder,
        person=person,
        type=RegistrationType.HATE_CRIME,
        start_date=today() - dt.timedelta(days=30),
        next_review_date=today() + dt.timedelta(days=60),
        notes=f"{markers['NOTE']}: {first} {last} ({crn}) registered.",
    )
    assessment = start_assessment(by=holder, person=person)
    save_section(
        by=holder,
        assessment=assessment,
        section="accommodation",
        answers={"3.3": 2, "3.4": 1},
        analysis=f"{markers['NOTE']}: {first} {last} ({crn}) sofa-surfing.",
    )
    save_conversation(
        by=holder,
        assessment=assessment,
        answers={
            "culture": TopicAnswer(
                status="discussed", in_their_words=f"{markers['NOTE']}: {first}'s own words"
            )
        },
    )
    report = start_report(
        by=holder,
        person=person,
        court=f"{markers['COURT']} Crown Court",
        hearing_date=today() + dt.timedelta(days=14),
        format="standard",
        main_offence=held.offences.get().pk,
    )
    save_report_section(
        by=holder,
        report=report,
        section="offence",
        data={"offence_analysis": f"{markers['NOTE']}: {first} {last} ({crn}) took food."},
    )
    return Marked(
        key=key,
        person=person,
        sentence=held,
        queued=queued,
        failure=failure,
        contact=waiting,
        decision=decision,
        referral=referral,
        consultation=consultation,
        task=task,
        assessment=assessment,
        markers=tuple(markers.values()),
        information=information,
        risk_review=risk_review,
        registration=registration,
        report=report,
    )


def build_world() -> World:
    """Everything above, written through the services where they check a rule."""
    ensure_published_weightings()
    region = RegionFactory(code="RWALK", name="Walk region")
    leeds = PDUFactory(code="PWLDS", name="Walk Leeds", region=region)
    bradford = PDUFactory(code="PWBRD", name="Walk Bradford", region=region)
    leeds_team = TeamFactory(code="TWLDS1", name="Walk Leeds North", pdu=leeds)
    bradford_team = TeamFactory(code="TWBRD1", name="Walk Bradford Central", pdu=bradford)
    staff = {
        "holder": _staff("WHOLDER", Grade.PO, leeds_team, "Hattie", "Holder"),
        "spo": _staff("WSPO", Grade.SPO, leeds_team, "Simone", "Senior"),
        "head": _staff("WHEAD", Grade.HEAD_OF_PDU, leeds_team, "Harold", "Head"),
        "other_pdu": _staff("WOTHER", Grade.PO, bradford_team, "Otto", "Elsewhere"),
        "inspector": _staff("WINSPECT", Grade.INSPECTOR, None, "Ines", "Inspector"),
        "analyst": _staff("WANALYST", Grade.ANALYST, None, "Ana", "Analyst"),
        "admin": _staff("WADMIN", Grade.ADMIN, None, "Adam", "Administrator"),
        "hr_analyst": _staff("WHRANALYST", Grade.HR_ANALYST, None, "Hera", "Resources"),
        "leaver": _staff("WLEAVER", Grade.PO, leeds_team, "Lena", "Leaver"),
        "excluded": _staff("WEXCLUDED", Grade.PO, leeds_team, "Ezra", "Excluded"),
        "outsider": _staff("WOUTSIDER", Grade.PO, leeds_team, "Olive", "Outside"),
    }
    # Issued while everyone is current: a leaver's token must stop working, not fail to be issued.
    api_tokens = {key: issue_api_token(staff=s, name="route walk").raw for key, s in staff.items()}
    common = {"pdu": leeds, "holder": staff["holder"], "spo": staff["spo"], "head": staff["head"]}
    zebulon = _marked(
        key="zebulon",
        pk=ZEBULON_PK,
        crn="Z999111",
        first="Zebulon",
        last="Markerfield",
        born=dt.date(1990, 3, 1),
        prefix="MARKER",
        **common,
    )
    quilla = _marked(
        key="quilla",
        pk=QUILLA_PK,
        crn="Q999222",
        first="Quilla",
        last="Hiddenstone",
        born=dt.date(1985, 7, 14),
        prefix="RESTRICTED",
        **common,
    )
    # Unmarked people of another ethnic group in each PDU, so that the equality engine has a reference group.
    for pdu in (leeds, bradford):
        for _ in range(2):
            filler = PersonFactory(pdu=pdu, diversity__ethnicity=Ethnicity.WHITE_BRITISH)
            SentenceFactory(person=filler, start_date=today() - dt.timedelta(days=200))
    # The leaver holds one of Zebulon's sentences.
    held_by_leaver = SentenceFactory(person=zebulon.person, court="Leeds Magistrates' Court")
    AllocationFactory(sentence=held_by_leaver, practitioner=staff["leaver"], allocated_by=staff["spo"])
    exclude_staff(by=staff["head"], person=zebulon.person, staff=staff["excluded"], reason="A relative")
    restrict_to_staff(by=staff["head"], person=quilla.person, staff=staff["holder"], reason="High profile")
    reduction = record_reduction(
        by=staff["spo"],
        staff=staff["holder"],
        reason="trade_union",
        start_date=today() - dt.timedelta(days=30),
        percentage=Decimal("10"),
    )
    sensitivity = record_sensitivity(by=staff["holder"], kind=OffenceFlag.DOMESTIC_ABUSE)
    # Some history for the access log page: views of both people, a refusal.
    for marked in (zebulon, quilla):
        log_person_view(staff=staff["holder"], person_id=marked.person.pk, channel=Channel.UI, detail="Walk")
    log_refused_view(staff=staff["excluded"], person_id=zebulon.person.pk, channel=Channel.UI)
    StaffMember.objects.filter(pk=staff["leaver"].pk).update(end_date=today() - dt.timedelta(days=10))
    staff["leaver"].refresh_from_db()
    assert timezone.localdate() > staff["leaver"].end_date
    return World(
        leeds=leeds,
        bradford=bradford,
        staff=staff,
        api_tokens=api_tokens,
        people={"zebulon": zebulon, "quilla": quilla},
        reduction_id=reduction.pk,
        sensitivity_id=sensitivity.pk,
    )
