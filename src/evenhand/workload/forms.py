"""Forms for workload and allocation. They shape input only; the services hold the rules."""

from decimal import Decimal
from typing import Any

from django import forms

from evenhand.cases.models import AllocationReason, OffenceFlag
from evenhand.core.forms import GovukDateField, GovukForm

from .models import ReductionReason, TaskType
from .rules import PQIP_DEFAULT_MONTHS

DATE_HINT = "For example, 27 3 2026"


class AllocationForm(GovukForm):
    govuk_errors = {
        "start_date": "Enter the date they are responsible from",
    }
    practitioner = forms.TypedChoiceField(
        coerce=int, label="Who should hold this case?", widget=forms.RadioSelect, choices=()
    )
    reason = forms.ChoiceField(
        choices=AllocationReason.choices,
        initial=AllocationReason.NEW_CASE,
        label="Reason",
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        widget=forms.Textarea,
        label="Why this practitioner?",
        help_text="Capacity, continuity, skills, and anything discussed with them.",
    )
    start_date = GovukDateField(label="Responsible from", help_text=DATE_HINT)

    def __init__(self, *args: Any, practitioners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = practitioners  # type: ignore[attr-defined]


class ConsultationForm(GovukForm):
    govuk_errors = {
        "practitioner": "Select who was consulted",
    }
    # Radios, not a list: a list shows its first practitioner chosen, so a form sent as it came recorded a
    # consultation with them. With radios nothing is chosen until the manager chooses.
    practitioner = forms.TypedChoiceField(
        coerce=int, label="Practitioner consulted", widget=forms.RadioSelect, choices=()
    )
    consulted_on = GovukDateField(label="Date of the discussion", help_text=DATE_HINT)
    notes = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="What was discussed (optional)",
        help_text="The practitioner sees this note when they confirm.",
    )

    def __init__(self, *args: Any, practitioners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = practitioners  # type: ignore[attr-defined]


class ConsultationAnswerForm(GovukForm):
    agreed = forms.TypedChoiceField(
        coerce=lambda value: value == "yes",
        choices=[
            ("yes", "I was consulted and I agree to take this case"),
            ("no", "I do not agree to take it"),
        ],
        label="Your answer",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(widget=forms.Textarea, required=False, label="Comment (optional)")


class SensitivityForm(GovukForm):
    govuk_errors = {
        "kind": "Select which kind of case you should be consulted about",
    }
    kind = forms.ChoiceField(
        choices=OffenceFlag.choices,
        label="Which kind of case should you be consulted about?",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Note for yourself (optional)",
        help_text="Only you can see this.",
    )


class ReductionForm(GovukForm):
    reason = forms.ChoiceField(
        choices=[(value, label) for value, label in ReductionReason.choices if value not in ("pqip", "nqo")],
        label="Reason",
        widget=forms.RadioSelect,
    )
    percentage = forms.DecimalField(
        required=False,
        max_digits=5,
        decimal_places=2,
        label="Percentage of contracted hours",
        help_text="Leave blank for long-term sickness or maternity leave (100%), or give hours instead.",
    )
    hours = forms.DecimalField(
        required=False, max_digits=4, decimal_places=1, label="Or hours a week", min_value=Decimal("0.1")
    )
    start_date = GovukDateField(label="Start date", help_text=DATE_HINT)
    end_date = GovukDateField(
        label="End date (optional)", required=False, help_text="Leave blank if not known"
    )
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes (optional)")


class TrainingReductionForm(GovukForm):
    govuk_errors = {
        "kind": "Select which schedule applies",
        "start_date": "Enter the date training started or the officer qualified",
    }
    kind = forms.ChoiceField(
        choices=[
            ("pqip", "Trainee probation officer (PQiP): 80%, then 60%, then 40%"),
            ("nqo", "Newly qualified officer: 20% for 9 months"),
        ],
        label="Which schedule?",
        widget=forms.RadioSelect,
    )
    start_date = GovukDateField(label="Training started or officer qualified on", help_text=DATE_HINT)
    training_months = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=36,
        initial=PQIP_DEFAULT_MONTHS,
        label="Length of PQiP training in months",
        help_text="Only for PQiP.",
    )


class EndReductionForm(GovukForm):
    end_date = GovukDateField(label="Last day of the reduction", help_text=DATE_HINT)


class TaskForm(GovukForm):
    govuk_errors = {
        "assigned_on": "Enter the date the task was assigned",
        "due_date": "Enter the date the task is due",
    }
    task_type = forms.ChoiceField(choices=TaskType.choices, label="Task", widget=forms.RadioSelect)
    reference = forms.CharField(
        max_length=80,
        required=False,
        label="Reference (optional)",
        help_text="For example the court and hearing",
    )
    assigned_on = GovukDateField(label="Assigned on", help_text=DATE_HINT)
    due_date = GovukDateField(label="Due on", help_text=DATE_HINT)


class CompleteTaskForm(GovukForm):
    govuk_errors = {
        "completed_on": "Enter the date the task was completed",
    }
    completed_on = GovukDateField(label="Completed on", help_text=DATE_HINT)


# Reasons a manager gives for moving an allocated case within the PDU: not a new case, not a transfer in.
REALLOCATION_REASONS = [
    (value, label)
    for value, label in AllocationReason.choices
    if value not in (AllocationReason.NEW_CASE, AllocationReason.TRANSFER_IN)
]


class TransferForm(GovukForm):
    govuk_errors = {
        "to_pdu": "Select which PDU the person is moving to",
        "reason": "Enter why the person is being transferred",
    }
    to_pdu = forms.TypedChoiceField(coerce=int, label="Which PDU is the person moving to?", choices=())
    reason = forms.CharField(
        widget=forms.Textarea,
        label="Why is the person being transferred?",
        help_text="For example, a change of address. The current practitioner stays responsible until the "
        "receiving PDU allocates the case.",
    )

    def __init__(self, *args: Any, pdus: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_pdu"].choices = [("", "Choose a PDU"), *pdus]  # type: ignore[attr-defined]


class CorrectionForm(GovukForm):
    govuk_errors = {
        "practitioner": "Select who the case should have gone to",
    }
    practitioner = forms.TypedChoiceField(
        coerce=int, label="Who should the case have gone to?", widget=forms.RadioSelect, choices=()
    )
    reason = forms.CharField(widget=forms.Textarea, label="What was wrong with the allocation?")

    def __init__(self, *args: Any, practitioners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = practitioners  # type: ignore[attr-defined]
