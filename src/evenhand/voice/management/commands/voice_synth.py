"""``evenhand voice_synth --handler CODE --passphrase … --quarters 2026Q2 2026Q3``: synthetic concerns (raised,
worked, closed and rated through the services, so encrypted like any other) and a staff survey, with the
declared effects of ``evenhand.voice.synth.Effects``; ``--truth FILE`` writes the ground truth as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.org.models import StaffMember
from evenhand.voice import services, synth
from evenhand.voice.models import Concern
from evenhand.voice.summary import Quarter


class Command(BaseCommand):
    help = "Generate synthetic safe voice concerns and a staff survey with declared effects."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--handler", required=True, help="staff code of a handler in every group")
        parser.add_argument("--passphrase", required=True, help="that handler's handling passphrase")
        parser.add_argument("--quarters", nargs="+", required=True, help="quarters, like 2026Q2 2026Q3")
        parser.add_argument("--per-quarter", type=int, default=synth.Effects().concerns_per_quarter)
        parser.add_argument("--survey-responses", type=int, default=synth.Effects().survey_responses)
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--truth", help="write the declared effects (ground truth) to this JSON file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            quarters = [Quarter.parse(text) for text in options["quarters"]]
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["per_quarter"] < 1 or options["survey_responses"] < 0:
            raise CommandError("Give at least 1 concern a quarter and 0 or more survey responses")
        handler = StaffMember.objects.filter(staff_code=options["handler"].strip().upper()).first()
        if handler is None:
            raise CommandError(f"There is no member of staff with the code {options['handler']!r}")
        effects = synth.Effects(
            concerns_per_quarter=options["per_quarter"], survey_responses=options["survey_responses"]
        )
        try:
            generated = synth.generate_concerns(
                quarters=quarters,
                handler=handler,
                passphrase=options["passphrase"],
                effects=effects,
                seed=options["seed"],
                progress=self.stdout.write,
            )
        except services.PassphraseRefused:
            raise CommandError("That passphrase does not open the handler's key") from None
        except (services.NotAHandler, Concern.DoesNotExist) as refused:
            raise CommandError(f"The handler cannot work every concern: {refused}") from None
        self.stdout.write(
            f"{generated.concerns} concerns, {generated.closed} closed, {generated.rated} rated;"
            f" the declared effect is in region {generated.effect_region or '(none: one region only)'}"
        )
        if effects.survey_responses:
            last = quarters[-1]
            survey, answered = synth.generate_survey(
                title=f"Staff survey {last.label} (synthetic)",
                opens_on=last.start,
                closes_on=max(last.start, min(last.end, dt.date.today() - dt.timedelta(days=1))),
                effects=effects,
                seed=options["seed"],
            )
            self.stdout.write(f"Survey {survey.pk}: {answered} responses")
        if options.get("truth"):
            synth.write_truth(options["truth"], generated)
            self.stdout.write(f"Ground truth written to {options['truth']}")
