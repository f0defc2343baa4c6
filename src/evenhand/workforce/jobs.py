"""The workforce app's kinds of job. Publishing the workforce report: the HR analyst asks from the releases
page, a worker builds, protects, audits and stores it (``publication.publish``, the same as ``evenhand
workforce report``), and the job's page shows its progress and links to the release's files when it is done.
The comparison page's figures (ADR 11): one characteristic when the page finds none stored (or stale), and
every characteristic nightly and after a staff-events import."""

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from evenhand.equality.engine import BadRequest, Settings
from evenhand.equality.selectors import stored_since
from evenhand.jobs.models import Job
from evenhand.jobs.registry import AFTER_IMPORT_OF, JobFailed, Kind, Schedule, daily, register, schedule
from evenhand.jobs.runner import Reporter
from evenhand.jobs.services import start_job
from evenhand.org.models import Role, StaffMember

from . import publication, services
from .access import can_see_aggregates
from .measures import CHARACTERISTICS

PUBLICATION_JOB = "workforce_publication"


def start_publication(*, period: publication.PublicationPeriod, unit: str, by: StaffMember) -> Job:
    """Queue the publication of the period's report for the unit, after the checks that need no work (the
    same ``check_publishable`` the job runs again): refused at once, with the reason, for a period not yet
    ended or already published, an unknown unit or anyone but an HR analyst. The same report asked for twice
    while the first is queued or running is the one job."""
    unit = publication.check_publishable(period=period, unit=unit, by=by, on=publication.today())
    return start_job(
        kind=PUBLICATION_JOB,
        parameters={"period": period.code, "unit": unit},
        by=by,
        key=f"{PUBLICATION_JOB}:{unit}:{period.code}",
    )


def _publish(job: Job, reporter: Reporter) -> dict[str, Any]:
    from evenhand.disclosure import DisclosureError

    parameters = job.parameters
    if job.started_by is None:
        raise JobFailed("A workforce report must be published by an HR analyst")
    reporter.say("Measuring, protecting and auditing the report")
    try:
        release = publication.publish(
            period=publication.PublicationPeriod.parse(parameters["period"]),
            unit=parameters["unit"],
            by=job.started_by,
        )
    except ValidationError as refused:
        raise JobFailed("; ".join(refused.messages), "period") from None
    except (PermissionDenied, ValueError) as refused:
        raise JobFailed(str(refused)) from None
    except DisclosureError as refused:
        raise JobFailed(f"The report cannot be published safely: {refused}") from None
    reporter.say("Stored")
    return {"release": release.pk, "sha256": release.sha256}


def _links(job: Job) -> list[tuple[str, str]]:
    release = job.result.get("release")
    if not isinstance(release, int):
        return []
    words = {"html": "The report (HTML)", "ods": "The spreadsheet (ODS)", "cells": "The disclosure manifest"}
    return [("Published workforce reports", reverse("workforce-releases"))] + [
        (words[kind], reverse("workforce-release-file", args=[release, kind])) for kind in publication.FILES
    ]


register(
    Kind(
        name=PUBLICATION_JOB,
        title=lambda p: f"Workforce report for {p.get('unit', '')}, {p.get('period', '')}",
        run=_publish,
        may_follow=lambda staff, job: can_see_aggregates(staff),
        links=_links,
        steps=lambda p: 2,
        # All or nothing (one transaction) and refused once stored: one attempt, then say it failed.
        max_attempts=1,
    )
)


# --- the comparison's figures: on demand, nightly and after a staff-events import ----------------------------

# The imports app's name for an HR extract (imports.models.ImportKind.STAFF_EVENTS; that app sits above this).
STAFF_EVENTS_IMPORT = "staff-events"


def _may_see_figures(staff: StaffMember, job: Job) -> bool:
    """HR analysts, and heads of PDU (whose page starts these jobs too): a job shows progress, not figures."""
    return can_see_aggregates(staff) or staff.role == Role.HEAD_OF_PDU


def _figures(job: Job, reporter: Reporter) -> dict[str, Any]:
    period, characteristic = services.figures_parameters(job.parameters)
    settings = Settings(characteristic=characteristic)
    # Computed since this job was asked for (by the nightly job, say), and not stale since: nothing to do.
    done = stored_since(period, settings, job.created_at, population=services.POPULATION)
    if done is not None:
        return {"figures": done}
    try:
        return {"figures": services.compute_comparison(period, characteristic, progress=reporter.say)}
    except BadRequest as error:
        raise JobFailed(str(error), "characteristic") from None


def _figures_title(parameters: dict[str, Any]) -> str:
    period, characteristic = services.figures_parameters(parameters)
    name = CHARACTERISTICS.get(characteristic, characteristic).lower()
    return f"Workforce figures by {name}, {period.start:%-d %B %Y} to {period.end:%-d %B %Y}"


def _figures_links(job: Job) -> list[tuple[str, str]]:
    query = urlencode({"characteristic": job.parameters.get("characteristic", "")})
    return [("See the figures", f"{reverse('workforce-comparison')}?{query}")]


register(
    Kind(
        name=services.FIGURES_JOB,
        title=_figures_title,
        run=_figures,
        may_follow=_may_see_figures,
        links=_figures_links,
        steps=lambda p: 3,
    )
)
register(
    Kind(
        name=services.PRECOMPUTE_JOB,
        title=lambda p: "Workforce figures for the last 12 months, by every characteristic",
        run=lambda job, reporter: services.precompute_comparison(timezone.localdate(), progress=reporter.say),
        may_follow=_may_see_figures,
        steps=lambda p: 4 * len(CHARACTERISTICS),
    )
)


schedule(
    Schedule(
        name="workforce nightly",
        # Due as soon as the day begins: the comparison's period (the 365 days to today) moves at midnight.
        due=daily(services.PRECOMPUTE_JOB),
        start=lambda key: services.start_precompute(key=key),
    )
)
# After a staff-events import (not after other imports: nothing else the figures count comes from a file).
AFTER_IMPORT_OF.setdefault(STAFF_EVENTS_IMPORT, []).append(lambda: services.start_precompute())
