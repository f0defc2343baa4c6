"""``evenhand serve``: the production web server, gunicorn, running Evenhand's WSGI application.

Django is loaded before gunicorn forks its workers, so a new release needs a restart, not a HUP. With
``--with-worker`` (``make demo``) a job worker (``evenhand worker``) runs beside it and stops with it, so that
one command serves the whole embedded service; a deployment runs its workers as services of their own.
"""

import gc
import logging
import os
import subprocess
import sys
from threading import BrokenBarrierError
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import DatabaseError
from django.template import engines
from gunicorn.app.base import BaseApplication

from evenhand.core.concurrent import open_connections
from evenhand.core.jinja2 import compile_templates

logger = logging.getLogger(__name__)


class EvenhandServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from this command's options instead of its own command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # The application settings.WSGI_APPLICATION names, as runserver loads it: core, at the bottom of the
        # dependency order, does not import the project shell (evenhand.wsgi) above it.
        application = get_internal_wsgi_application()
        # What is loaded now lives as long as the worker: out of the collector's sight, so that its full
        # collections (every few seconds under load) do not walk a whole Django project each time.
        gc.freeze()
        return application


def _worker_started(worker: Any) -> None:
    """A worker opens its connections as it starts (its own and its threads', evenhand.core.concurrent), so that
    its first requests do not wait for them. A database that does not answer yet is the requests' to report
    (they retry it, and /healthz says so): the worker starts all the same."""
    try:
        open_connections()
    except (DatabaseError, BrokenBarrierError) as error:
        logger.warning("A web worker started without its database connections: %s", error)


def _child_exit(server: Any, worker: Any) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (one /metrics for all of a machine's processes), a gunicorn worker that
    has stopped no longer counts in the gauges (docs/deploy.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


class Command(BaseCommand):
    help = "Serve Evenhand with gunicorn (evenhand.wsgi:application)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.getenv("EVENHAND_BIND", "127.0.0.1:8000"),
            help="address:port to listen on (default 127.0.0.1:8000, or $EVENHAND_BIND)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.getenv("WEB_CONCURRENCY", "2")),
            help="worker processes (default 2, or $WEB_CONCURRENCY)",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run a job worker (evenhand worker) beside the web server, stopped with it",
        )

    def handle(self, *args: Any, bind: str, workers: int, with_worker: bool, **options: Any) -> None:
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        # With hashed static file names every page needs the manifest, so fail now rather than on each
        # request. A throwaway storage: the workers must read the manifest for themselves, not inherit it.
        storage = storages.create_storage(settings.STORAGES["staticfiles"])
        if isinstance(storage, ManifestFilesMixin) and storage.read_manifest() is None:
            raise CommandError(
                "Static files are not collected: run `evenhand collectstatic --noinput` first."
            )
        # Compiled once here, before gunicorn forks: every worker starts with them (evenhand.core.jinja2).
        compile_templates(engines["jinja2"].env)  # type: ignore[attr-defined]
        if not bind.startswith(("unix:", "fd://")):
            self.stdout.write(f"Evenhand is at http://{bind}/ (Ctrl+C to stop)")
        self.stdout.flush()
        # The job worker: the same console script (argv[0]), started before gunicorn takes over this process.
        job_worker = subprocess.Popen([sys.argv[0], "worker", "--verbosity", "0"]) if with_worker else None
        try:
            # The access log leaves out the paths settings.UNLOGGED_PATH_PREFIXES names (evenhand.core.logging).
            EvenhandServer(
                {
                    "bind": bind,
                    "workers": workers,
                    "timeout": int(os.getenv("EVENHAND_WEB_TIMEOUT", "30")),
                    "accesslog": "-",
                    # The request's id (X-Request-ID, evenhand.core.observability) ends each access-log line.
                    "access_log_format": '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
                    " %({x-request-id}o)s",
                    "logger_class": "evenhand.core.logging.AccessLogger",
                    "post_worker_init": _worker_started,
                    "child_exit": _child_exit,
                }
            ).run()
        finally:
            if job_worker is not None:
                job_worker.terminate()
                job_worker.wait(timeout=60)
