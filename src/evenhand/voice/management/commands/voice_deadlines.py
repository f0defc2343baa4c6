"""``evenhand voice_deadlines``: escalate concerns whose acknowledgement (7 days) or feedback (3 months) is
late to their handler group's lead. Run it daily (cron or the scheduler of the deployment)."""

from typing import Any

from django.core.management.base import BaseCommand

from evenhand.voice.services import escalate_missed_deadlines


class Command(BaseCommand):
    help = "Escalate safe voice concerns that missed the acknowledgement or feedback deadline."

    def handle(self, *args: Any, **options: Any) -> None:
        made = escalate_missed_deadlines()
        self.stdout.write(f"{len(made)} escalation(s)")
