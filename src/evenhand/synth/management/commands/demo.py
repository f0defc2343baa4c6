from typing import Any

from django.core.management.base import BaseCommand

from evenhand.org.models import Region
from evenhand.synth.demo import DEMO_PASSWORD, DEMO_SCALE, load_demo


class Command(BaseCommand):
    help = "Load the demo service (a synthetic PDU) into an empty database and print one log-in per role."

    def handle(self, *args: Any, **options: Any) -> None:
        if Region.objects.exists():
            self.stdout.write("The database already holds data: it is used as it is.")
        else:
            self.stdout.write(f"Generating a synthetic {DEMO_SCALE}-scale service with a year of casework …")
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo log-ins (password for all: {DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<16} {login.role:<34} {login.name}")
