"""The equality app's kinds of job (ADR 11): an analysis of one question, the nightly precomputation of the
standard periods, and a publication; registered with :mod:`evenhand.jobs` when the app is ready."""

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from evenhand.jobs import registry
from evenhand.jobs.models import Job
from evenhand.jobs.registry import JobFailed, Kind, Schedule
from evenhand.jobs.runner import Reporter
from evenhand.org.models import StaffMember

from . import services
from .access import can_see_equality
from .engine import BadRequest, Settings
from .measures import CATALOGUE, CHARACTERISTICS, Period
from .selectors import problem_field, stored_since

# The hour (local time) after which the night's precomputation is due.
NIGHTLY_HOUR = 2


def _period(parameters: dict[str, Any]) -> Period:
    return Period(dt.date.fromisoformat(parameters["start"]), dt.date.fromisoformat(parameters["end"]))


def _period_words(parameters: dict[str, Any]) -> str:
    period = _period(parameters)
    return f"{period.start:%-d %B %Y} to {period.end:%-d %B %Y}"


def _characteristic_words(parameters: dict[str, Any]) -> str:
    name = parameters.get("characteristic", "")
    return "every characteristic" if name == "all" else CHARACTERISTICS.get(name, name).lower()


def _may_follow(staff: StaffMember, job: Job) -> bool:
    return can_see_equality(staff)


# --- an analysis ------------------------------------------------------------------------------------------


def _analyse(job: Job, reporter: Reporter) -> dict[str, Any]:
    parameters = job.parameters
    question = Settings(
        characteristic=parameters["characteristic"], reference=parameters.get("reference") or None
    )
    # Computed since this job was asked for (by the nightly precomputation, say): nothing left to do.
    done = stored_since(_period(parameters), question, job.created_at)
    if done is not None:
        return {"figures": done}
    try:
        stored = services.compute_figures(_period(parameters), question, progress=reporter.say)
    except BadRequest as error:
        raise JobFailed(str(error), problem_field(error) or "") from None
    return {"figures": stored.pk}


def _analysis_links(job: Job) -> list[tuple[str, str]]:
    parameters = job.parameters
    start, end = _period(parameters).start, _period(parameters).end
    query = (
        f"characteristic={parameters['characteristic']}&reference={parameters.get('reference', '')}"
        f"&from-day={start.day}&from-month={start.month}&from-year={start.year}"
        f"&to-day={end.day}&to-month={end.month}&to-year={end.year}"
    )
    return [("See the figures", f"{reverse('equality-dashboard')}?{query}")]


registry.register(
    Kind(
        name=services.ANALYSIS_JOB,
        title=lambda p: f"Equality figures by {_characteristic_words(p)}, {_period_words(p)}",
        run=_analyse,
        may_follow=_may_follow,
        links=_analysis_links,
        # Reading, each measure, the trend's quarters (at most 21 for a 5-year period), completeness, storing.
        steps=lambda p: 1 + len(CATALOGUE) + 1 + 21 // 4 + 2,
    )
)


# --- the standard periods, nightly and after an import ---------------------------------------------------


def _precompute(job: Job, reporter: Reporter) -> dict[str, Any]:
    return services.precompute(timezone.localdate(), progress=reporter.say)


registry.register(
    Kind(
        name=services.PRECOMPUTE_JOB,
        title=lambda p: "Equality figures for the standard periods, by every characteristic",
        run=_precompute,
        may_follow=_may_follow,
        steps=lambda p: (
            len(services.standard_periods(timezone.localdate()))
            * len(CHARACTERISTICS)
            * (len(CATALOGUE) + 10)
        ),
    )
)


registry.schedule(
    Schedule(
        name="equality nightly",
        due=registry.daily(services.PRECOMPUTE_JOB, from_hour=NIGHTLY_HOUR),
        start=lambda key: services.start_precompute(key=key),
    )
)
# After an import: the figures again (joining a precomputation already queued or running).
registry.AFTER_DATA_CHANGES.append(lambda: services.start_precompute())


# --- a publication ----------------------------------------------------------------------------------------


def publication_folder(job: Job) -> Path:
    """The folder of a publication job's files: named by the job and when it was asked for, so that a job
    number used again (after a restore) never meets an older job's files."""
    return Path(django_settings.PUBLICATIONS_DIR) / f"job-{job.pk}-{job.created_at:%Y%m%d%H%M%S%f}"


def _publish(job: Job, reporter: Reporter) -> dict[str, Any]:
    from evenhand.disclosure import DisclosureError

    from .publish.period import publish_period

    parameters = job.parameters
    every = parameters["characteristic"] == "all"
    out = publication_folder(job)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        published = publish_period(
            _period(parameters),
            characteristics=list(CHARACTERISTICS) if every else [parameters["characteristic"]],
            out=out,
            every=every,
            progress=reporter.say,
        )
    except (BadRequest, DisclosureError) as error:
        raise JobFailed(str(error)) from None
    files = [str(path.relative_to(out)) for path in sorted(out.rglob("*")) if path.is_file()]
    return {"folder": out.name, "files": files, "flagged": published.flagged}


def publication_files(job: Job) -> list[str]:
    """The files a finished publication wrote, as paths inside its folder (what may be downloaded)."""
    return (
        list(job.result.get("files", []))
        if job.kind == services.PUBLICATION_JOB and job.status == "succeeded"
        else []
    )


def _publication_links(job: Job) -> list[tuple[str, str]]:
    return [
        (name, reverse("equality-publication-file", kwargs={"job_id": job.pk, "file_name": name}))
        for name in publication_files(job)
        if not name.endswith(".json.gz")
    ]


registry.register(
    Kind(
        name=services.PUBLICATION_JOB,
        title=lambda p: f"Equality publication by {_characteristic_words(p)}, {_period_words(p)}",
        run=_publish,
        may_follow=_may_follow,
        links=_publication_links,
        steps=lambda p: (
            (len(CHARACTERISTICS) if p.get("characteristic") == "all" else 1) * (len(CATALOGUE) + 14) + 6
        ),
        # A publication is all or nothing and quick to start again: one attempt, then say it failed.
        max_attempts=1,
    )
)
