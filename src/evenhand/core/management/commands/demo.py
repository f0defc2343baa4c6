from typing import Any

from django.core.management.base import BaseCommand

from evenhand.core.demo import DEMO_PASSWORD, build_demo_region, existing_demo_logins
from evenhand.org.models import Region


class Command(BaseCommand):
    help = "Load the demo probation region and create one demo log-in per role (once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        if Region.objects.exists():
            self.stdout.write("The database already holds data: the demo region is not loaded again.")
            logins = existing_demo_logins()
        else:
            self.stdout.write("Loading the demo region …")
            logins = build_demo_region(seed=seed)
        self.stdout.write(self.style.SUCCESS(f"Demo log-ins (password for all: {DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<16} {login.role:<34} {login.name}")
