"""Requirement progress: how much of a requirement is done, by when it must be, and whether it will be.

Plain functions over plain values (no database), so every rule can be tested against hand-worked examples;
:mod:`evenhand.cases.agenda` reads the outcomes and asks these functions.

Only appointments attended with compliance count: a rescheduled or cancelled appointment, an acceptable or
unacceptable absence, or attending and failing to comply, add nothing.

* Unpaid work: hours done are the lengths of the sessions attended, to be completed within 12 months of the
  order (Sentencing Act 2020, schedule 9 paragraph 3), and never after the order ends.
* Rehabilitation activity requirement (RAR): days used are the distinct days with an activity attended, by the
  end of the order (or of the requirement's own length, when the court set one).
* Accredited programme: sessions attended. The order does not record how many sessions the programme has, so
  there is a count but no target and no warning.

A requirement is *at risk* when, at the rate achieved so far, it will not be completed by its expected end:
``done + done / elapsed * days left < ordered``. The first ``SETTLING_IN_DAYS`` are not judged (a rate over a
fortnight says little), and once the expected end has passed with work outstanding it is at risk whatever the
rate.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from evenhand.core.dates import years_after

from .models import RequirementType, add_length

# Days from the start of a requirement before its rate of progress is judged.
SETTLING_IN_DAYS = 28
# Unpaid work must be done within this many months of the order.
UNPAID_WORK_MONTHS = 12

UNITS = {
    RequirementType.UNPAID_WORK: "hours",
    RequirementType.RAR: "days",
    RequirementType.ACCREDITED_PROGRAMME: "sessions",
}
# The kinds of requirement that appointments count towards.
COUNTED = tuple(UNITS)


@dataclass(frozen=True)
class Progress:
    """What is done of a requirement and whether it will be completed in time."""

    requirement_id: int
    type: str
    unit: str  # "hours", "days" or "sessions"
    ordered: Decimal | None  # None when the order sets no amount (a programme's sessions)
    done: Decimal
    starts_on: dt.date
    expected_end: dt.date
    projected: Decimal | None  # done by the expected end at the current rate; None before it can be judged
    at_risk: bool

    @property
    def remaining(self) -> Decimal | None:
        return None if self.ordered is None else max(self.ordered - self.done, Decimal(0))

    @property
    def complete(self) -> bool:
        return self.ordered is not None and self.done >= self.ordered


def hours(minutes: int) -> Decimal:
    """Minutes as hours to two decimals (half up): 90 minutes is 1.50 hours."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_end(
    *, type: str, sentence_start: dt.date, sentence_end: dt.date, length_months: int | None
) -> dt.date:
    """The day by which a requirement must be completed: unpaid work within 12 months of the order; a
    requirement with its own length by then; otherwise by the end of the order. Never after the order ends."""
    if type == RequirementType.UNPAID_WORK:
        own = years_after(sentence_start, 1)
    elif length_months:
        own = add_length(sentence_start, length_months, "months")
    else:
        own = sentence_end
    return min(own, sentence_end)


def projection(
    *, ordered: Decimal | None, done: Decimal, starts_on: dt.date, ends_on: dt.date, today: dt.date
) -> tuple[Decimal | None, bool]:
    """What will be done by ``ends_on`` at the rate achieved from ``starts_on`` to ``today``, and whether that
    falls short of ``ordered``. ``(None, False)`` while there is nothing to judge: no amount ordered, already
    complete, or within the settling-in days."""
    if ordered is None or done >= ordered:
        return None, False
    if today > ends_on:
        return done, True
    elapsed = (today - starts_on).days
    if elapsed < SETTLING_IN_DAYS:
        return None, False
    left = (ends_on - today).days
    projected = (done + done / elapsed * left).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return projected, projected < ordered


def progress(
    *,
    requirement_id: int,
    type: str,
    unpaid_work_hours: int | None,
    rar_days: int | None,
    length_months: int | None,
    sentence_start: dt.date,
    sentence_end: dt.date,
    done: Decimal,
    today: dt.date,
) -> Progress:
    """The progress of one requirement, from the amount done (hours, days or sessions, as the type counts)."""
    ordered_of: dict[str, int | None] = {
        RequirementType.UNPAID_WORK: unpaid_work_hours,
        RequirementType.RAR: rar_days,
    }
    ordered_count = ordered_of.get(type)
    ordered = Decimal(ordered_count) if ordered_count is not None else None
    end = expected_end(
        type=type, sentence_start=sentence_start, sentence_end=sentence_end, length_months=length_months
    )
    projected, at_risk = projection(
        ordered=ordered, done=done, starts_on=sentence_start, ends_on=end, today=today
    )
    return Progress(
        requirement_id=requirement_id,
        type=type,
        unit=UNITS.get(type, ""),  # type: ignore[call-overload,unused-ignore]
        ordered=ordered,
        done=done,
        starts_on=sentence_start,
        expected_end=end,
        projected=projected,
        at_risk=at_risk,
    )
