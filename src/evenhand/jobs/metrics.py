"""The jobs' figures for ``/metrics``: how long jobs take, by kind and how they ended, and how many wait.

The duration is observed by the process that ran the job (a worker; the web process itself under the tests'
immediate backend); with ``PROMETHEUS_MULTIPROC_DIR`` shared by a machine's processes, its web processes
expose its workers' figures too (docs/deploy.md). The queue's length is read from the database when
``/metrics`` is scraped, so every process tells the same, wherever the workers run.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# Jobs run from seconds (an analysis of a PDU) to an hour (a national generation or publication).
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, float("inf"))

JOB_DURATION = Histogram(
    "evenhand_job_duration_seconds",
    "Time a job took on its worker, from its claim to its end, by kind and how it ended.",
    ["kind", "status"],
    buckets=DURATION_BUCKETS,
)


def observe(kind: str, status: str, seconds: float) -> None:
    JOB_DURATION.labels(kind=kind, status=status).observe(max(seconds, 0.0))


class QueueCollector(Collector):
    """``evenhand_jobs``: the jobs queued and running now, one indexed count when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .selectors import queue_length

        gauge = GaugeMetricFamily(
            "evenhand_jobs", "Jobs waiting for a worker (queued) and being run (running).", labels=["status"]
        )
        try:
            counts = queue_length()
        except Exception:  # the database away: the scrape still answers, without this figure
            return
        for status, count in counts.items():
            gauge.add_metric([str(status)], count)
        yield gauge

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registering must not query the database (it may not be reachable when the app starts).
        yield GaugeMetricFamily(
            "evenhand_jobs", "Jobs waiting for a worker (queued) and being run (running)."
        )
