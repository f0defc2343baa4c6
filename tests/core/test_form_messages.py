"""Every form in Evenhand says what to enter, the GOV.UK way, never Django's "This field is required." (issue 13
item 4). The forms are found by importing every module of each app and walking the subclasses of ``BaseForm``,
so a new form is checked without being listed here, whichever module it is in."""

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.forms import BaseForm

from evenhand.core.forms import UNANSWERABLE, GovukForm, govuk_messages, govuk_required_message

DJANGO_DEFAULTS = {
    str(forms.Field.default_error_messages["required"]),
    str(forms.ChoiceField.default_error_messages["invalid_choice"]),
    str(forms.ModelChoiceField.default_error_messages["invalid_choice"]),
    str(forms.ModelMultipleChoiceField.default_error_messages["invalid_choice"]),
    str(forms.MultipleChoiceField.default_error_messages["invalid_choice"]),
    str(forms.IntegerField.default_error_messages["invalid"]),
    str(forms.DecimalField.default_error_messages["invalid"]),
}


# Modules that hold no forms and are not meant to be imported in a test process.
SKIPPED_PARTS = {"migrations", "management"}


def app_modules() -> list[str]:
    """Every module of every Evenhand app (its package walked), not only ``forms.py``: forms live in
    ``round_forms.py``, ``report_forms.py`` and the like too."""
    names = []
    for config in apps.get_app_configs():
        if not config.name.startswith("evenhand."):
            continue
        names.append(config.name)
        package = importlib.import_module(config.name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{config.name}."):
            if SKIPPED_PARTS.isdisjoint(info.name.split(".")):
                names.append(info.name)
    return sorted(names)


def form_classes() -> list[type[BaseForm]]:
    """Every form class defined in a module of an app: found by importing the modules, then walking the
    subclasses of Django's ``BaseForm`` (so a form that does not derive from GovukForm is found too)."""
    modules = set(app_modules())
    for name in modules:
        importlib.import_module(name)
    found: dict[str, type[BaseForm]] = {}
    pending: list[type[BaseForm]] = [BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__ in modules and "<locals>" not in cls.__qualname__:
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[key] for key in sorted(found)]


FORMS = form_classes()
# Some forms read the database as they are made (the voice forms' choices).
pytestmark = pytest.mark.django_db


def fields_of(cls: type[BaseForm]) -> dict[str, forms.Field]:
    """The fields as a page shows them: an instance's where the form can be made without arguments (some set
    their messages in ``__init__``), else the class's."""
    try:
        return dict(cls().fields)  # type: ignore[call-arg]
    except TypeError:
        return dict(cls.base_fields)


def test_the_forms_of_every_app_are_found() -> None:
    modules = {cls.__module__ for cls in FORMS}
    assert {
        "evenhand.cases.forms",
        "evenhand.people.forms",
        "evenhand.workload.forms",
        "evenhand.voice.forms",
        "evenhand.review.round_forms",
    } <= modules
    assert len(FORMS) > 40


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__.split('.')[1]}.{cls.__qualname__}")
def test_no_field_shows_a_django_default_or_an_unreadable_message(cls: type[BaseForm]) -> None:
    if cls.__name__ != "SignInForm":
        assert issubclass(cls, GovukForm), f"{cls.__qualname__} should derive from GovukForm"
    for name, field in fields_of(cls).items():
        messages = {code: str(text) for code, text in field.error_messages.items()}
        wrong = {code: text for code, text in messages.items() if text in DJANGO_DEFAULTS}
        assert not wrong, f"{cls.__qualname__}.{name}: {wrong}"
        unreadable = [code for code, text in messages.items() if UNANSWERABLE in text]
        assert not unreadable, (
            f"{cls.__qualname__}.{name}: its label is a question; give it a govuk_errors message"
        )
        if field.required:
            required = messages["required"]
            assert required.split()[0] in ("Enter", "Select", "Choose"), (
                f"{cls.__qualname__}.{name}: {required}"
            )


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (forms.CharField(label="Sentencing court"), "Enter the sentencing court"),
        (forms.CharField(label="What was learned?"), "Enter what was learned"),
        (forms.ChoiceField(label="Tier", choices=[("A", "A")]), "Select the tier"),
        (forms.ChoiceField(label="Your answer", widget=forms.RadioSelect), "Select your answer"),
        (forms.IntegerField(label="Length of the sentence"), "Enter the length of the sentence"),
        (forms.CharField(label="CRN"), "Enter the CRN"),
        (forms.CharField(label="Notes (optional)"), "Enter the notes"),
        (forms.BooleanField(label="Urgent"), "Select the urgent"),
        (forms.CharField(label="Why did the order end?"), f"Enter {UNANSWERABLE} “Why did the order end?”"),
    ],
)
def test_messages_are_derived_from_the_label_and_the_kind_of_field(field: forms.Field, message: str) -> None:
    assert govuk_required_message(field, "x") == message


def test_a_form_gives_its_own_message_and_bad_choices_and_numbers_are_worded_too() -> None:
    class Sample(GovukForm):
        govuk_errors = {"who": "Select who was consulted"}
        who = forms.ChoiceField(label="Who was it?", choices=[("1", "Ann")], widget=forms.RadioSelect)
        hours = forms.IntegerField(label="Hours", min_value=1, max_value=10)
        reason = forms.CharField(label="Reason", max_length=5)

    form = Sample({"who": "9", "hours": "x", "reason": "too long"})
    assert not form.is_valid()
    assert form.errors == {
        "who": ["Select who was consulted"],
        "hours": ["Hours must be a whole number"],
        "reason": ["Reason must be 5 characters or fewer"],
    }
    assert Sample({}).errors["who"] == ["Select who was consulted"]
    assert Sample({"who": "1", "hours": "0", "reason": "ok"}).errors == {"hours": ["Hours must be 1 or more"]}


def test_a_field_added_in_init_is_worded_as_well() -> None:
    class Later(GovukForm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fields["late"] = forms.CharField(label="Late field")
            govuk_messages(self.fields["late"], "late")

    assert Later({}).errors == {"late": ["Enter the late field"]}
