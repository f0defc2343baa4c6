"""A small demo probation region, built through the same services that practitioners use.

Until the synthetic national generator exists this is what `make demo` loads: one region, two PDUs, four
teams, about 30 practitioners and 240 people with sentences, risk, a year of contacts and the enforcement
decisions that followed, plus one log-in per role. The newest few sentences in each PDU wait in the allocation
queue (one of them racially aggravated, under the sensitive-case protocol), and some practitioners have capacity
reductions and reports. It is deterministic for a given seed and date.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from evenhand.cases import services as cases
from evenhand.cases.models import (
    AllocationReason,
    AssessmentType,
    ContactOutcome,
    ContactType,
    Decision,
    DiversityDiscussed,
    OffenceCategory,
    ReferralStatus,
    RequirementType,
    SentenceType,
    ServiceArea,
    Tier,
)
from evenhand.org.models import PDU, Grade, StaffMember, Team
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.people.models import Disability, Ethnicity, IdentifiedBy, Person, Religion, Sex
from evenhand.people.services import create_person, record_diversity
from evenhand.workload import services as workload
from evenhand.workload.models import ReductionReason, TaskType

DEMO_PASSWORD = "evenhand-demo-2026"
# The last people made in each PDU have new sentences nobody holds yet: the allocation queue.
QUEUED_PER_PDU = 4

FIRST_NAMES_M = [
    "James",
    "Mohammed",
    "Daniel",
    "Kwame",
    "Liam",
    "Ravi",
    "Tomasz",
    "Connor",
    "Jamal",
    "Ryan",
    "Adebayo",
    "Imran",
    "Lewis",
    "Marcus",
    "Ahmed",
    "Sean",
    "Tyrone",
    "Kieran",
    "Hassan",
    "Jordan",
]
FIRST_NAMES_F = ["Sarah", "Aisha", "Emma", "Priya", "Chloe", "Grace", "Fatima", "Jade", "Agnieszka", "Leah"]
LAST_NAMES = [
    "Smith",
    "Khan",
    "Jones",
    "Williams",
    "Ahmed",
    "Brown",
    "Taylor",
    "Okafor",
    "Patel",
    "Wilson",
    "Davies",
    "Hussain",
    "Evans",
    "Mensah",
    "Thomas",
    "Roberts",
    "Begum",
    "Walker",
    "Nowak",
    "Campbell",
    "Wright",
    "Ali",
    "Green",
    "Clarke",
    "Hall",
    "Osei",
    "Lewis",
    "Singh",
    "Murphy",
    "Robinson",
]
COURTS = [
    "Leeds Magistrates' Court",
    "Leeds Crown Court",
    "Bradford Crown Court",
    "Wakefield Magistrates' Court",
]
PRISONS = ["HMP Leeds", "HMP Wealstun", "HMP New Hall"]

# Roughly the ethnic make-up of people on probation in a northern English region (MoJ offender management
# statistics): about one in five from a minority ethnic group, about one in ten not recorded.
ETHNICITY_WEIGHTS = {
    Ethnicity.WHITE_BRITISH: 62,
    Ethnicity.WHITE_OTHER: 5,
    Ethnicity.WHITE_IRISH: 1,
    Ethnicity.WHITE_GYPSY_TRAVELLER: 1,
    Ethnicity.ASIAN_PAKISTANI: 6,
    Ethnicity.ASIAN_INDIAN: 2,
    Ethnicity.ASIAN_BANGLADESHI: 1,
    Ethnicity.ASIAN_OTHER: 1,
    Ethnicity.BLACK_CARIBBEAN: 3,
    Ethnicity.BLACK_AFRICAN: 3,
    Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN: 2,
    Ethnicity.MIXED_OTHER: 1,
    Ethnicity.OTHER_ARAB: 1,
    Ethnicity.PREFER_NOT_TO_SAY: 1,
    Ethnicity.NOT_RECORDED: 10,
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    name: str


def existing_demo_logins() -> list[DemoLogin]:
    """The demo log-ins already in the database, for a second `make demo`."""
    members = StaffMember.objects.filter(user__username__endswith=".demo").select_related("user")
    return sorted(
        (DemoLogin(m.user.username, m.get_grade_display(), m.full_name) for m in members if m.user),
        key=lambda login: login.username,
    )


@dataclass
class _Unit:
    pdu: PDU
    spo: StaffMember
    practitioners: list[StaffMember]


def _staff(
    rng: random.Random, code: str, grade: str, team: Team | None, start: dt.date, username: str | None = None
) -> StaffMember:
    female = rng.random() < 0.7  # the probation workforce is about 70% women
    return create_staff_member(
        staff_code=code,
        first_name=rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M),
        last_name=rng.choice(LAST_NAMES),
        grade=grade,
        team=team,
        contracted_hours=Decimal("37.0") if rng.random() < 0.8 else Decimal("22.5"),
        start_date=start - dt.timedelta(days=rng.randint(200, 4000)),
        username=username,
        password=DEMO_PASSWORD if username else None,
    )


@transaction.atomic
def build_demo_region(
    *, seed: int = 2026, people_per_pdu: int = 120, today: dt.date | None = None
) -> list[DemoLogin]:
    """Create the demo region and return the demo log-ins (one per role)."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    region = create_region(code="YH", name="Yorkshire and the Humber")
    units: list[_Unit] = []
    logins: list[DemoLogin] = []
    for p, (code, name) in enumerate([("LDS", "Leeds"), ("BRD", "Bradford and Calderdale")]):
        pdu = create_pdu(region=region, code=code, name=name)
        management = create_team(pdu=pdu, code=f"{code}-MGT", name=f"{name} management")
        head = _staff(
            rng, f"{code}H01", Grade.HEAD_OF_PDU, management, today, username="head.demo" if p == 0 else None
        )
        practitioners: list[StaffMember] = []
        spo: StaffMember | None = None
        for t in range(2):
            team = create_team(pdu=pdu, code=f"{code}-T{t + 1}", name=f"{name} team {t + 1}")
            team_spo = _staff(
                rng,
                f"{code}S{t + 1:02d}",
                Grade.SPO,
                team,
                today,
                username="spo.demo" if p == 0 and t == 0 else None,
            )
            spo = spo or team_spo
            for n in range(8):
                grade = Grade.PO if n % 2 == 0 else Grade.PSO
                username = None
                if p == 0 and t == 0 and n == 0:
                    username = "po.demo"
                elif p == 0 and t == 0 and n == 1:
                    username = "pso.demo"
                practitioners.append(_staff(rng, f"{code}{t + 1}{n + 1:02d}", grade, team, today, username))
        assert spo is not None
        units.append(_Unit(pdu, spo, practitioners))
        if p == 0:
            logins.append(DemoLogin("head.demo", "Head of PDU", head.full_name))
    for code, grade, username in [
        ("NAT-A01", Grade.ANALYST, "analyst.demo"),
        ("NAT-I01", Grade.INSPECTOR, "inspector.demo"),
        ("NAT-X01", Grade.ADMIN, "admin.demo"),
    ]:
        member = _staff(rng, code, grade, None, today, username)
        logins.append(DemoLogin(username, member.get_grade_display(), member.full_name))
    for username in ("spo.demo", "po.demo", "pso.demo"):
        member = StaffMember.objects.get(user__username=username)
        logins.append(DemoLogin(username, member.get_grade_display(), member.full_name))

    crn_numbers = rng.sample(range(100000, 999999), k=people_per_pdu * len(units))
    for u, unit in enumerate(units):
        for i in range(people_per_pdu):
            queued = i - (people_per_pdu - QUEUED_PER_PDU)
            _demo_person(
                rng, unit, f"{'LB'[u]}{crn_numbers[u * people_per_pdu + i]:06d}", today, queued=queued
            )
        _demo_capacity(unit, today)
    return sorted(logins, key=lambda login: login.username)


def _demo_capacity(unit: _Unit, today: dt.date) -> None:
    """A few reductions and reports, so that workload figures show what makes them up."""
    psos = [p for p in unit.practitioners if p.grade == Grade.PSO]
    pos = [p for p in unit.practitioners if p.grade == Grade.PO]
    workload.record_nqo_reduction(by=unit.spo, staff=pos[1], qualified_on=today - dt.timedelta(days=120))
    workload.record_pqip_reductions(by=unit.spo, staff=psos[2], training_start=today - dt.timedelta(days=200))
    workload.record_reduction(
        by=unit.spo,
        staff=pos[2],
        reason=ReductionReason.TRADE_UNION,
        hours=Decimal("7.4"),
        start_date=today - dt.timedelta(days=400),
    )
    workload.record_reduction(
        by=unit.spo,
        staff=psos[3],
        reason=ReductionReason.LONG_TERM_SICKNESS,
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=40),
    )
    for n, practitioner in enumerate(pos[:3]):
        workload.record_task(
            by=unit.spo,
            practitioner=practitioner,
            task_type=TaskType.STANDARD_COURT_REPORT if n % 2 == 0 else TaskType.FAST_COURT_REPORT,
            assigned_on=today - dt.timedelta(days=3),
            due_date=today + dt.timedelta(days=7 + 7 * n),
            reference="Leeds Magistrates' Court",
        )


def _demo_person(rng: random.Random, unit: _Unit, crn: str, today: dt.date, queued: int = -1) -> Person:
    """One person with a sentence. ``queued`` 0, 1, … makes a new sentence left in the allocation queue (the
    first of them racially aggravated); a negative value makes an allocated one."""
    spo = unit.spo
    female = rng.random() < 0.15  # about 15% of people on probation are women
    age = min(80, 18 + int(rng.expovariate(1 / 14)))
    person = create_person(
        by=spo,
        crn=crn,
        first_name=rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M),
        last_name=rng.choice(LAST_NAMES),
        date_of_birth=today - dt.timedelta(days=age * 365 + rng.randint(0, 364)),
        sex=Sex.FEMALE if female else Sex.MALE,
        pdu=unit.pdu,
        first_language="English"
        if rng.random() < 0.9
        else rng.choice(["Polish", "Urdu", "Romanian", "Arabic"]),
    )
    ethnicity = rng.choices(list(ETHNICITY_WEIGHTS), weights=list(ETHNICITY_WEIGHTS.values()))[0]
    recorded = ethnicity != Ethnicity.NOT_RECORDED
    record_diversity(
        by=spo,
        person=person,
        ethnicity=ethnicity,
        identified_by=IdentifiedBy.SELF
        if recorded and rng.random() < 0.85
        else (IdentifiedBy.STAFF if recorded else ""),
        identified_on=today - dt.timedelta(days=rng.randint(30, 700)) if recorded else None,
        religion=rng.choice(list(Religion.values)),
        disability=rng.choices(list(Disability.values), weights=[25, 60, 3, 12])[0],
    )

    kind = rng.choices(list(SentenceType.values), weights=[45, 20, 28, 7])[0]
    start = today - dt.timedelta(days=rng.randint(20, 360))
    if queued >= 0:
        start = today - dt.timedelta(days=1 + 2 * queued)
    months = rng.choice([12, 18, 24])
    high_tier = rng.random() < 0.25
    tier = rng.choice([Tier.A2, Tier.B2, Tier.B3] if high_tier else [Tier.C1, Tier.C2, Tier.D1, Tier.D2])
    rosh = rng.choice(["H", "M"]) if high_tier else rng.choice(["L", "M"])
    offence = rng.choice(list(OffenceCategory.values))
    requirements: list[cases.RequirementInput] = []
    if kind in (SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER):
        requirements.append(
            cases.RequirementInput(type=RequirementType.RAR, rar_days=rng.choice([10, 15, 20, 30]))
        )
        if rng.random() < 0.5:
            requirements.append(
                cases.RequirementInput(
                    type=RequirementType.UNPAID_WORK, unpaid_work_hours=rng.choice([60, 100, 150])
                )
            )
    sentence = cases.create_sentence(
        by=spo,
        person=person,
        type=kind,
        court=rng.choice(
            PRISONS if kind in (SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION) else COURTS
        ),
        start_date=start,
        expected_end_date=start + dt.timedelta(days=months * 30),
        offences=[
            cases.OffenceInput(
                category=offence,
                is_main=True,
                racially_or_religiously_aggravated=queued == 0
                or (offence in ("violence", "public_order", "criminal_damage") and rng.random() < 0.05),
                domestic_abuse=offence == "violence" and rng.random() < 0.3,
            )
        ],
        requirements=requirements,
    )
    cases.record_risk_summary(by=spo, person=person, rosh=rosh, tier=tier, assessed_on=start)
    if queued >= 0:
        return person
    eligible = [p for p in unit.practitioners if p.grade == Grade.PO or rosh in ("L", "M")]
    cases.allocate(
        by=spo,
        sentence=sentence,
        practitioner=rng.choice(eligible),
        reason=AllocationReason.NEW_CASE,
        start_date=start + dt.timedelta(days=rng.randint(0, 5)),
        rationale="Allocated on capacity and grade at the allocation meeting.",
    )
    completed = start + dt.timedelta(days=rng.randint(5, 25))
    if completed < today:
        cases.record_assessment(
            by=spo,
            person=person,
            sentence=sentence,
            type=AssessmentType.OASYS_LAYER_3,
            started_on=start,
            completed_on=completed,
            diversity_factors_discussed=rng.choices(list(DiversityDiscussed.values), weights=[55, 35, 10])[0],
            sentence_plan_agreed_on=completed,
        )
    _demo_contacts(rng, spo, sentence, today)
    if rng.random() < 0.35:
        made_on = start + dt.timedelta(days=rng.randint(1, max(1, (today - start).days - 1)))
        referral = cases.make_referral(
            by=spo,
            sentence=sentence,
            service_area=rng.choice(list(ServiceArea.values)),
            reason="Need identified in the sentence plan.",
            made_on=min(made_on, today),
        )
        if rng.random() < 0.6 and referral.made_on < today:
            cases.update_referral_status(
                by=spo, referral=referral, status=ReferralStatus.ACCEPTED, changed_on=today
            )
    return person


def _demo_contacts(rng: random.Random, spo: StaffMember, sentence, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    tz = timezone.get_current_timezone()
    day = sentence.start_date + dt.timedelta(days=3)
    horizon = min(today + dt.timedelta(days=21), sentence.expected_end_date)
    while day <= horizon:
        if day.weekday() < 5:
            starts_at = dt.datetime.combine(
                day, dt.time(rng.choice([9, 10, 11, 14, 15]), rng.choice([0, 30])), tz
            )
            outcome = ""
            if day < today:
                outcome = rng.choices(
                    [
                        ContactOutcome.ATTENDED_COMPLIED,
                        ContactOutcome.FAILED_ACCEPTABLE,
                        ContactOutcome.FAILED_UNACCEPTABLE,
                        ContactOutcome.RESCHEDULED,
                        ContactOutcome.ATTENDED_FAILED_TO_COMPLY,
                    ],
                    weights=[86, 6, 4, 3, 1],
                )[0]
            recorded = cases.record_contact(
                by=spo,
                sentence=sentence,
                type=rng.choice(
                    [ContactType.OFFICE_APPOINTMENT] * 4 + [ContactType.HOME_VISIT, ContactType.PHONE]
                ),
                starts_at=starts_at,
                location="Probation office" if rng.random() < 0.8 else "Home address",
                notes="Reviewed progress against the sentence plan." if outcome else "",
                outcome=outcome,
            )
            proposal = recorded.proposal
            # Most failures get a decision within days; the most recent stay outstanding, as in real caseloads.
            if proposal is not None and (today - day).days > 7:
                decision = proposal.decision if rng.random() < 0.8 else Decision.NO_FURTHER_ACTION
                if decision == Decision.NO_FURTHER_ACTION:
                    rationale = "The person gave a credible reason after the event; discussed and recorded."
                else:
                    rationale = f"{proposal.reason} Discussed with the person and their SPO."
                cases.decide_enforcement(
                    by=spo,
                    sentence=sentence,
                    decision=decision,
                    rationale=rationale,
                    triggering_contacts=[recorded.contact],
                    decided_at=starts_at + dt.timedelta(days=2),
                )
                if decision in (Decision.BREACH, Decision.RECALL_STANDARD):
                    break  # the order goes back to court or the person is recalled: no further contacts here
        day += dt.timedelta(days=rng.choice([7, 7, 14]))
