"""``/metrics``: the Prometheus exposition of what django-prometheus counts and what the apps add.

django-prometheus measures every request (latency histograms by view and method, responses by status);
every query Django runs is counted and timed by database alias here (:func:`count_queries`, an execute
wrapper on each connection: django-prometheus' own database backends would also wrap the raw cursors that the
bulk loads feed with iterators, which they cannot count); apps add collectors of their own with
:func:`register_collector` (the jobs app: the queue's length, read when scraped). Labels are view names,
methods, statuses, database aliases and job kinds: never a path, an id or anything about a person.

Who may scrape: ``METRICS_ENABLED`` switches the endpoint on; then a caller presenting
``Authorization: Bearer <METRICS_TOKEN>`` (when a token is set), or calling from an address in
``METRICS_ALLOWED_IPS`` (the socket's address, never a forwarded header), gets the figures, and anyone else a
404, as if there were nothing here (docs/deploy.md).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable
from typing import Any

import prometheus_client
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django_prometheus.middleware import PrometheusAfterMiddleware
from prometheus_client import Counter, Histogram, multiprocess
from prometheus_client.registry import Collector, CollectorRegistry

QUERIES = Counter(
    "evenhand_db_queries_total",
    "Queries run through Django, by database alias and vendor.",
    ["alias", "vendor"],
)
QUERY_SECONDS = Histogram(
    "evenhand_db_query_duration_seconds",
    "Time of each query run through Django, by database alias and vendor.",
    ["alias", "vendor"],
    buckets=(
        0.001,
        0.0025,
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1.0,
        2.5,
        5.0,
        10.0,
        30.0,
        float("inf"),
    ),
)


def _counted(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    connection = context["connection"]
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        labels = {"alias": connection.alias, "vendor": connection.vendor}
        QUERIES.labels(**labels).inc()
        QUERY_SECONDS.labels(**labels).observe(time.perf_counter() - started)


def count_queries(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: count and time every query of the new connection (once per connection)."""
    if _counted not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _counted)


# The apps' own collectors, read at scrape time in the process that answers the scrape.
APP_COLLECTORS = CollectorRegistry(auto_describe=True)


_REGISTERED: set[str] = set()


def register_collector(collector: Collector) -> None:
    """Add an app's collector (once per kind of collector, however often the app is made ready)."""
    name = f"{type(collector).__module__}.{type(collector).__qualname__}"
    if name not in _REGISTERED:
        _REGISTERED.add(name)
        APP_COLLECTORS.register(collector)


def may_scrape(request: HttpRequest) -> bool:
    if not getattr(settings, "METRICS_ENABLED", False):
        return False
    token = str(getattr(settings, "METRICS_TOKEN", "") or "")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    return request.META.get("REMOTE_ADDR", "") in tuple(getattr(settings, "METRICS_ALLOWED_IPS", ()))


def exposition() -> bytes:
    """Every metric in Prometheus' text format. With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn's workers and
    the job workers of one machine writing to one folder) the figures of every process of the machine, so
    whichever worker answers the scrape tells the same."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(APP_COLLECTORS)


def metrics(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD") or not may_scrape(request):
        raise Http404()
    return HttpResponse(exposition(), content_type=prometheus_client.CONTENT_TYPE_LATEST)


class PrometheusAfter(PrometheusAfterMiddleware):
    """django-prometheus' per-view middleware, with the method label limited to the methods HTTP has: it
    labels its latency histogram with the method as sent, and a caller inventing methods would invent series."""

    def label_metric(self, metric, request, response=None, **labels):  # type: ignore[no-untyped-def]
        if "method" in labels:
            labels["method"] = self._method(request)
        return super().label_metric(metric, request, response, **labels)
