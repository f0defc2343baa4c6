"""The form a staff member fills in for their own equality profile."""

from typing import Any

from django import forms

from evenhand.core.forms import GovukForm, govuk_messages

from .catalogue import STAFF
from .measures import CHARACTERISTICS
from .models import ANSWERS, StaffCharacteristic
from .publication import PublicationPeriod, unit_code

HINTS: dict[str, str] = {
    StaffCharacteristic.ETHNICITY: "The categories of the 2021 census.",
    StaffCharacteristic.GENDER_IDENTITY: "Is the gender you identify with the same as your sex registered at birth?",
    StaffCharacteristic.DISABILITY: (
        "Do you have a physical or mental condition or illness that has a substantial and long-term effect on"
        " your ability to carry out day-to-day activities (Equality Act 2010)?"
    ),
    StaffCharacteristic.CARING: "Do you look after, or give help or support to, someone because of their needs?",
}


class ProfileForm(GovukForm):
    """One optional question per characteristic, each starting at the answer that stands."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in StaffCharacteristic.choices:
            widget = forms.Select if key == StaffCharacteristic.ETHNICITY else forms.RadioSelect
            blank = [("", "Choose an answer")] if widget is forms.Select else []
            self.fields[key] = forms.ChoiceField(
                choices=[*blank, *ANSWERS[key]],
                required=False,
                widget=widget,
                label=label,
                help_text=HINTS.get(key, ""),
                error_messages={"invalid_choice": f"Select your {label.lower()} from the list"},
            )
            # Made after GovukForm worded the declared fields: worded here.
            govuk_messages(self.fields[key], key)


class FiguresForm(GovukForm):
    """What the HR analyst's figures show: a characteristic, a unit and a period (the last 12 months when
    left empty)."""

    characteristic = forms.ChoiceField(
        choices=list(CHARACTERISTICS.items()), required=False, label="Split by", initial="ethnic_group"
    )
    unit = forms.CharField(
        max_length=12,
        required=False,
        label="Region or PDU code",
        help_text="Leave empty for England and Wales",
    )


class PduFiguresForm(GovukForm):
    """What the head of PDU's figures are split by (their own PDU, the last 12 months: no other choice)."""

    characteristic = forms.ChoiceField(
        choices=list(CHARACTERISTICS.items()), required=False, label="Split by", initial="ethnic_group"
    )


def _unit_field() -> forms.CharField:
    """A region or PDU code, empty for England and Wales."""
    return forms.CharField(
        max_length=12,
        required=False,
        label="Region or PDU code",
        help_text="Leave empty for England and Wales",
    )


class ComparisonForm(GovukForm):
    """Which workforce measure the comparison page shows, split by what, for which unit (a head of PDU's
    own PDU; England and Wales for an HR analyst, when left empty)."""

    measure = forms.ChoiceField(
        choices=[(key, m.title) for key, m in STAFF.measures.items()], required=False, label="Measure"
    )
    characteristic = forms.ChoiceField(
        choices=list(CHARACTERISTICS.items()), required=False, label="Split by", initial="ethnic_group"
    )
    unit = _unit_field()

    def __init__(self, *args: Any, start: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start = start

    def asked(self) -> dict[str, str]:
        """The question with its defaults: promotion, by ethnic group, at the viewer's starting unit."""
        data = self.cleaned_data if self.is_bound else {}
        # Not checked here: the page looks the unit up among those the viewer may see.
        unit = unit_code(data.get("unit") or "", national_if_empty=False, must_exist=False)
        return {
            "measure": data.get("measure") or "promotion",
            "characteristic": data.get("characteristic") or "ethnic_group",
            "unit": unit or self.start,
        }


class PublishForm(GovukForm):
    """Publish a period's workforce report for a unit (a POST from the releases page): the period and the
    unit parsed as the command parses them, with the same words when they do not."""

    govuk_errors = {"period": "Enter the period to publish"}

    period = forms.CharField(
        max_length=12,
        label="Period",
        help_text="A year (2025), a financial year (2025-26) or a quarter (2026Q1)",
    )
    unit = _unit_field()

    def clean_period(self) -> PublicationPeriod:
        try:
            return PublicationPeriod.parse(self.cleaned_data["period"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_unit(self) -> str:
        try:
            return unit_code(self.cleaned_data["unit"], national_if_empty=True)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
