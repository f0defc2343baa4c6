"""Computing and keeping the equality figures, and starting the jobs that do it (ADR 11).

The dashboard and the API answer from :class:`~.models.StoredFigures`, computed by a job on a worker: nightly
(and after an import) for the standard periods and every characteristic, and on demand, as a job whose
progress the page shows, for any other period or reference group. No web request computes an analysis.
The populations other apps register (:mod:`.registry`: the workforce's staff) are stored the same way, with
their ``population`` key (:func:`compute_population_figures`), by jobs those apps register.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from evenhand.core.db import analytics_reads
from evenhand.jobs import selectors as job_selectors
from evenhand.jobs.models import Job, Status
from evenhand.jobs.services import start_job
from evenhand.org.models import StaffMember

from .engine import Analysis, BadRequest, Settings, analyse, completeness, trends, trends_by
from .measures import CHARACTERISTICS, Period, Source
from .models import StoredFigures
from .periods import standard_periods
from .registry import analyse_population
from .stored import pack

ANALYSIS_JOB = "equality_analysis"
PRECOMPUTE_JOB = "equality_precompute"
PUBLICATION_JOB = "equality_publication"
# A failed analysis is the answer to the same question for this long; after it, asking starts a new job.
FAILURE_REMEMBERED = dt.timedelta(minutes=10)

Progress = Callable[[str], None]


# --- computing and storing --------------------------------------------------------------------------------


def compute_figures(
    period: Period,
    settings: Settings,
    *,
    source: Source | None = None,
    progress: Progress | None = None,
    standard: str = "",
    trend_table: pd.DataFrame | None = None,
) -> StoredFigures:
    """Analyse the period by the settings' characteristic (every measure and unit), work out the trend in
    every unit and the data completeness, and store them, replacing what was stored for the same question.
    Raises the engine's :class:`BadRequest` when it cannot be run; nothing is stored then. ``trend_table``
    is the trend already worked out (:func:`~.engine.trends_by`, for several characteristics at once)."""
    say = progress or (lambda _: None)
    source = source or Source(period)
    started = timezone.now()
    say("Reading the period's cases")
    # The period's cases from the analytics replica, when there is one (ADR 15); the figures to the primary.
    with analytics_reads():
        analysis = analyse(period, settings, source=source, progress=lambda title: say(f"Analysing: {title}"))
        table = trends(period, settings, source=source, progress=say) if trend_table is None else trend_table
        say("Measuring data completeness")
        complete = {level: completeness(source, level) for level in ("region", "pdu", "team")}
    payload = {**_payload(analysis), "sampled": analysis.sampled, "trends": table, "completeness": complete}
    say("Storing the figures")
    return _store("", period, settings, payload, standard=standard, started=started)


def compute_population_figures(
    population: str,
    period: Period,
    settings: Settings,
    *,
    progress: Progress | None = None,
    standard: str = "",
) -> StoredFigures:
    """:func:`compute_figures` for a registered population (:func:`~.registry.analyse_population`: every
    measure of it split by the settings' characteristic, with the declaration rule per unit), stored under
    the population's key. Raises :class:`BadRequest` when it cannot be run; nothing is stored then."""
    say = progress or (lambda _: None)
    started = timezone.now()
    say(f"Analysing the {population} measures")
    with analytics_reads():
        result = analyse_population(population, period, settings)
    analysis = result.analysis
    payload = {**_payload(analysis), "withheld": result.withheld, "declared": result.declared}
    say("Storing the figures")
    return _store(population, period, settings, payload, standard=standard, started=started)


def _payload(analysis: Analysis) -> dict[str, Any]:
    """What is stored of any analysis (``selectors.analysis_of`` reads it back)."""
    return {
        "measures": tuple(measure.key for measure in analysis.measures),
        "groups": analysis.groups,
        "adjusted": analysis.adjusted,
        "units": analysis.units,
        "dispersion": analysis.dispersion,
        "models": analysis.models,
        "skipped": analysis.skipped,
        "seconds": analysis.seconds,
    }


def _store(
    population: str,
    period: Period,
    settings: Settings,
    payload: dict[str, Any],
    *,
    standard: str,
    started: dt.datetime,
) -> StoredFigures:
    """The figures of one question, fresh, in place of any stored for the same question."""
    with transaction.atomic():
        stored, _ = StoredFigures.objects.update_or_create(
            population=population,
            period_start=period.start,
            period_end=period.end,
            characteristic=settings.characteristic,
            reference=settings.reference or "",
            defaults={
                "standard": standard,
                "computed_at": started,
                "seconds": (timezone.now() - started).total_seconds(),
                "stale_since": None,
                "data": pack(payload),
            },
        )
    return stored


def forget_other_periods(population: str, keep: Period) -> int:
    """Remove a registered population's stored figures of every period but ``keep`` (one whose pages only
    ever show the current period: the workforce's 365 days to today, which moves daily). Returns how many."""
    removed, _ = (
        StoredFigures.objects.filter(population=population)
        .exclude(period_start=keep.start, period_end=keep.end)
        .delete()
    )
    return removed


def precompute(today: dt.date, *, progress: Progress | None = None) -> dict[str, list[str]]:
    """Every standard period by every characteristic, each period's data read once. A characteristic that
    cannot be analysed in a period (nobody in its reference group) is skipped and named."""
    say = progress or (lambda _: None)
    done, skipped = [], []
    for name, period in standard_periods(today).items():
        source = Source(period)
        requests = [Settings(characteristic=characteristic) for characteristic in CHARACTERISTICS]
        # The trend of every characteristic in one pass over the quarters; then each analysis, ethnic group
        # (the dashboard's default) first.
        with analytics_reads():
            tables = trends_by(period, requests, source=source, progress=say)
        for request, table in zip(requests, tables, strict=True):
            characteristic = request.characteristic
            what = f"{name} ({period.start} to {period.end}) by {CHARACTERISTICS[characteristic].lower()}"
            say(f"Computing the {what}")
            try:
                compute_figures(
                    period, request, source=source, progress=say, standard=name, trend_table=table
                )
            except BadRequest as error:
                skipped.append(f"{what}: {error}")
            else:
                done.append(what)
    return {"computed": done, "skipped": skipped}


def mark_stale(day: dt.date, *, population: str = "", until: dt.date | None = None) -> int:
    """A decision dated ``day`` has been recorded (or, for a registered ``population``, a record of its
    people: a staff member's HR event): every stored figure of the population whose period holds the day is
    stale (the page says so) until it is computed again. With ``until``, records from ``day`` to ``until``
    (an import): every period overlapping them. Returns how many were marked."""
    return StoredFigures.objects.filter(
        population=population,
        period_start__lte=until or day,
        period_end__gte=day,
        stale_since__isnull=True,
    ).update(stale_since=timezone.now())


# --- jobs -------------------------------------------------------------------------------------------------


def analysis_key(period: Period, settings: Settings) -> str:
    return f"{ANALYSIS_JOB}:{period.start}:{period.end}:{settings.characteristic}:{settings.reference or ''}"


def request_analysis(period: Period, settings: Settings, *, by: StaffMember) -> Job:
    """The job computing the figures for a question the store does not hold: the one already queued or
    running for it, else a new one. Raises :class:`BadRequest` if the same question failed a moment ago (a
    period with nobody under supervision, a reference group with nobody in it), naming the parameter."""
    return request_job(
        kind=ANALYSIS_JOB,
        key=analysis_key(period, settings),
        parameters={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "characteristic": settings.characteristic,
            "reference": settings.reference or "",
        },
        by=by,
    )


def request_job(*, kind: str, key: str, parameters: dict[str, Any], by: StaffMember | None) -> Job:
    """The job of ``key`` already queued or running, else a new one of ``kind``: how a page asks for figures
    it does not hold (this app's analyses, and the populations other apps store). Raises
    :class:`JobBadRequest` if the same job failed a moment ago, or failed at once (the immediate backend)."""
    last = job_selectors.latest(key=key)
    if (
        last is not None
        and last.status == Status.FAILED
        and last.finished_at is not None
        and timezone.now() - last.finished_at < FAILURE_REMEMBERED
    ):
        raise JobBadRequest(last.error, last.error_field or None)
    job = start_job(kind=kind, parameters=parameters, by=by, key=key)
    if job.status == Status.FAILED:  # run at once (the immediate backend) and failed
        raise JobBadRequest(job.error, job.error_field or None)
    return job


class JobBadRequest(BadRequest):
    """The analysis job failed for a reason in the question; ``field`` names the parameter."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


def start_precompute(*, key: str = "", by: StaffMember | None = None) -> Job:
    """Queue the precomputation of the standard periods (nightly, after an import, or by hand)."""
    return start_job(kind=PRECOMPUTE_JOB, parameters={}, by=by, key=key or PRECOMPUTE_JOB)


def start_publication(*, period: Period, characteristic: str, by: StaffMember) -> Job:
    """Queue a publication of the period by one characteristic, or by every one (``all``)."""
    return start_job(
        kind=PUBLICATION_JOB,
        parameters={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "characteristic": characteristic,
        },
        by=by,
    )
