"""Forms for booking, rescheduling and cancelling appointments. They shape input only; the services in
:mod:`evenhand.cases.services.appointments` hold the rules and report what is wrong, by field."""

from typing import Any

from django import forms

from evenhand.core.forms import GovukDateTimeField, GovukForm
from evenhand.org.models import StaffMember

from .forms import SentenceChoiceField
from .models import ContactType, Requirement, Sentence
from .models.contact import ChangeRequestedBy, ContactMode


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:  # type: ignore[override]
        return f"{obj.full_name} ({obj.get_grade_display()})"


class RequirementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Requirement) -> str:  # type: ignore[override]
        return f"{obj} ({obj.sentence.get_type_display().lower()} from {obj.sentence.start_date:%-d %B %Y})"


class AppointmentForm(GovukForm):
    govuk_errors = {"with_staff": "Select who the appointment is with"}

    sentence = SentenceChoiceField(queryset=Sentence.objects.none(), empty_label=None, label="Sentence")
    type = forms.ChoiceField(choices=ContactType.choices, label="Type of appointment")
    starts_at = GovukDateTimeField(label="Date and time", help_text="For example, 27 3 2027 and 14:30")
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        required=False,
        min_value=5,
        max_value=720,
        help_text="Needed for an unpaid work session: its hours count towards the order",
        error_messages={
            "invalid": "Enter the length as a number of minutes, like 60",
            "min_value": "The appointment must last at least 5 minutes",
            "max_value": "The appointment must last 12 hours (720 minutes) or less",
        },
    )
    mode = forms.ChoiceField(
        choices=ContactMode.choices,
        initial=ContactMode.IN_PERSON,
        label="How is it held?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the appointment is held"},
    )
    location = forms.CharField(max_length=120, required=False, label="Location", help_text="Needed in person")
    with_staff = StaffChoiceField(queryset=StaffMember.objects.none(), empty_label=None, label="With")
    requirement = RequirementChoiceField(
        queryset=Requirement.objects.none(),
        required=False,
        empty_label="None",
        label="Requirement it counts towards",
    )
    occurrences = forms.IntegerField(
        label="Number of weekly appointments",
        required=False,
        min_value=1,
        max_value=52,
        initial=1,
        help_text="Book a series at the same time each week; bank holidays are skipped",
        error_messages={
            "invalid": "Enter the number of weekly appointments as a whole number, like 10",
            "min_value": "Enter a number of weekly appointments from 1 to 52",
            "max_value": "Enter a number of weekly appointments from 1 to 52",
        },
    )
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes")

    def __init__(self, *args: Any, page: Any, viewer: StaffMember, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("with_staff", viewer.pk)
        super().__init__(*args, **kwargs)
        self.fields["sentence"].queryset = page.sentences  # type: ignore[attr-defined]
        self.fields["requirement"].queryset = page.requirements  # type: ignore[attr-defined]
        self.fields["with_staff"].queryset = page.staff  # type: ignore[attr-defined]


def booking_arguments(data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The number of appointments asked for, and the other fields as the booking services take them."""
    data = dict(data)
    return data.pop("occurrences") or 1, data


_REQUESTED_BY = {
    "choices": ChangeRequestedBy.choices,
    "label": "Who asked for the change?",
    "widget": forms.RadioSelect,
    "error_messages": {"required": "Select who asked for the change"},
}


class RescheduleForm(GovukForm):
    starts_at = GovukDateTimeField(label="New date and time", help_text="For example, 27 3 2027 and 14:30")
    requested_by = forms.ChoiceField(**_REQUESTED_BY)  # type: ignore[arg-type]
    reason = forms.CharField(
        widget=forms.Textarea,
        label="Reason",
        error_messages={"required": "Enter the reason for rescheduling"},
    )
    with_staff = StaffChoiceField(queryset=StaffMember.objects.none(), required=False, label="With")
    location = forms.CharField(
        max_length=120, required=False, label="Location", help_text="Leave blank to keep the same location"
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["with_staff"].queryset = staff  # type: ignore[attr-defined]


def reschedule_arguments(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if not data.get("location"):
        data["location"] = None
    return data


class CancelForm(GovukForm):
    requested_by = forms.ChoiceField(**_REQUESTED_BY)  # type: ignore[arg-type]
    reason = forms.CharField(
        widget=forms.Textarea,
        label="Reason",
        error_messages={"required": "Enter the reason for cancelling"},
    )
