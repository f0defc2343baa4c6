"""The equality dashboard's question: a GET form. It shapes the input; :mod:`.selectors` says what can be asked."""

import datetime as dt
from typing import Any

from django import forms

from evenhand.core.forms import GovukDateField, GovukForm

from . import selectors
from .engine import DEFAULT_REFERENCE, group_label
from .measures import CATALOGUE, CHARACTERISTICS

DATE_HINT = "For example, 1 11 2025"
DATE_PARTS = ("day", "month", "year")


def _select(
    label: str, choices: list[tuple[str, str]], *, required: str = "", help_text: str = ""
) -> forms.CharField:
    # Plain text with a select: an unknown value gets the selectors' message naming it, not Django's.
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=bool(required),
        error_messages={"required": required},
        widget=forms.Select(choices=choices),
    )


class QuestionForm(GovukForm):
    """Which measure, by which characteristic, against which reference group, where and when.

    Every field has a default, so the page opens with figures; a value that was sent and is wrong is an
    error naming it."""

    def __init__(
        self, data: Any, *, units: selectors.Organisation, default_unit: str, today: dt.date
    ) -> None:
        period = selectors.default_period(today)
        self.defaults: dict[str, str] = {
            "measure": selectors.DEFAULT_MEASURE,
            "characteristic": selectors.DEFAULT_CHARACTERISTIC,
            "reference": "",
            "unit": default_unit,
            **_date_data("from", period.start),
            **_date_data("to", period.end),
        }
        sent = {key: value for key, value in data.items() if key in self.defaults}
        super().__init__({**self.defaults, **sent})
        self.units = units
        characteristic = self.data["characteristic"]
        if characteristic not in CHARACTERISTICS:
            characteristic = selectors.DEFAULT_CHARACTERISTIC
        default = group_label(characteristic, DEFAULT_REFERENCE[characteristic])
        self.fields["measure"] = _select(
            "Measure",
            [(key, measure.title) for key, measure in CATALOGUE.items()],
            required="Choose a measure",
        )
        self.fields["characteristic"] = _select(
            "Split by", list(CHARACTERISTICS.items()), required="Choose what to split the figures by"
        )
        self.fields["reference"] = _select(
            "Compared with",
            [("", f"{default} (the default)"), *selectors.reference_choices(characteristic)],
            help_text="The reference group every other group is compared with.",
        )
        self.fields["unit"] = _select(
            "Where",
            [(unit.code, _unit_choice(unit)) for unit in units.choosable()],
            required="Choose England and Wales, a region or a PDU",
        )
        self.fields["from"] = GovukDateField(label="Start date", help_text=DATE_HINT)
        self.fields["to"] = GovukDateField(label="End date", help_text=DATE_HINT)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors.keys() & {"measure", "characteristic", "unit"}:
            return cleaned
        for problem in selectors.query_problems(
            measure=cleaned["measure"],
            characteristic=cleaned["characteristic"],
            start=cleaned.get("from"),
            end=cleaned.get("to"),
            reference=cleaned.get("reference") or None,
            unit=cleaned["unit"],
            units=self.units,
        ):
            self.add_error(problem.field if problem.field in self.fields else None, str(problem))
        return cleaned

    def query(self) -> selectors.Query:
        """The checked question (after ``is_valid()``)."""
        data = self.cleaned_data
        return selectors.check_query(
            measure=data["measure"],
            characteristic=data["characteristic"],
            start=data["from"],
            end=data["to"],
            reference=data.get("reference") or None,
            unit=data["unit"],
            units=self.units,
        )

    def add_problem(self, field: str | None, message: str) -> None:
        """Show an error found after the form was valid (the engine's): against its field, or the form."""
        self.add_error(field if field in self.fields else None, message)

    def link(self, **changes: str) -> dict[str, str]:
        """The form's values (as sent or defaulted) with some changed: the query of a link to another view."""
        values = {key: str(self.data.get(key, default)) for key, default in self.defaults.items()}
        values.update(changes)
        return values


def _date_data(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def _unit_choice(unit: selectors.Unit) -> str:
    if unit.level == "region":
        return f"{unit.name} (region)"
    if unit.level == "pdu":
        return f"{unit.name} (PDU)"
    return unit.name


class PublicationForm(GovukForm):
    """Publish the period the dashboard shows, by one characteristic or by every one (a POST from the page)."""

    govuk_errors = {"characteristic": "Select what to split the publication by"}
    # Beside the question's form on the same page: its own names and ids.
    prefix = "publish"

    period_start = forms.DateField(widget=forms.HiddenInput, label="Start of the period")
    period_end = forms.DateField(widget=forms.HiddenInput, label="End of the period")
    characteristic = forms.ChoiceField(
        label="Split the publication by",
        choices=[("all", "Every characteristic (one report each)"), *CHARACTERISTICS.items()],
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            if end < start:
                self.add_error(None, "The end of the period must be the same as or after its start")
            elif (end - start).days >= selectors.MAX_PERIOD_DAYS:
                self.add_error(None, "The period must be 5 years or shorter")
        return cleaned
