"""Capacity reductions and counted tasks: recorded by a manager of the practitioner's PDU (tasks also by the
practitioner), each write in one transaction."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from evenhand.core.services import require_past, validated
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from ..access import ensure_manages, manages
from ..models import CapacityReduction, CountedTask, ReductionReason
from ..rules import (
    FULL_REDUCTIONS,
    NQO_MONTHS,
    NQO_PERCENTAGE,
    PQIP_DEFAULT_MONTHS,
    PQIP_FINAL_PERCENTAGE,
    PQIP_SCHEDULE,
    add_months,
)
from ..selectors.figures import CASE_HOLDING_GRADES


def _hours_a_week(reduction: CapacityReduction, contracted: Decimal) -> Decimal:
    if reduction.hours is not None:
        return reduction.hours
    return (reduction.percentage or Decimal(0)) * contracted / 100


def _in_force(reduction: CapacityReduction, day: dt.date) -> bool:
    return reduction.start_date <= day and (reduction.end_date is None or reduction.end_date >= day)


def _check_total(staff: StaffMember, new: CapacityReduction, ignore: int | None = None) -> None:
    """Refuse a reduction that, with those already recorded, would take more than all of the contracted hours on
    any day. The total only rises where a reduction starts, so checking each start inside the new one's span
    finds the highest."""
    contracted = staff.contracted_hours
    field = "percentage" if new.percentage is not None else "hours"
    own = _hours_a_week(new, contracted)
    if own > contracted:
        raise ValidationError(
            {
                field: f"This is more than {staff.full_name}'s contracted {contracted.normalize():f} hours a week"
            }
        )
    overlapping = CapacityReduction.objects.filter(
        staff=staff, start_date__lte=new.end_date or dt.date.max
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=new.start_date))
    if ignore is not None:
        overlapping = overlapping.exclude(pk=ignore)
    others = list(overlapping)
    for day in sorted({new.start_date} | {r.start_date for r in others if r.start_date > new.start_date}):
        total = own + sum((_hours_a_week(r, contracted) for r in others if _in_force(r, day)), Decimal(0))
        if total > contracted:
            raise ValidationError(
                {
                    field: f"With the reductions already in force on {day:%-d %B %Y} this takes "
                    f"{total.quantize(Decimal('0.1')).normalize():f} of {staff.full_name}'s "
                    f"{contracted.normalize():f} contracted hours a week: more than 100%"
                }
            )


def _practitioner(staff: StaffMember) -> StaffMember:
    """Lock the practitioner's row, so two reductions recorded at once are checked one after the other."""
    locked = StaffMember.objects.select_for_update().get(pk=staff.pk)
    if locked.grade not in CASE_HOLDING_GRADES:
        raise ValidationError({"staff": "Capacity is recorded for PSOs and POs, who hold cases"})
    return locked


def _save_reduction(
    *,
    by: StaffMember,
    staff: StaffMember,
    reason: str,
    start_date: dt.date,
    end_date: dt.date | None,
    percentage: Decimal | None,
    hours: Decimal | None,
    notes: str,
) -> CapacityReduction:
    if percentage is not None and hours is not None:
        raise ValidationError(
            {"percentage": "Give the reduction as a percentage or as hours a week, not both"}
        )
    if percentage is None and hours is None:
        if reason in FULL_REDUCTIONS:
            percentage = Decimal(100)
        else:
            raise ValidationError({"percentage": "Enter the reduction as a percentage or as hours a week"})
    if percentage is not None and percentage > 100:
        raise ValidationError({"percentage": "A reduction cannot be more than 100%"})
    if percentage is not None and percentage <= 0:
        raise ValidationError({"percentage": "A reduction must be more than 0%"})
    if hours is not None and hours <= 0:
        raise ValidationError({"hours": "A reduction must be more than 0 hours"})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The reduction cannot end before it starts"})
    reduction = validated(
        CapacityReduction(
            staff=staff,
            reason=reason,
            percentage=percentage,
            hours=hours,
            start_date=start_date,
            end_date=end_date,
            notes=(notes or "").strip(),
            recorded_by=by,
        )
    )
    _check_total(staff, reduction)
    reduction.save()
    return reduction


@transaction.atomic
def record_reduction(
    *,
    by: StaffMember,
    staff: StaffMember,
    reason: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    percentage: Decimal | None = None,
    hours: Decimal | None = None,
    notes: str = "",
) -> CapacityReduction:
    """Record a reduction in a practitioner's capacity, as a percentage of contracted hours or as hours a week.

    Long-term sickness and maternity or adoption leave default to 100%. A reduction over 100%, or one that takes
    the reductions in force on any day over 100% in total, is refused and nothing is written.
    """
    ensure_manages(by, staff)
    return _save_reduction(
        by=by,
        staff=_practitioner(staff),
        reason=reason,
        start_date=start_date,
        end_date=end_date,
        percentage=percentage,
        hours=hours,
        notes=notes,
    )


@transaction.atomic
def record_pqip_reductions(
    *,
    by: StaffMember,
    staff: StaffMember,
    training_start: dt.date,
    training_months: int = PQIP_DEFAULT_MONTHS,
) -> list[CapacityReduction]:
    """A trainee probation officer's (PQiP) reductions for the whole of their training: 80% for the first six
    months, 60% for the next six, 40% from then until training ends. All or nothing."""
    ensure_manages(by, staff)
    staff = _practitioner(staff)
    scheduled = sum(months for months, _ in PQIP_SCHEDULE)
    if training_months <= scheduled:
        raise ValidationError({"training_months": f"PQiP training lasts more than {scheduled} months"})
    reductions = []
    start = training_start
    elapsed = 0
    for months, percentage in [*PQIP_SCHEDULE, (training_months - scheduled, PQIP_FINAL_PERCENTAGE)]:
        elapsed += months
        end = add_months(training_start, elapsed) - dt.timedelta(days=1)
        reductions.append(
            _save_reduction(
                by=by,
                staff=staff,
                reason=ReductionReason.PQIP,
                start_date=start,
                end_date=end,
                percentage=percentage,
                hours=None,
                notes=f"PQiP training from {training_start:%-d %B %Y}, {training_months} months",
            )
        )
        start = end + dt.timedelta(days=1)
    return reductions


@transaction.atomic
def record_nqo_reduction(*, by: StaffMember, staff: StaffMember, qualified_on: dt.date) -> CapacityReduction:
    """A newly qualified officer's reduction: 20% for their first nine months as a PO."""
    ensure_manages(by, staff)
    return _save_reduction(
        by=by,
        staff=_practitioner(staff),
        reason=ReductionReason.NEWLY_QUALIFIED,
        start_date=qualified_on,
        end_date=add_months(qualified_on, NQO_MONTHS) - dt.timedelta(days=1),
        percentage=NQO_PERCENTAGE,
        hours=None,
        notes=f"Qualified on {qualified_on:%-d %B %Y}",
    )


@transaction.atomic
def end_reduction(*, by: StaffMember, reduction: CapacityReduction, end_date: dt.date) -> CapacityReduction:
    """Bring a reduction's end forward (a return from sickness, say). Extending one is a new reduction."""
    reduction = CapacityReduction.objects.select_for_update().select_related("staff").get(pk=reduction.pk)
    ensure_manages(by, reduction.staff)
    if end_date < reduction.start_date:
        raise ValidationError({"end_date": "The reduction cannot end before it starts"})
    if reduction.end_date is not None and end_date >= reduction.end_date:
        raise ValidationError(
            {
                "end_date": f"The reduction already ends on {reduction.end_date:%-d %B %Y}; record a new one to extend it"
            }
        )
    reduction.end_date = end_date
    validated(reduction)
    reduction.save(update_fields=["end_date", "modified_at"])
    return reduction


# --- counted tasks ----------------------------------------------------------------------------------------


def _ensure_own_or_managed(by: StaffMember, practitioner: StaffMember) -> None:
    if by.pk != practitioner.pk and not manages(by, practitioner):
        raise PermissionDenied("Only the practitioner or a manager of their PDU can record their tasks.")


@transaction.atomic
def record_task(
    *,
    by: StaffMember,
    practitioner: StaffMember,
    task_type: str,
    assigned_on: dt.date,
    due_date: dt.date,
    reference: str = "",
    person: Person | None = None,
) -> CountedTask:
    """Record a report (or other counted task) a practitioner has been given."""
    _ensure_own_or_managed(by, practitioner)
    if practitioner.grade not in CASE_HOLDING_GRADES:
        raise ValidationError({"practitioner": "Counted tasks are recorded for PSOs and POs"})
    if due_date < assigned_on:
        raise ValidationError({"due_date": "The due date cannot be before the task was assigned"})
    task = validated(
        CountedTask(
            practitioner=practitioner,
            task_type=task_type,
            person=person,
            reference=(reference or "").strip(),
            assigned_on=assigned_on,
            due_date=due_date,
            recorded_by=by,
        )
    )
    task.save()
    return task


@transaction.atomic
def complete_task(*, by: StaffMember, task: CountedTask, completed_on: dt.date) -> CountedTask:
    """Mark a counted task done; it stops counting from that day."""
    task = CountedTask.objects.select_for_update().select_related("practitioner").get(pk=task.pk)
    _ensure_own_or_managed(by, task.practitioner)
    if task.completed_on is not None:
        raise ValidationError({"completed_on": f"This task was completed on {task.completed_on:%-d %B %Y}"})
    require_past(completed_on, "completed_on", "The date it was completed")
    if completed_on < task.assigned_on:
        raise ValidationError({"completed_on": "The task cannot be completed before it was assigned"})
    task.completed_on = completed_on
    validated(task)
    task.save(update_fields=["completed_on", "modified_at"])
    return task
