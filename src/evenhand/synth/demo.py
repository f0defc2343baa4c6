"""The demo service for `make demo`: a synthetic PDU from the generator, one log-in per role, and a few
capacity reductions and reports so that workload figures have something to explain, and a few restricted
records (a restriction list, an exclusion, and one the demo practitioner cannot open), and custody cases (one
held before release, one released onto licence and post-sentence supervision, one waiting in the allocation
queue) with a risk review and a registration; a racially aggravated case waiting in the allocation queue under
the sensitive-case protocol, with staff sensitivities in the demo team; and a safe voice handler group (the
administrator) and custodian (the inspector).

The generator's staffing is calibrated to the workload model (teams at about 90-150% of capacity), and its
casework leaves some appointment outcomes unrecorded, some risk reviews and registration reviews overdue, and
appointments booked for the weeks after today, so that the caseload, workload and allocation screens show a
service under realistic pressure.

The data comes from `evenhand.synth` at `pdu` scale (about 2,200 people and a year of casework ending today);
the log-ins are attached to generated staff: the PO and PSO with the largest caseloads, their SPO, the head
of the PDU, and the first analyst, inspector and administrator. It lives in synth, above the domain apps it
writes through (org, workload), not in core, which sits below them (docs/decisions/0004-dependency-order.md).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.cases import services as cases
from evenhand.cases.models import (
    AllocationReason,
    OffenceCategory,
    OffenceFlag,
    RegistrationType,
    RequirementType,
    Sentence,
    SentenceType,
)
from evenhand.org.models import Grade, Region, StaffMember
from evenhand.people.models import Person
from evenhand.people.services import add_to_access_list
from evenhand.synth.generator import generate
from evenhand.voice import services as voice
from evenhand.voice.models import ConcernKind
from evenhand.voice.synth import load_demo_data as load_voice_demo_data
from evenhand.workload import services as workload
from evenhand.workload.models import ReductionReason, TaskType

DEMO_PASSWORD = "evenhand-demo-2026"
# The demo's safe voice handler (admin.demo) opens concerns with this handling passphrase.
DEMO_VOICE_PASSPHRASE = "evenhand-demo-voice-2026"
DEMO_SCALE = "pdu"
DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    name: str


def load_demo(*, today: dt.date | None = None) -> list[DemoLogin]:
    """Generate the demo PDU into an empty database (once) and make sure every demo log-in exists."""
    today = today or timezone.localdate()
    if not Region.objects.exists():
        generate(scale=DEMO_SCALE, seed=DEMO_SEED, end_date=today)
        with transaction.atomic():
            logins = attach_logins()
            add_capacity_examples(today)
            add_restricted_examples(today)
            add_custody_examples(today)
            add_sensitive_examples(today)
            add_voice_handlers()
        return logins
    return attach_logins()


def add_voice_handlers() -> None:
    """Safe voice: a national handler group led by the demo administrator (handling passphrase
    ``DEMO_VOICE_PASSPHRASE``) for every kind of concern, and the demo inspector as custodian, so that a demo
    log-in can raise a concern from the footer link and the administrator can work it at /voice-team/."""
    voice.ensure_default_kinds_and_themes()
    lead = StaffMember.objects.filter(grade=Grade.ADMIN).order_by("pk")[0]
    voice.set_up_handler_key(staff=lead, passphrase=DEMO_VOICE_PASSPHRASE)
    voice.create_handler_group(
        name="National safe voice unit", kinds=list(ConcernKind.objects.all()), lead=lead
    )
    voice.appoint_custodian(staff=StaffMember.objects.filter(grade=Grade.INSPECTOR).order_by("pk")[0])
    load_voice_demo_data(lead=lead, passphrase=DEMO_VOICE_PASSPHRASE)


def _with_caseload(grade: str) -> StaffMember:
    open_cases = Count("allocations", filter=Q(allocations__end_date__isnull=True))
    return StaffMember.objects.filter(grade=grade).annotate(cases=open_cases).order_by("-cases", "pk")[0]


def attach_logins() -> list[DemoLogin]:
    """One log-in per role, on generated staff; idempotent."""
    po = _with_caseload(Grade.PO)
    pso = StaffMember.objects.filter(grade=Grade.PSO, team=po.team).order_by("pk").first() or _with_caseload(
        Grade.PSO
    )
    chosen = {
        "po.demo": po,
        "pso.demo": pso,
        "spo.demo": StaffMember.objects.get(grade=Grade.SPO, team=po.team),
        "head.demo": StaffMember.objects.get(
            grade=Grade.HEAD_OF_PDU, team__pdu=po.team.pdu if po.team else None
        ),
        "analyst.demo": StaffMember.objects.filter(grade=Grade.ANALYST).order_by("pk")[0],
        "inspector.demo": StaffMember.objects.filter(grade=Grade.INSPECTOR).order_by("pk")[0],
        "admin.demo": StaffMember.objects.filter(grade=Grade.ADMIN).order_by("pk")[0],
        "hr.demo": StaffMember.objects.filter(grade=Grade.HR_ANALYST).order_by("pk")[0],
    }
    users = get_user_model().objects
    logins = []
    for username, staff in chosen.items():
        if staff.user_id is None:
            user = users.filter(username=username).first() or users.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=staff.first_name,
                last_name=staff.last_name,
            )
            StaffMember.objects.filter(user=user).exclude(pk=staff.pk).update(user=None)
            staff.user = user
            staff.save(update_fields=["user"])
        logins.append(
            DemoLogin(
                staff.user.username if staff.user else username, staff.get_grade_display(), staff.full_name
            )
        )
    return sorted(logins, key=lambda login: login.username)


def add_capacity_examples(today: dt.date) -> None:
    """Reductions and reports in the demo PO's team, so workload figures show what makes them up."""
    po = StaffMember.objects.get(user__username="po.demo")
    spo = StaffMember.objects.get(user__username="spo.demo")
    team = StaffMember.objects.filter(team=po.team).exclude(pk=po.pk)
    pos = list(team.filter(grade=Grade.PO).order_by("pk"))
    psos = list(team.filter(grade=Grade.PSO).order_by("pk"))
    if pos:
        workload.record_nqo_reduction(by=spo, staff=pos[0], qualified_on=today - dt.timedelta(days=120))
    if psos:
        workload.record_pqip_reductions(by=spo, staff=psos[0], training_start=today - dt.timedelta(days=200))
    if len(psos) > 1:
        workload.record_reduction(
            by=spo,
            staff=psos[1],
            reason=ReductionReason.LONG_TERM_SICKNESS,
            start_date=today - dt.timedelta(days=30),
            end_date=today + dt.timedelta(days=40),
        )
    workload.record_reduction(
        by=spo,
        staff=po,
        reason=ReductionReason.TRADE_UNION,
        hours=Decimal("7.4"),
        start_date=today - dt.timedelta(days=400),
    )
    for n, practitioner in enumerate([po, *pos[:2]]):
        workload.record_task(
            by=spo,
            practitioner=practitioner,
            task_type=TaskType.STANDARD_COURT_REPORT if n % 2 == 0 else TaskType.FAST_COURT_REPORT,
            assigned_on=today - dt.timedelta(days=3),
            due_date=today + dt.timedelta(days=7 + 7 * n),
            reference="Magistrates' court",
        )


def add_restricted_examples(today: dt.date) -> None:
    """Restricted records managed by the demo head of PDU: one of the demo PO's cases restricted to the PO (and
    the head, who manages it), another with the demo PSO on its exclusion list, and a case of the PDU that
    nobody but the head may open, so the demo PO meets a refusal."""
    head = StaffMember.objects.get(user__username="head.demo")
    po = StaffMember.objects.get(user__username="po.demo")
    pso = StaffMember.objects.get(user__username="pso.demo")
    review_on = today + dt.timedelta(days=90)
    held = list(
        Person.objects.filter(
            sentences__allocations__practitioner=po, sentences__allocations__end_date__isnull=True
        )
        .distinct()
        .order_by("pk")[:2]
    )
    others = Person.objects.filter(pdu_id=head.pdu_id or 0).exclude(
        sentences__allocations__practitioner__in=[po, pso]
    )
    examples = [
        (held[0] if held else None, "restriction", po, "High-profile case: local press interest"),
        (held[1] if len(held) > 1 else None, "exclusion", pso, "Knows the person and their family"),
        (others.order_by("pk").first(), "restriction", head, "The victim works in this PDU"),
    ]
    for person, list_name, staff, reason in examples:
        if person is not None:
            add_to_access_list(
                by=head,
                person=person,
                list_name=list_name,
                staff=staff,
                reason=reason,
                review_on=review_on,
                channel=Channel.COMMAND,
            )


def add_custody_examples(today: dt.date) -> None:
    """Custody cases of the demo PO's PDU, written through the services: one the demo PO manages before release,
    one released onto licence (post-sentence supervision following it) that the PO keeps, and one waiting in
    the allocation queue, with a risk of serious harm review and a registration."""
    head = StaffMember.objects.get(user__username="head.demo")
    spo = StaffMember.objects.get(user__username="spo.demo")
    po = StaffMember.objects.get(user__username="po.demo")
    if head.pdu_id is None:
        return
    people = list(
        Person.objects.filter(pdu_id=head.pdu_id, restrictions__isnull=True, exclusions__isnull=True)
        .exclude(sentences__allocations__end_date__isnull=True)
        .order_by("pk")[:3]
    )
    if len(people) < 3:
        return
    before, released, queued = people

    def custody(person: Person, months_ago: int, months: int, release_in: int) -> Sentence:
        sentenced = today - dt.timedelta(days=30 * months_ago)
        return cases.create_sentence(
            by=head,
            person=person,
            type=SentenceType.CUSTODY,
            court="Crown Court",
            start_date=sentenced,
            length=months,
            length_unit="months",
            expected_end_date=sentenced + dt.timedelta(days=30 * release_in),
            offences=[
                cases.OffenceInput(
                    category=OffenceCategory.VIOLENCE,
                    is_main=True,
                    committed_on=sentenced - dt.timedelta(days=120),
                )
            ],
        )

    held = custody(before, 3, 24, 12)
    cases.allocate(
        by=spo, sentence=held, practitioner=po, reason=AllocationReason.NEW_CASE, start_date=held.start_date
    )
    cases.record_risk_review(
        by=po,
        person=before,
        assessed_on=today - dt.timedelta(days=20),
        rosh_children="L",
        rosh_public="M",
        rosh_known_adult="M",
        rosh_staff="L",
        next_review_due=today + dt.timedelta(days=150),
        review_reason="initial",
        tier="C2",
        tier_source="national",
    )
    cases.add_registration(
        by=po,
        person=before,
        type=RegistrationType.DOMESTIC_ABUSE,
        start_date=held.start_date,
        next_review_date=today + dt.timedelta(days=60),
    )
    out = custody(released, 9, 12, 6)
    cases.allocate(
        by=spo, sentence=out, practitioner=po, reason=AllocationReason.NEW_CASE, start_date=out.start_date
    )
    cases.record_release(by=po, custody=out, released_on=out.expected_end_date, releasing_prison="HMP Leeds")
    custody(queued, 1, 8, 4)


def add_sensitive_examples(today: dt.date) -> None:
    """The sensitive-case protocol at work: a racially aggravated offence sentenced yesterday, waiting in the
    demo PDU's allocation queue; and staff sensitivities in the demo team (the demo PSO and another
    practitioner asked to be consulted before such a case is allocated to them), so that the allocation screen
    shows "consult first" against their names."""
    head = StaffMember.objects.get(user__username="head.demo")
    po = StaffMember.objects.get(user__username="po.demo")
    pso = StaffMember.objects.get(user__username="pso.demo")
    if head.pdu_id is None:
        return
    waiting = (
        Person.objects.filter(pdu_id=head.pdu_id, restrictions__isnull=True, exclusions__isnull=True)
        .exclude(sentences__termination_date__isnull=True)
        .exclude(sentences__termination_date__gte=today)
        .exclude(sentences__allocations__end_date__isnull=True)
        .order_by("-pk")
        .first()
    )
    if waiting is not None:
        sentenced = today - dt.timedelta(days=1)
        cases.create_sentence(
            by=head,
            person=waiting,
            type=SentenceType.COMMUNITY_ORDER,
            court="Magistrates' Court",
            start_date=sentenced,
            length=12,
            length_unit="months",
            offences=[
                cases.OffenceInput(
                    category=OffenceCategory.PUBLIC_ORDER,
                    description="Racially aggravated intentional harassment, alarm or distress",
                    is_main=True,
                    committed_on=sentenced - dt.timedelta(days=60),
                    racially_or_religiously_aggravated=True,
                    hate_crime=True,
                )
            ],
            requirements=[
                cases.RequirementInput(type=RequirementType.UNPAID_WORK, unpaid_work_hours=120),
                cases.RequirementInput(type=RequirementType.RAR, rar_days=20),
            ],
        )
    others = (
        StaffMember.objects.filter(team=po.team, grade__in=[Grade.PO, Grade.PSO], end_date__isnull=True)
        .exclude(pk__in=[po.pk, pso.pk])
        .order_by("pk")
    )
    workload.record_sensitivity(
        by=pso,
        kind=OffenceFlag.RACIALLY_OR_RELIGIOUSLY_AGGRAVATED,
        note="I would like to talk it through before I take a racially aggravated case.",
    )
    colleague = others.first()
    if colleague is not None:
        workload.record_sensitivity(by=colleague, kind=OffenceFlag.RACIALLY_OR_RELIGIOUSLY_AGGRAVATED)
        workload.record_sensitivity(by=colleague, kind=OffenceFlag.HATE_CRIME)
