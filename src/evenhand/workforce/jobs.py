"""Publishing the workforce report as a job: the HR analyst asks from the releases page, a worker builds,
protects, audits and stores it (``publication.publish``, the same as ``evenhand workforce report``), and the
job's page shows its progress and links to the release's files when it is done."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evenhand.jobs.models import Job
from evenhand.jobs.registry import JobFailed, Kind, register
from evenhand.jobs.runner import Reporter
from evenhand.jobs.services import start_job
from evenhand.org.models import StaffMember

from . import publication
from .access import can_see_aggregates

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
