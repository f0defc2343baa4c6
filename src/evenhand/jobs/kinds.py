"""The kind of job this app runs itself: a check that the workers run jobs (``evenhand jobs check``)."""

import time
from typing import Any

from .models import Job
from .registry import Kind, register
from .runner import Reporter

CHECK_STEPS = 20


def _check(job: Job, reporter: Reporter) -> dict[str, Any]:
    """Wait ``seconds`` in twenty steps, reporting each: proves a worker takes jobs, reports progress and
    keeps its lease (and gives the tests a job to kill a worker in the middle of)."""
    seconds = float(job.parameters.get("seconds", 2))
    for step in range(CHECK_STEPS):
        time.sleep(seconds / CHECK_STEPS)
        reporter.say(f"Waited {step + 1} of {CHECK_STEPS} steps")
    return {"seconds": seconds, "attempt": job.attempts}


register(
    Kind(
        name="check",
        title=lambda parameters: (
            f"Checking that the workers run jobs ({parameters.get('seconds', 2)} seconds)"
        ),
        run=_check,
        steps=lambda parameters: CHECK_STEPS,
    )
)
