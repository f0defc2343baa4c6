"""Reads of the workforce app. A staff member's own profile is read only for them (``my_profile``); everyone
else sees declarations only in aggregate (``declaration_rates``), and only in the roles ``access`` allows."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export
from evenhand.org.models import StaffMember

from .access import ensure_can_see_aggregates
from .models import ANSWERS, DECLINED, Declaration, HrEvent, StaffCharacteristic, WorkforceRelease
from .publication import file_of
from .rules import Event


def current_answers(staff: StaffMember) -> dict[str, str]:
    """The standing answer of each characteristic the staff member has declared (latest declaration)."""
    answers: dict[str, str] = {}
    for characteristic, value in (
        Declaration.objects.filter(staff=staff)
        .order_by("characteristic", "-declared_at", "-id")
        .values_list("characteristic", "value")
    ):
        answers.setdefault(characteristic, value)
    return answers


@dataclass(frozen=True)
class Answer:
    characteristic: str
    question: str
    value: str  # "" when not declared
    label: str  # "Not declared" when not declared
    declared_at: dt.datetime | None


@dataclass(frozen=True)
class Profile:
    answers: list[Answer]
    history: list[Answer]


def my_profile(viewer: StaffMember) -> Profile:
    """The viewer's own equality profile and its history. There is deliberately no selector for anyone
    else's: an individual profile is shown to no one but the person it describes."""
    rows = list(Declaration.objects.filter(staff=viewer).order_by("-declared_at", "-id"))
    history = [
        Answer(
            row.characteristic,
            StaffCharacteristic(row.characteristic).label,
            row.value,
            dict(ANSWERS[row.characteristic]).get(row.value, row.value),
            row.declared_at,
        )
        for row in rows
    ]
    latest: dict[str, Answer] = {}
    for answer in history:
        latest.setdefault(answer.characteristic, answer)
    answers = [
        latest.get(key) or Answer(key, label, "", "Not declared", None)
        for key, label in StaffCharacteristic.choices
    ]
    return Profile(answers=answers, history=history)


def standing_events(staff: StaffMember) -> list[Event]:
    """The staff member's HR events that no later event corrects, as rule values."""
    return standing_events_of([staff.pk]).get(staff.pk, [])


def standing_events_of(staff_ids: Iterable[int]) -> dict[int, list[Event]]:
    """The standing HR events of each of these staff members (one query), as rule values; every id given is a
    key, with an empty list for someone with no events."""
    ids = list(staff_ids)
    events: dict[int, list[Event]] = {pk: [] for pk in ids}
    for row in HrEvent.objects.filter(staff_id__in=ids, corrected_by__isnull=True).order_by(
        "occurred_on", "id"
    ):
        events[row.staff_id].append(
            Event(
                kind=row.kind,
                occurred_on=row.occurred_on,
                grade=row.grade,
                route=row.route,
                pqip_stage=row.pqip_stage,
                grievance_kind=row.grievance_kind,
                outcome=row.outcome,
                days=row.days,
                investigator_grade=row.investigator_grade,
                course=row.course,
                leaving_reason=row.leaving_reason,
                exit_themes=tuple(row.exit_themes),
                pk=row.pk,
            )
        )
    return events


@dataclass
class DeclarationRate:
    unit: str  # the unit's name ("England and Wales" nationally)
    staff: int  # staff in post on the day
    declared: dict[str, int]  # per characteristic: staff who gave an answer other than "prefer not to say"
    declined: dict[str, int]  # per characteristic: staff whose answer is "prefer not to say"

    def rate(self, characteristic: str) -> float | None:
        return self.declared[characteristic] / self.staff if self.staff else None


def in_post(on: dt.date) -> Q:
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def declaration_rates(
    viewer: StaffMember, *, by: str = "region", on: dt.date | None = None
) -> list[DeclarationRate]:
    """Per unit (``region`` or ``pdu``, and nationally first): staff in post on the day, and how many had
    declared each characteristic and how many had declined to say, counted from the latest declarations made
    by that day. Counts only; for the roles that may see aggregates."""
    ensure_can_see_aggregates(viewer)
    on = on or timezone.localdate()
    unit = {"region": "team__pdu__region__name", "pdu": "team__pdu__name"}.get(by)
    if unit is None:
        raise ValueError("Declaration rates are by region or by PDU")
    until = dt.datetime.combine(
        on + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    staff = StaffMember.objects.filter(in_post(on))
    annotations = {}
    for key in StaffCharacteristic.values:
        annotations[key] = Subquery(
            Declaration.objects.filter(staff=OuterRef("pk"), characteristic=key, declared_at__lt=until)
            .order_by("-declared_at", "-id")
            .values("value")[:1]
        )
    rows = list(staff.annotate(**annotations).values(unit, *StaffCharacteristic.values))
    national = DeclarationRate("England and Wales", 0, {}, {})
    units: dict[str, DeclarationRate] = {}
    for row in rows:
        name = row[unit] or "Not in a PDU"
        for target in (national, units.setdefault(name, DeclarationRate(name, 0, {}, {}))):
            target.staff += 1
            for key in StaffCharacteristic.values:
                value = row[key]
                declared = bool(value) and value != DECLINED[key]
                target.declared[key] = target.declared.get(key, 0) + int(declared)
                target.declined[key] = target.declined.get(key, 0) + int(value == DECLINED[key])
    return [national, *(units[name] for name in sorted(units))]


def releases(viewer: StaffMember) -> list[WorkforceRelease]:
    """Every published workforce report, newest first, without its files; for HR analysts."""
    ensure_can_see_aggregates(viewer)
    return list(
        WorkforceRelease.objects.select_related("published_by").defer("html", "ods", "manifest", "figures")
    )


def release_file(viewer: StaffMember, release_id: int, kind: str) -> tuple[WorkforceRelease, bytes] | None:
    """A published report and one of its files (``html``, ``ods`` or ``cells``) exactly as stored, with the
    download in the access log; None when there is no such report. For HR analysts (``PermissionDenied``)."""
    ensure_can_see_aggregates(viewer)
    release = WorkforceRelease.objects.filter(pk=release_id).first()
    if release is None:
        return None
    data = file_of(release, kind)
    log_export(
        staff=viewer,
        channel=Channel.UI,
        detail=f"Workforce report {release.unit} {release.period}, {kind} (sha256 {release.sha256})",
    )
    return release, data
