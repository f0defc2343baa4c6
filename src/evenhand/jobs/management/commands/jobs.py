"""``evenhand jobs check|start|list|reap``: the queue from the command line."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.jobs import registry, selectors, services


class Command(BaseCommand):
    help = "The job queue: start a check job, list the latest jobs, or take back the jobs of stopped workers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = sub.add_parser("check", help="queue a job that waits SECONDS, to check the workers run jobs")
        check.add_argument("--seconds", type=float, default=2.0)
        check.add_argument("--attempts", type=int, default=2, help="how often it may be tried")
        start = sub.add_parser(
            "start", help="queue a job of any kind, e.g. equality_precompute (the nightly figures) now"
        )
        start.add_argument("kind", help=", ".join(sorted(registry.KINDS)))
        start.add_argument("--parameters", default="{}", help="the job's parameters, as a JSON object")
        sub.add_parser("list", help="the latest 20 jobs and the queue's length")
        sub.add_parser("reap", help="take back the jobs of workers that stopped (a worker does this itself)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "check":
            job = services.start_job(
                kind="check", parameters={"seconds": options["seconds"]}, max_attempts=options["attempts"]
            )
            self.stdout.write(str(job.pk))
        elif action == "start":
            try:
                parameters = json.loads(options["parameters"])
                registry.kind(options["kind"])
            except (ValueError, registry.JobFailed) as error:
                raise CommandError(str(error)) from None
            if not isinstance(parameters, dict):
                raise CommandError("--parameters must be a JSON object")
            job = services.start_job(kind=options["kind"], parameters=parameters)
            self.stdout.write(str(job.pk))
        elif action == "reap":
            for job in services.reap():
                self.stdout.write(f"Job {job.pk}: {job.status}")
        else:
            length = selectors.queue_length()
            self.stdout.write(f"queued: {length['queued']}, running: {length['running']}")
            for job in selectors.recent(20):
                self.stdout.write(f"{job.pk:>6} {job.kind:<24} {job.status:<10} {job.percent:>3}% {job.step}")
