"""Writes of the workforce app: a staff member's own declarations, HR events and recruitment records; and the
workforce comparison's figures, computed ahead by jobs and stored (ADR 11), so that no page computes them."""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.equality import services as equality
from evenhand.equality.engine import BadRequest, Settings
from evenhand.equality.measures import Period
from evenhand.jobs.models import Job
from evenhand.jobs.services import start_job
from evenhand.org.models import Region, StaffMember

from .catalogue import STAFF
from .comparison import last_twelve_months
from .models import (
    ANSWERS,
    STAGE_ORDER,
    Applicant,
    ApplicantProgress,
    Campaign,
    Declaration,
    HrEvent,
    StaffCharacteristic,
)
from .rules import Event, check_fields, check_history
from .selectors import current_answers, standing_events

REFERENCE_LIMIT = 20
FIGURES_JOB = "workforce_figures"
PRECOMPUTE_JOB = "workforce_precompute"
# What the comparison's figures are stored under (equality's StoredFigures.population).
POPULATION = STAFF.key
STANDARD = "last 12 months"


@transaction.atomic
def declare(*, by: StaffMember, staff: StaffMember, answers: Mapping[str, str]) -> list[Declaration]:
    """Record ``staff``'s answers (characteristic → answer code) as new declarations. Only the staff member
    may declare for themselves (no one else, not a manager, not HR). An answer the same as the one standing is
    not recorded again; an empty answer leaves the characteristic as it is. Returns the new declarations."""
    if by.pk != staff.pk:
        raise PermissionDenied("Only the staff member can make or change their own equality declarations.")
    for characteristic, value in answers.items():
        if characteristic not in StaffCharacteristic.values:
            raise ValidationError(
                {characteristic: f"'{characteristic}' is not a characteristic you can declare"}
            )
        if value and value not in dict(ANSWERS[characteristic]):
            raise ValidationError({characteristic: f"'{value}' is not an answer to this question"})
    standing = current_answers(staff)
    now = timezone.now()
    made = []
    for characteristic, value in answers.items():
        if value and standing.get(characteristic) != value:
            declaration = Declaration(
                staff=staff, characteristic=characteristic, value=value, declared_at=now
            )
            declaration.save()
            made.append(declaration)
    if made:
        # The figures count each person as their latest declaration by the end of the period says: the stored
        # figures of a period ending today or later now count them in another group (or in one at last).
        equality.mark_stale(timezone.localdate(now), population=POPULATION)
    return made


@transaction.atomic
def record_hr_event(
    *,
    by: StaffMember | None,
    staff: StaffMember,
    event: Event,
    corrects: HrEvent | None = None,
) -> HrEvent:
    """Record one HR event of ``staff`` after checking its fields and its place in their history (rules).
    ``corrects``: a standing event of the same staff member that this one replaces."""
    event = check_fields(event, today=timezone.localdate())
    # Lock the staff row so that two events recorded at once for one person are checked one after the other.
    StaffMember.objects.select_for_update().filter(pk=staff.pk).first()
    if corrects is not None:
        if corrects.staff_id != staff.pk:
            raise ValidationError({"corrects": "The event corrected must be one of this staff member's"})
        if HrEvent.objects.filter(corrects=corrects).exists():
            raise ValidationError({"corrects": "That event has already been corrected"})
    check_history(event, standing_events(staff), replaces=corrects.pk if corrects else None)
    row = HrEvent(
        staff=staff,
        **event.values(),
        corrects=corrects,
        recorded_by=by,
    )
    row.full_clean(exclude=["corrects", "recorded_by", "staff"])
    row.save()
    # The comparison's stored figures for a period holding the day no longer count this event.
    equality.mark_stale(row.occurred_on, population=POPULATION)
    return row


# --- the comparison's figures, computed ahead -------------------------------------------------------------


def compute_comparison(
    period: Period, characteristic: str, *, progress: Callable[[str], None] | None = None, standard: str = ""
) -> int:
    """Every workforce measure of the period split by ``characteristic`` (the engine, with the declaration
    rule per unit), stored for the comparison page; returns the stored row's id. Raises :class:`BadRequest`
    when it cannot be run (nobody declared in the reference group); nothing is stored then."""
    stored = equality.compute_population_figures(
        POPULATION, period, Settings(characteristic=characteristic), progress=progress, standard=standard
    )
    return stored.pk


def precompute_comparison(
    today: dt.date, *, progress: Callable[[str], None] | None = None
) -> dict[str, list[str]]:
    """The comparison page's period (the 365 days to ``today``) by every characteristic the staff are split
    by: what the nightly job and the one after a staff-events import store. A characteristic that cannot be
    analysed is skipped and named."""
    say = progress or (lambda _: None)
    period = last_twelve_months(today)
    done, skipped = [], []
    for characteristic, name in STAFF.characteristics.items():
        what = f"{period.start} to {period.end} by {name.lower()}"
        say(f"Computing the workforce figures, {what}")
        try:
            compute_comparison(period, characteristic, progress=say, standard=STANDARD)
        except BadRequest as error:
            skipped.append(f"{what}: {error}")
        else:
            done.append(what)
    # The page shows the current period only: earlier days' periods are of no more use.
    equality.forget_other_periods(POPULATION, period)
    return {"computed": done, "skipped": skipped}


def request_comparison(period: Period, characteristic: str, *, by: StaffMember) -> Job:
    """The job computing the comparison's figures for a period and characteristic the store does not hold
    (or holds stale): the one queued or running for it, else a new one. Raises :class:`BadRequest` if it
    failed a moment ago, with the reason."""
    return equality.request_job(
        kind=FIGURES_JOB,
        key=f"{FIGURES_JOB}:{period.start}:{period.end}:{characteristic}",
        parameters={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "characteristic": characteristic,
        },
        by=by,
    )


def start_precompute(*, key: str = "", by: StaffMember | None = None) -> Job:
    """Queue the precomputation of the comparison's figures (nightly, after a staff-events import, by hand)."""
    return start_job(kind=PRECOMPUTE_JOB, parameters={}, by=by, key=key or PRECOMPUTE_JOB)


def events_imported(days: Iterable[dt.date]) -> int:
    """HR events dated ``days`` were imported: the stored comparison figures whose period overlaps them are
    stale (a period lying between two of the days too: one update, not one a day). Returns how many."""
    days = list(days)
    if not days:
        return 0
    return equality.mark_stale(min(days), population=POPULATION, until=max(days))


def figures_parameters(parameters: dict[str, Any]) -> tuple[Period, str]:
    """A figures job's period and characteristic."""
    period = Period(dt.date.fromisoformat(parameters["start"]), dt.date.fromisoformat(parameters["end"]))
    return period, parameters["characteristic"]


def _reference(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > REFERENCE_LIMIT or not value.isprintable():
        raise ValidationError({field: f"Enter a reference of 1 to {REFERENCE_LIMIT} characters"})
    return value


@transaction.atomic
def create_campaign(
    *,
    reference: str,
    grade: str,
    opened_on: dt.date,
    region: Region | None = None,
    closed_on: dt.date | None = None,
) -> Campaign:
    campaign = Campaign(
        reference=_reference(reference, "reference"),
        grade=grade,
        region=region,
        opened_on=opened_on,
        closed_on=closed_on,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def add_applicant(
    *,
    campaign: Campaign,
    reference: str,
    ethnicity: str = "",
    sex: str = "",
    disability: str = "",
    internal_grade: str = "",
) -> Applicant:
    """An applicant with the characteristics they declared on the application (empty: not declared)."""
    applicant = Applicant(
        campaign=campaign,
        reference=_reference(reference, "reference"),
        ethnicity=ethnicity,
        sex=sex,
        disability=disability,
        internal_grade=internal_grade,
    )
    applicant.full_clean()
    applicant.save()
    return applicant


@transaction.atomic
def record_applicant_stage(*, applicant: Applicant, stage: str, reached_on: dt.date) -> ApplicantProgress:
    """An applicant reaching the next stage: stages are reached in order (applied, sifted in, interviewed,
    offered, appointed), each once, on or after the previous one and the campaign's opening."""
    if stage not in STAGE_ORDER:
        raise ValidationError({"stage": f"'{stage}' is not a stage of recruitment"})
    if reached_on > timezone.localdate():
        raise ValidationError({"reached_on": "The date must be today or in the past"})
    Applicant.objects.select_for_update().filter(pk=applicant.pk).first()
    reached: Sequence[ApplicantProgress] = list(applicant.stages.order_by("reached_on", "id"))
    expected = STAGE_ORDER[len(reached)] if len(reached) < len(STAGE_ORDER) else None
    if stage != expected:
        after = reached[-1].get_stage_display().lower() if reached else "nothing yet"
        raise ValidationError(
            {"stage": f"After {after}, the next stage is {expected or 'none'}, not {stage}"}
        )
    earliest = reached[-1].reached_on if reached else applicant.campaign.opened_on
    if reached_on < earliest:
        raise ValidationError({"reached_on": f"The date must be on or after {earliest:%-d %B %Y}"})
    progress = ApplicantProgress(applicant=applicant, stage=stage, reached_on=reached_on)
    progress.save()
    return progress
