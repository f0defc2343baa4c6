"""``evenhand voice_survey "Staff survey 2027" --opens 2027-01-10 --closes 2027-02-07``: open a staff survey
with the standard questions (ADR 0008, "The staff survey")."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.voice.surveys import create_survey


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2027-01-10") from None


class Command(BaseCommand):
    help = "Create an anonymous staff survey, open from one day to another (both included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("title")
        parser.add_argument("--opens", required=True, help="the first day it takes answers, YYYY-MM-DD")
        parser.add_argument("--closes", required=True, help="the last day it takes answers, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            survey = create_survey(
                title=options["title"], opens_on=_date(options["opens"]), closes_on=_date(options["closes"])
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Survey {survey.pk} '{survey.title}' from {survey.opens_on} to {survey.closes_on}")
