"""``evenhand worker``: run queued jobs (django-tasks' database worker), and keep the queue honest.

Beside the worker loop a keeper thread, every half lease, takes back the jobs of workers that stopped
(:func:`~evenhand.jobs.services.reap`) and starts the scheduled jobs that are due (the nightly
precomputation of the equality figures). Run as many workers as there are cores to spare, on as many
machines as share the database. ``--no-schedules`` leaves the schedules to the other workers: a worker that
must be free for the jobs people start (or a test's worker, which must run only the job it is given) does not
pick up an hour-long nightly run that came due when it started.
"""

import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from evenhand.jobs import services


class Keeper(threading.Thread):
    def __init__(self, every: float, *, schedules: bool = True) -> None:
        super().__init__(name="job-keeper", daemon=True)
        self.every = every
        self.schedules = schedules
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while True:
                try:
                    services.reap()
                    if self.schedules:
                        services.run_schedules()
                except Exception:  # the database away for a moment: try again next time
                    pass
                if self.stopped.wait(self.every):
                    return
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Run queued jobs (analyses, publications, imports, generation) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="run the jobs queued now, then stop")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks at the queue")
        parser.add_argument("--max-tasks", type=int, help="stop after this many jobs")
        parser.add_argument(
            "--no-schedules",
            action="store_false",
            dest="schedules",
            help="do not start the scheduled jobs (the nightly figures): leave them to the other workers",
        )

    def handle(
        self,
        *args: Any,
        batch: bool,
        interval: float,
        max_tasks: int | None,
        schedules: bool,
        **options: Any,
    ) -> None:
        keeper = Keeper(max(settings.JOB_LEASE_SECONDS / 2, 1.0), schedules=schedules)
        keeper.start()
        arguments = ["--interval", str(interval), "--no-startup-delay", "--no-reload"]
        if batch:
            arguments.append("--batch")
        if max_tasks:
            arguments += ["--max-tasks", str(max_tasks)]
        try:
            call_command("db_worker", *arguments, verbosity=options["verbosity"])
        finally:
            keeper.stopped.set()
