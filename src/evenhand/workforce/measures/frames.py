"""The records the workforce measures are worked from, as frames: the staff in post in a period with their
group, grade, service and events, the HR events themselves, and the applicants to recruitment campaigns."""

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from django.db.models import OuterRef, Q, Subquery

from evenhand.org.models import StaffMember

from ..models import (
    GRADED,
    STAGE_ORDER,
    ApplicantProgress,
    ApplicantStage,
    Declaration,
    EventKind,
    HrEvent,
)
from .common import _DECLARED_AS, MEASURES, _group_of, _service_band


def staff_frame(*, start: dt.date, end: dt.date, characteristic: str) -> pd.DataFrame:
    """One row per staff member in post at some time in the period: grade, region and PDU codes, the group
    of their latest declaration by the end of the period ('' when none or declined), their dates and hours,
    their grade at the start of the period and since when they have held the grade at its end (from their
    joining, promotion and demotion events, else the staff record), and per measure how many of the events
    they had in the period."""
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    declared = Subquery(
        Declaration.objects.filter(
            staff=OuterRef("pk"), characteristic=_DECLARED_AS[characteristic], declared_at__lt=until
        )
        .order_by("-declared_at", "-id")
        .values("value")[:1]
    )
    staff = StaffMember.objects.filter(
        Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))
    )
    columns = ["pk", "grade", "team__pdu__region__code", "team__pdu__code", "declared"]
    columns += ["start_date", "end_date", "contracted_hours"]
    rows = list(staff.annotate(declared=declared).values_list(*columns))
    names = ["staff_id", "grade", "region", "pdu", "declared", "start_date", "end_date", "hours"]
    frame = pd.DataFrame(rows, columns=names).set_index("staff_id")
    frame["group"] = frame["declared"].map(_group_of(characteristic))
    frame["hours"] = frame["hours"].astype(float)
    events = period_events(frame.index.tolist(), start=start, end=end)
    for spec in MEASURES.values():
        counts = events[events["kind"] == spec.kind].groupby("staff_id").size()
        frame[spec.key] = counts.reindex(frame.index, fill_value=0).astype(int)
    graded = pd.DataFrame(
        list(
            HrEvent.objects.filter(
                staff_id__in=frame.index.tolist(),
                corrected_by__isnull=True,
                kind__in=[kind for kind in GRADED if kind != EventKind.TEMPORARY_PROMOTION],
                occurred_on__lte=end,
            )
            .order_by("occurred_on", "id")
            .values_list("staff_id", "occurred_on", "grade")
        ),
        columns=["staff_id", "occurred_on", "grade"],
    )
    before = graded[graded["occurred_on"] < start].groupby("staff_id")["grade"].last()
    frame["grade_at_start"] = before.reindex(frame.index).fillna(frame["grade"])
    since = graded.groupby("staff_id")["occurred_on"].last()
    frame["in_grade_since"] = since.reindex(frame.index).fillna(frame["start_date"])
    years = frame["start_date"].map(lambda day: max((start - day).days, 0) / 365.25)
    frame["service_band"] = years.map(_service_band)
    return frame


def period_events(staff_ids: Iterable[int], *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The standing HR events of these staff dated in the period, one row each, with the columns the
    measures read."""
    columns = ["staff_id", "kind", "occurred_on", "pqip_stage", "outcome", "days", "leaving_reason"]
    frame = pd.DataFrame(
        list(
            HrEvent.objects.filter(
                staff_id__in=list(staff_ids),
                corrected_by__isnull=True,
                occurred_on__gte=start,
                occurred_on__lte=end,
            )
            .order_by("occurred_on", "id")
            .values_list(*columns)
        ),
        columns=columns,
    )
    frame["days"] = pd.to_numeric(frame["days"]).astype(float)
    return frame


def applicant_frame(*, start: dt.date, end: dt.date, characteristic: str) -> pd.DataFrame:
    """One row per applicant who applied in the period: the campaign's region code ('' for a national
    campaign), their group from what they declared on the application ('' when not declared or declined),
    and whether they reached each stage (one 0/1 column per stage)."""
    applied = ApplicantProgress.objects.filter(
        stage=ApplicantStage.APPLIED, reached_on__gte=start, reached_on__lte=end
    )
    field_name = "ethnicity" if characteristic == "ethnic_group" else characteristic
    rows = list(
        applied.values_list("applicant_id", "applicant__campaign__region__code", f"applicant__{field_name}")
    )
    frame = pd.DataFrame(rows, columns=["applicant_id", "region", "declared"]).set_index("applicant_id")
    frame["region"] = frame["region"].fillna("")
    frame["group"] = frame["declared"].map(_group_of(characteristic))
    stages = pd.DataFrame(
        list(
            ApplicantProgress.objects.filter(applicant_id__in=frame.index.tolist()).values_list(
                "applicant_id", "stage"
            )
        ),
        columns=["applicant_id", "stage"],
    )
    for stage in STAGE_ORDER:
        reached = set(stages.loc[stages["stage"] == stage, "applicant_id"])
        frame[stage] = [int(pk in reached) for pk in frame.index]
    return frame
