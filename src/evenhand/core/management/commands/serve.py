"""``evenhand serve``: the production web server, gunicorn, running Evenhand's WSGI application.

Django is loaded before gunicorn forks its workers, so a new release needs a restart, not a HUP.
"""

import os
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from gunicorn.app.base import BaseApplication


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
        return get_internal_wsgi_application()


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

    def handle(self, *args: Any, bind: str, workers: int, **options: Any) -> None:
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        # With hashed static file names every page needs the manifest, so fail now rather than on each
        # request. A throwaway storage: the workers must read the manifest for themselves, not inherit it.
        storage = storages.create_storage(settings.STORAGES["staticfiles"])
        if isinstance(storage, ManifestFilesMixin) and storage.read_manifest() is None:
            raise CommandError(
                "Static files are not collected: run `evenhand collectstatic --noinput` first."
            )
        if not bind.startswith(("unix:", "fd://")):
            self.stdout.write(f"Evenhand is at http://{bind}/ (Ctrl+C to stop)")
        self.stdout.flush()
        # The access log leaves out the paths settings.UNLOGGED_PATH_PREFIXES names (evenhand.core.logging).
        EvenhandServer(
            {
                "bind": bind,
                "workers": workers,
                "accesslog": "-",
                "logger_class": "evenhand.core.logging.AccessLogger",
            }
        ).run()
