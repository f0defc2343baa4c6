"""GOV.UK date fields and the form macros in core/forms.html."""

import datetime as dt
import re
from typing import Any

import pytest
from django import forms
from django.template import engines
from django.utils import timezone

from evenhand.core.forms import (
    GovukDateField,
    GovukDateTimeField,
    error_summary_items,
    field_params,
    parse_time,
)


class DateForm(forms.Form):
    date_of_birth = GovukDateField(label="Date of birth")
    review_date = GovukDateField(label="Review date", required=False)


class ContactForm(forms.Form):
    happened_at = GovukDateTimeField(label="Date and time of contact")


class ChoicesForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on their licence", max_length=50)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    tier = forms.ChoiceField(label="Tier", choices=[("", "Choose a tier"), ("A", "Tier A"), ("B", "Tier B")])
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("ok", "Attended"), ("no", "Failed to attend")], widget=forms.RadioSelect
    )
    urgent = forms.BooleanField(label="This is urgent", required=False)
    hours = forms.IntegerField(label="Hours", required=False)


def render(source: str, **context: Any) -> str:
    return engines["jinja2"].from_string(source).render(context)


# --- date and time fields ------------------------------------------------------------------------------------


def test_date_is_read_from_three_boxes_named_the_gov_uk_way() -> None:
    form = DateForm({"date_of_birth-day": "7", "date_of_birth-month": "03", "date_of_birth-year": "1990"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"date_of_birth": dt.date(1990, 3, 7), "review_date": None}


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter date of birth"),
        ("7", "", "1990", "Date of birth must include a month"),
        ("", "", "1990", "Date of birth must include a day and month"),
        ("31", "2", "1990", "Date of birth must be a real date"),
        ("7", "March", "1990", "Date of birth must be a real date"),
        ("7", "3", "90", "Year must include 4 numbers"),
    ],
)
def test_date_errors_say_what_is_wrong(day: str, month: str, year: str, message: str) -> None:
    form = DateForm({"date_of_birth-day": day, "date_of_birth-month": month, "date_of_birth-year": year})
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == [message]


def test_datetime_is_aware_in_london_time() -> None:
    form = ContactForm(
        {
            "happened_at-day": "1",
            "happened_at-month": "7",
            "happened_at-year": "2026",
            "happened_at-time": "2:30pm",
        }
    )
    assert form.is_valid(), form.errors
    value = form.cleaned_data["happened_at"]
    assert timezone.is_aware(value)
    assert value.astimezone(dt.UTC) == dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.UTC)  # BST is UTC+1


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("", "Date and time of contact must include a time"),
        ("25:00", "Enter a real time for date and time of contact, like 14:30 or 2:30pm"),
        ("half two", "Enter a real time for date and time of contact, like 14:30 or 2:30pm"),
    ],
)
def test_datetime_errors_about_the_time(time: str, message: str) -> None:
    form = ContactForm(
        {
            "happened_at-day": "1",
            "happened_at-month": "7",
            "happened_at-year": "2026",
            "happened_at-time": time,
        }
    )
    assert not form.is_valid()
    assert form.errors["happened_at"] == [message]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", dt.time(14, 30)),
        ("9.05", dt.time(9, 5)),
        ("2:30pm", dt.time(14, 30)),
        ("2pm", dt.time(14, 0)),
        ("12am", dt.time(0, 0)),
        ("12:15 p.m.", dt.time(12, 15)),
        ("midday", dt.time(12, 0)),
        ("9", None),
        ("13pm", None),
        ("24:00", None),
        ("10:60", None),
    ],
)
def test_parse_time(text: str, expected: dt.time | None) -> None:
    assert parse_time(text) == expected


# --- macro parameters and rendering --------------------------------------------------------------------------


def test_date_input_keeps_what_was_typed_and_marks_only_the_missing_box() -> None:
    form = DateForm({"date_of_birth-day": "7", "date_of_birth-month": "", "date_of_birth-year": "1990"})
    form.is_valid()
    html = render(
        '{% from "core/forms.html" import date_input %}{{ date_input(form.date_of_birth) }}', form=form
    )
    assert 'name="date_of_birth-day" type="text" value="7" inputmode="numeric"' in html
    assert 'name="date_of_birth-year" type="text" value="1990" inputmode="numeric"' in html
    assert re.search(
        r'class="govuk-input govuk-date-input__input govuk-input--width-2 govuk-input--error"'
        r' id="id_date_of_birth-month"',
        html,
    )
    assert 'govuk-input--error" id="id_date_of_birth-day"' not in html
    assert "Date of birth must include a month" in html
    # The error summary takes the reader to the box that needs fixing.
    assert {
        "text": "Date of birth must include a month",
        "href": "#id_date_of_birth-month",
    } in error_summary_items(form)


def test_date_input_shows_an_initial_date() -> None:
    form = DateForm(initial={"date_of_birth": dt.date(1990, 3, 7)})
    items = field_params(form["date_of_birth"])["items"]
    assert [(item["name"], item["value"]) for item in items] == [
        ("day", "7"),
        ("month", "3"),
        ("year", "1990"),
    ]


def test_error_summary_links_non_field_errors_to_the_first_field() -> None:
    form = ChoicesForm({"outcome": "ok", "tier": "A"})
    form.is_valid()
    form.add_error(None, "Something about the whole form")
    assert error_summary_items(form) == [
        {"text": "Something about the whole form", "href": "#id_name"},
        {"text": "This field is required.", "href": "#id_name"},
    ]


def test_choice_fields_render_with_their_values() -> None:
    form = ChoicesForm({"name": "Ann", "tier": "B", "outcome": "no", "urgent": "true", "hours": "3"})
    assert form.is_valid(), form.errors
    html = render(
        '{% from "core/forms.html" import form_field %}'
        "{% for field in form %}{{ form_field(field) }}{% endfor %}",
        form=form,
    )
    assert re.search(r'<option value="B"\s+selected>Tier B</option>', html)
    assert re.search(r'<option value="A"\s*>Tier A</option>', html)
    assert re.search(r'id="id_outcome-2" name="outcome" type="radio" value="no" checked', html)
    assert 'value=""' not in html.split('name="outcome"')[1].split("</fieldset>")[0]  # no blank radio
    assert re.search(r'id="id_urgent" name="urgent" type="checkbox" value="true" checked', html)
    assert '<textarea class="govuk-textarea" id="id_notes" name="notes" rows="10"' in html
    # GOV.UK advises text inputs with a numeric keypad, not type=number.
    assert 'name="hours" type="text" spellcheck="false" value="3" inputmode="numeric"' in html
    assert 'id="id_name-hint"' in html and "As on their licence" in html


def test_unchecked_checkbox_round_trips_as_false() -> None:
    form = ChoicesForm({"name": "Ann", "tier": "B", "outcome": "no"})
    assert form.is_valid()
    assert form.cleaned_data["urgent"] is False
    assert field_params(form["urgent"])["items"][0]["checked"] is False


def test_overrides_merge_into_the_fields_own_parameters() -> None:
    form = ChoicesForm()
    params = field_params(
        form["name"],
        overrides={"label": {"classes": "govuk-label--l", "isPageHeading": True}, "classes": "x"},
    )
    assert params["label"] == {"text": "Name", "classes": "govuk-label--l", "isPageHeading": True}
    assert params["classes"] == "x"
    assert params["hint"] == {"text": "As on their licence"}
