"""An import as a job (``evenhand import … --background``): the same all-or-nothing import, on a worker, with
its progress on the job's page; the equality figures are computed again after it (ADR 11)."""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied

from evenhand.jobs.models import Job
from evenhand.jobs.registry import JobFailed, Kind, register
from evenhand.jobs.runner import Reporter
from evenhand.org.models import StaffMember

from .kinds import KINDS
from .services import ImportRefused, can_import, import_csv

IMPORT_JOB = "import"


def _import(job: Job, reporter: Reporter) -> dict[str, Any]:
    parameters = job.parameters
    path = Path(parameters["path"])
    if job.started_by is None:
        raise JobFailed("An import must be started by a head of PDU")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise JobFailed(f"The file cannot be read: {error.strerror} ({path})") from None
    lines = max(data.count(b"\n") + (not data.endswith(b"\n")) - 1, 1)
    try:
        result = import_csv(
            by=job.started_by,
            kind=parameters["kind"],
            data=data,
            source=parameters["source"],
            partial=parameters.get("partial", False),
            file_name=str(path),
            progress=lambda done: reporter.fraction(min(done, lines), lines, f"Imported {done:,} rows"),
        )
    except PermissionDenied as refused:
        raise JobFailed(str(refused)) from None
    except ImportRefused as refused:
        rows = len({reject.row for reject in refused.rejects})
        raise JobFailed(f"Nothing was imported: {rows} bad row(s), the first: {refused.rejects[0]}") from None
    return {
        "run": result.run.pk if result.run else None,
        "rows": result.rows,
        "created": result.created,
        "rejected": result.rejected,
    }


def _may_follow(staff: StaffMember, job: Job) -> bool:
    kind = job.parameters.get("kind") if isinstance(job.parameters, dict) else None
    return can_import(staff, kind if kind in KINDS else None) and job.started_by_id == staff.pk


register(
    Kind(
        name=IMPORT_JOB,
        title=lambda p: f"Import of {p.get('kind', '')} from {Path(p.get('path', '')).name}",
        run=_import,
        may_follow=_may_follow,
        # All or nothing, and safe to run again (a re-run loads nothing twice).
        max_attempts=2,
    )
)
