"""Synthetic generation as a job (``evenhand synth … --background``), its progress on the job's page."""

import datetime as dt
from typing import Any

from evenhand.jobs.models import Job
from evenhand.jobs.registry import JobFailed, Kind, register
from evenhand.jobs.runner import Reporter

SYNTH_JOB = "synth"
STAGES = {"organisation": "Organisation", "caseload": "People and a year of casework, PDU by PDU"}


def _generate(job: Job, reporter: Reporter) -> dict[str, Any]:
    # The generator (NumPy, every app's models) only on the worker that runs one, not in every process.
    from .bias import BiasFileError
    from .generator import SynthError, generate
    from .load import EmptyDatabaseRequired

    parameters = job.parameters
    end = parameters.get("end_date")
    try:
        result = generate(
            scale=parameters["scale"],
            seed=int(parameters["seed"]),
            bias_path=parameters.get("bias") or None,
            end_date=dt.date.fromisoformat(end) if end else None,
            progress=lambda stage, done, total: reporter.fraction(
                done, total, f"{STAGES.get(stage, stage)}: {done:,} of {total:,}"
            ),
        )
    except (SynthError, BiasFileError, EmptyDatabaseRequired) as error:
        raise JobFailed(str(error)) from None
    return {
        "scale": result.scale,
        "seed": result.seed,
        "fingerprint": result.fingerprint,
        "rows": result.rows,
    }


register(
    Kind(
        name=SYNTH_JOB,
        title=lambda p: f"Synthetic {p.get('scale', '')}-scale service, seed {p.get('seed', '')}",
        run=_generate,
        # Generation is one transaction into an empty database: a second try after a lost worker is safe.
        max_attempts=2,
    )
)
