"""Forms the GOV.UK way: date fields without JavaScript, the sign-in form, and the parameters that the
GOV.UK Frontend macros take for a Django ``BoundField`` (used by the macros in ``core/forms.html``).

GOV.UK shows one error per field, so a field's first error is the one shown beside it and in the summary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.forms.utils import pretty_name
from django.utils import timezone

DATE_PARTS = ("day", "month", "year")
DATETIME_PARTS = (*DATE_PARTS, "time")
_PART_CLASSES = {
    "day": "govuk-input--width-2",
    "month": "govuk-input--width-2",
    "year": "govuk-input--width-4",
}


# --- widgets -------------------------------------------------------------------------------------------------


class GovukDateInput(forms.MultiWidget):
    """Day, month and year as three text boxes named ``<name>-day``, ``<name>-month`` and ``<name>-year``:
    the GOV.UK date input pattern, which needs no JavaScript."""

    parts: tuple[str, ...] = DATE_PARTS

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__([forms.TextInput(attrs={"inputmode": "numeric"}) for _ in self.parts], attrs)
        # GOV.UK names the parts with a hyphen; Django's MultiWidget would use _0, _1, _2.
        self.widgets_names = [f"-{part}" for part in self.parts]

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None] * len(self.parts)


class GovukDateTimeInput(GovukDateInput):
    """A GOV.UK date input with a fourth box for the time (``<name>-time``), such as 14:30 or 2:30pm."""

    parts = DATETIME_PARTS

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, dt.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [str(local.day), str(local.month), str(local.year), local.strftime("%H:%M")]
        return [None] * len(self.parts)


# --- fields --------------------------------------------------------------------------------------------------


def _label_params(field: forms.Field) -> dict[str, str]:
    label = str(field.label or "date")
    # "Enter date of birth" but "Date of birth must be a real date"; leave acronyms such as "CRN" alone.
    lower = label[0].lower() + label[1:] if label[1:2].islower() or len(label) == 1 else label
    return {"label": lower, "Label": label[0].upper() + label[1:]}


def _parse_date_parts(field: forms.Field, day: str, month: str, year: str) -> dt.date:
    missing = [name for name, part in zip(DATE_PARTS, (day, month, year), strict=True) if not part]
    params = _label_params(field)
    if missing:
        raise ValidationError(
            field.error_messages["incomplete"],
            code="incomplete",
            params={**params, "missing": " and ".join(missing)},
        )
    if not (day.isdigit() and month.isdigit() and year.isdigit()):
        raise ValidationError(field.error_messages["invalid"], code="invalid", params=params)
    if len(year) != 4:
        raise ValidationError(field.error_messages["year_digits"], code="year_digits", params=params)
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(field.error_messages["invalid"], code="invalid", params=params) from None


_TIME_24H = re.compile(r"^(?P<hour>\d{1,2})[:.](?P<minute>\d{2})$")
_TIME_12H = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)$", re.I)


def parse_time(text: str) -> dt.time | None:
    """A time as people type it: 14:30, 14.30, 2:30pm, 2pm, midday or midnight; None if it is not one."""
    text = text.strip().lower()
    if text in ("midday", "noon", "12 midday"):
        return dt.time(12, 0)
    if text in ("midnight", "12 midnight"):
        return dt.time(0, 0)
    if match := _TIME_24H.match(text):
        hour, minute = int(match["hour"]), int(match["minute"])
    elif match := _TIME_12H.match(text):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"].startswith("p") else 0)
    else:
        return None
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


class GovukDateField(forms.Field):
    """A date entered as day, month and year (``GovukDateInput``), with GOV.UK's error messages."""

    widget = GovukDateInput
    default_error_messages = {
        "required": "Enter %(label)s",
        "incomplete": "%(Label)s must include a %(missing)s",
        "invalid": "%(Label)s must be a real date",
        "year_digits": "Year must include 4 numbers",
    }

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if value in self.empty_values:
            return None
        day, month, year = (str(part or "").strip() for part in value)
        if not (day or month or year):
            return None
        return _parse_date_parts(self, day, month, year)

    def validate(self, value: Any) -> None:
        if value in self.empty_values and self.required:
            raise ValidationError(
                self.error_messages["required"], code="required", params=_label_params(self)
            )


class GovukDateTimeField(forms.Field):
    """A date and time entered as day, month, year and time (``GovukDateTimeInput``); an aware datetime in
    the current time zone."""

    widget = GovukDateTimeInput
    default_error_messages = {
        **GovukDateField.default_error_messages,
        "time_required": "%(Label)s must include a time",
        "time_invalid": "Enter a real time for %(label)s, like 14:30 or 2:30pm",
    }

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime):
            return value
        if value in self.empty_values:
            return None
        day, month, year, time = (str(part or "").strip() for part in value)
        if not (day or month or year or time):
            return None
        date = _parse_date_parts(self, day, month, year)
        params = _label_params(self)
        if not time:
            raise ValidationError(self.error_messages["time_required"], code="time_required", params=params)
        parsed = parse_time(time)
        if parsed is None:
            raise ValidationError(self.error_messages["time_invalid"], code="time_invalid", params=params)
        return timezone.make_aware(dt.datetime.combine(date, parsed))

    def validate(self, value: Any) -> None:
        if value in self.empty_values and self.required:
            raise ValidationError(
                self.error_messages["required"], code="required", params=_label_params(self)
            )


# --- GOV.UK error messages for every form ---------------------------------------------------------------------

# Fields whose answer is chosen (radios, checkboxes, a list) rather than typed: GOV.UK says "Select …" for them.
_CHOSEN = (forms.ChoiceField, forms.ModelChoiceField, forms.MultipleChoiceField, forms.BooleanField)
_OPTIONAL = re.compile(r"\s*\(optional\)\s*$", re.I)


def _default(field: forms.Field, code: str) -> str | None:
    """Django's own message for ``code`` on this kind of field (what a form shows unless told otherwise)."""
    for klass in type(field).__mro__:
        messages = klass.__dict__.get("default_error_messages")
        if messages and code in messages:
            # Only Django's own wording is replaced; a field class of Evenhand's already speaks GOV.UK.
            return str(messages[code]) if klass.__module__.startswith("django.") else None
    return None


def _what(field: forms.Field, name: str) -> tuple[str, str]:
    """What the field asks for, to follow "Enter" or "Select" (lower case first, acronyms kept), and as the
    start of a sentence. A question label loses its question mark ("What was learned?": "what was learned")."""
    label = _OPTIONAL.sub("", str(field.label or pretty_name(name))).rstrip("?").strip()
    params = _label_params(forms.Field(label=label))
    return params["label"], params["Label"]


# Words that already make a label read after "Enter" or "Select"; any other label gets "the" ("Select the
# tier"). A question that inverts its verb ("Why did the order end?") cannot follow "Enter": such a field must
# give its own message, and until it does it says so ("an answer to …"), which the form test refuses.
_READS_ON = {
    "the",
    "a",
    "an",
    "your",
    "their",
    "his",
    "her",
    "its",
    "who",
    "what",
    "where",
    "when",
    "how",
    "which",
    "whether",
    "why",
    "any",
    "each",
    "every",
    "all",
}
_INVERTING = {
    "did",
    "does",
    "do",
    "was",
    "were",
    "is",
    "are",
    "should",
    "has",
    "have",
    "can",
    "will",
    "would",
}
# "What was recorded in error?" reads on after "Enter"; "Why was the sentence extended?" does not.
_QUESTIONS = {"why", "where", "when", "how", "which"}
UNANSWERABLE = "an answer to"


def govuk_required_message(field: forms.Field, name: str) -> str:
    """The GOV.UK message for a required field left empty: "Select …" for a choice, "Enter …" otherwise,
    naming what the label asks for ("Enter the sentencing court", "Select where the information came from")."""
    what, _ = _what(field, name)
    chosen = isinstance(field, _CHOSEN) or isinstance(
        field.widget, forms.RadioSelect | forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.Select
    )
    verb = "Select" if chosen else "Enter"
    label = str(field.label or pretty_name(name)).strip()
    words = what.split()
    asks = words[0] in _INVERTING or (
        words[0] in _QUESTIONS and len(words) > 2 and _INVERTING & set(words[1:3])
    )
    if label.endswith("?") and asks:
        return f"{verb} {UNANSWERABLE} “{label}”"
    if words and words[0].lower() not in _READS_ON and not words[0][:1].isdigit():
        what = f"the {what}"
    return f"{verb} {what}"


def govuk_messages(field: forms.Field, name: str) -> None:
    """Replace Django's generic messages ("This field is required.", "Select a valid choice. …", "Enter a
    whole number.", "Ensure this value …") on ``field`` with GOV.UK ones derived from its label and type.
    Messages a form sets itself are kept."""
    messages = field.error_messages
    what, What = _what(field, name)

    def replace(code: str, text: str) -> None:
        # Codes a validator raises (max_length, min_value …) may be absent: Django then shows the validator's
        # own wording, so they are added too.
        current = messages.get(code)
        if current is None or str(current) == _default(field, code):
            messages[code] = text

    replace("required", govuk_required_message(field, name))
    # A value that is not one of the choices is a form tampered with or out of date: ask again, as for none.
    for code in ("invalid_choice", "invalid_pk_value", "invalid_list"):
        replace(code, str(messages["required"]))
    whole = isinstance(field, forms.IntegerField) and not isinstance(
        field, forms.DecimalField | forms.FloatField
    )
    replace(
        "invalid",
        f"{What} must be a {'whole ' if whole else ''}number"
        if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField)
        else f"Enter {what} in the correct format",
    )
    replace("min_value", f"{What} must be %(limit_value)s or more")
    replace("max_value", f"{What} must be %(limit_value)s or less")
    replace("max_length", f"{What} must be %(limit_value)d characters or fewer")
    replace("min_length", f"{What} must be %(limit_value)d characters or more")
    replace("max_digits", f"{What} must have no more than %(max)s digits")
    replace("max_decimal_places", f"{What} must have no more than %(max)s decimal places")


class GovukForm(forms.Form):
    """The base of every form in Evenhand: each field's error messages follow the GOV.UK Design System
    ("Enter the reasons for the decision", "Select who was consulted"), derived from the field's label and
    type wherever the form does not give its own, so "This field is required." is never shown.

    Applied when the class is made (so every field declared on it) and again to each instance (fields a form
    adds in ``__init__``)."""

    # The message for a required field left empty, by field name, where the label does not make one that reads
    # well ("Why did the sentence end?" gives no "Enter …"): GOV.UK's own wording, such as "Select who was
    # consulted". Applied to the fields declared on the class that sets it.
    govuk_errors: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("govuk_errors", {})
        for name, field in cls.__dict__.get("declared_fields", {}).items():
            if name in own:
                field.error_messages["required"] = own[name]
            govuk_messages(field, name)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            govuk_messages(field, name)


class SignInForm(AuthenticationForm):
    """Django's sign-in form with GOV.UK error messages."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password",
        "inactive": "This account has been deactivated",
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        # GOV.UK advises against moving focus for people; the error summary takes focus when there is one.
        self.fields["username"].widget.attrs.pop("autofocus", None)


# --- GOV.UK macro parameters ---------------------------------------------------------------------------------


def _merge(params: dict[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Overrides win; nested mappings (label, hint, fieldset, …) are merged rather than replaced."""
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(params.get(key), Mapping):
            params[key] = _merge(dict(params[key]), value)
        else:
            params[key] = value
    return params


def _first_error(field: BoundField) -> str | None:
    return str(field.errors[0]) if field.errors else None


def _error_codes(field: BoundField) -> set[str]:
    return {error.code for error in field.errors.as_data() if error.code}


def _common(field: BoundField) -> dict[str, Any]:
    params: dict[str, Any] = {"id": field.auto_id or field.html_name, "name": field.html_name}
    if field.help_text:
        params["hint"] = {"text": str(field.help_text)}
    if error := _first_error(field):
        params["errorMessage"] = {"text": error}
    return params


def _choices(field: BoundField) -> Iterator[tuple[str, str]]:
    """(value, text) for every choice, optgroups flattened."""
    for value, label in field.field.widget.choices:  # type: ignore[attr-defined]
        if isinstance(label, list | tuple):
            for sub_value, sub_label in label:
                yield str(sub_value), str(sub_label)
        else:
            yield str("" if value is None else value), str(label)


def _selected(field: BoundField) -> set[str]:
    value = field.value()
    values = value if isinstance(value, list | tuple) else [value]
    return {str(v) for v in values if v is not None}


def field_kind(field: BoundField) -> str:
    """Which macro in ``core/forms.html`` renders this field."""
    widget = field.field.widget
    if isinstance(widget, GovukDateTimeInput):
        return "datetime"
    if isinstance(widget, GovukDateInput):
        return "date"
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    return "input"


def field_anchor(field: BoundField) -> str:
    """The id of the element an error summary link should move focus to: the first box that is wrong."""
    field_id = field.auto_id or field.html_name
    kind = field_kind(field)
    if kind in ("date", "datetime"):
        return f"{field_id}-{_error_parts(field)[0] if field.errors else 'day'}"
    return field_id


def _error_parts(field: BoundField) -> list[str]:
    """The parts of a date (and time) input to highlight as wrong."""
    parts = list(field.field.widget.parts)  # type: ignore[attr-defined]
    codes = _error_codes(field)
    raw = field.value()
    entered = dict(zip(parts, raw, strict=False)) if isinstance(raw, list | tuple) else {}
    if "incomplete" in codes:
        missing = [part for part in DATE_PARTS if not str(entered.get(part) or "").strip()]
        return missing or list(DATE_PARTS)
    if "year_digits" in codes:
        return ["year"]
    if codes & {"time_required", "time_invalid"}:
        return ["time"]
    if codes & {"invalid"}:
        return list(DATE_PARTS)
    return parts


def field_params(
    field: BoundField, kind: str | None = None, overrides: Mapping[str, Any] | None = None
) -> dict:
    """The ``params`` for the GOV.UK macro that renders ``field`` (govukInput, govukSelect, …).

    ``overrides`` are any of that macro's parameters, merged over the defaults taken from the field:
    id, name, label (or fieldset legend), hint from ``help_text``, errorMessage from the first error,
    and the value (or items, for choices and dates).
    """
    kind = kind or field_kind(field)
    params = _common(field)
    widget = field.field.widget
    label = {"text": str(field.label)}

    if kind in ("input", "password", "textarea"):
        params["label"] = label
        value = field.value()
        if kind == "password" and not getattr(widget, "render_value", False):
            value = None
        if value is not None and value != "":
            params["value"] = str(value)
        if autocomplete := widget.attrs.get("autocomplete"):
            params["autocomplete"] = autocomplete
        if kind == "textarea":
            params["rows"] = widget.attrs.get("rows", 5)
        elif kind == "input":
            input_type = getattr(widget, "input_type", "text")
            # GOV.UK: number inputs mangle values (scrolling, rounding); use text with a numeric keypad.
            if input_type == "number":
                input_type = "text"
                params["inputmode"] = "decimal" if isinstance(field.field, forms.DecimalField) else "numeric"
                params["spellcheck"] = False
            elif input_type == "email":
                params["spellcheck"] = False
            params["type"] = input_type
            if inputmode := widget.attrs.get("inputmode"):
                params["inputmode"] = inputmode

    elif kind == "select":
        params["label"] = label
        selected = _selected(field)
        params["items"] = [
            {"value": value, "text": text, "selected": value in selected} for value, text in _choices(field)
        ]

    elif kind in ("radios", "checkboxes"):
        params["idPrefix"] = params.pop("id")
        if isinstance(widget, forms.CheckboxInput):
            # A single yes/no checkbox: the label goes on the box itself and the hint beneath it.
            item: dict[str, Any] = {"value": "true", "text": str(field.label), "checked": bool(field.value())}
            if hint := params.pop("hint", None):
                item["hint"] = hint
            params["items"] = [item]
        else:
            params["fieldset"] = {"legend": label}
            selected = _selected(field)
            params["items"] = [
                {"value": value, "text": text, "checked": value in selected}
                for value, text in _choices(field)
                if value != ""  # the "---------" blank choice is meaningless as a radio button
            ]

    elif kind in ("date", "datetime"):
        params["namePrefix"] = params["name"]
        params.pop("name")
        params["fieldset"] = {"legend": label}
        raw = field.value()
        parts = list(widget.parts)  # type: ignore[attr-defined]
        values = raw if isinstance(raw, list | tuple) else widget.decompress(raw)  # type: ignore[attr-defined]
        wrong = set(_error_parts(field)) if field.errors else set()
        items = []
        for part, value in zip(parts, values, strict=False):
            classes = _PART_CLASSES.get(part, "govuk-input--width-5")
            if part in wrong:
                classes += " govuk-input--error"
            item = {"name": part, "classes": classes, "value": value or None}
            if part == "time":
                item["inputmode"] = "text"  # 2:30pm needs letters
            items.append(item)
        params["items"] = items
        if kind == "datetime" and "hint" not in params:
            params["hint"] = {"text": "For example, 27 3 2026 and 14:30 or 2:30pm"}
    else:
        raise ValueError(f"unknown field kind {kind!r}")

    return _merge(params, overrides)


def error_summary_items(form: forms.BaseForm) -> list[dict[str, str]]:
    """The ``errorList`` for govukErrorSummary: each error linked to the box it is about.

    Errors that belong to no field (such as a wrong password) link to the first field.
    """
    visible = form.visible_fields()
    first = f"#{field_anchor(visible[0])}" if visible else ""
    items = [{"text": str(error), "href": first} for error in form.non_field_errors()]
    for field in visible:
        if error := _first_error(field):
            items.append({"text": error, "href": f"#{field_anchor(field)}"})
    for field in form.hidden_fields():
        if error := _first_error(field):
            items.append({"text": f"{field.label}: {error}"})
    return items
