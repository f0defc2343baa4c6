"""Forms for casework. They shape input only; the services hold the rules and report what is wrong."""

from typing import Any

from django import forms

from evenhand.core.forms import GovukDateField, GovukDateTimeField
from evenhand.core.ids import parse_id

from .models import (
    NEXT_STATUSES,
    Contact,
    ContactOutcome,
    ContactType,
    Decision,
    Referral,
    ReferralStatus,
    Sentence,
    ServiceArea,
)
from .services import ALLOWED_DECISIONS


class SentenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sentence) -> str:  # type: ignore[override]
        return f"{obj.get_type_display()}, from {obj.start_date:%-d %B %Y}"


class ContactForm(forms.Form):
    sentence = SentenceChoiceField(queryset=Sentence.objects.none(), empty_label=None, label="Sentence")
    type = forms.ChoiceField(choices=ContactType.choices, label="Type of contact")
    starts_at = GovukDateTimeField(
        label="Date and time",
        help_text="For example, 27 3 2026 and 14:30. A future date books an appointment.",
    )
    location = forms.CharField(max_length=120, required=False, label="Location")
    outcome = forms.ChoiceField(
        choices=ContactOutcome.choices,
        required=False,
        label="Outcome",
        help_text="Leave this blank to book an appointment that has not happened yet.",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes")

    def __init__(self, *args: Any, sentences: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sentence"].queryset = sentences  # type: ignore[attr-defined]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=ContactOutcome.choices, label="What happened?", widget=forms.RadioSelect
    )
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes")


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Contact) -> str:  # type: ignore[override]
        return f"{obj}: {obj.get_outcome_display().lower()}"

    def clean(self, value: Any) -> Any:
        # A value that is no id at all (too many digits for a 64-bit key, say) is not one of the choices;
        # asking the database about it would fail (SQLite cannot take the number).
        for choice in value if isinstance(value, list | tuple) else ():
            if parse_id(choice) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": choice}
                )
        return super().clean(value)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, label="Decision", widget=forms.RadioSelect)
    triggering_contacts = ContactChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        label="Which failures does this decision answer?",
        widget=forms.CheckboxSelectMultiple,
    )
    rationale = forms.CharField(
        widget=forms.Textarea,
        label="Why did you make this decision?",
        help_text="Give the reasons, including any departure from what the rules propose. At least 20 characters.",
    )
    decided_at = GovukDateTimeField(
        required=False,
        label="Date and time of the decision",
        help_text="For example, 27 3 2026 and 14:30. Change it when you record a decision made earlier.",
    )

    def __init__(self, *args: Any, sentence: Sentence, failures: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_DECISIONS[sentence.type]
        self.fields["decision"].choices = [(d, Decision(d).label) for d in allowed]  # type: ignore[attr-defined]
        self.fields["triggering_contacts"].queryset = failures  # type: ignore[attr-defined]


class ReferralForm(forms.Form):
    sentence = SentenceChoiceField(queryset=Sentence.objects.none(), empty_label=None, label="Sentence")
    service_area = forms.ChoiceField(choices=ServiceArea.choices, label="Service", widget=forms.RadioSelect)
    provider = forms.CharField(max_length=120, required=False, label="Provider (optional)")
    reason = forms.CharField(widget=forms.Textarea, label="What need is the referral for?")
    made_on = GovukDateField(label="Date of referral", help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, sentences: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sentence"].queryset = sentences  # type: ignore[attr-defined]


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ReferralStatus.choices, label="New status", widget=forms.RadioSelect)
    changed_on = GovukDateField(label="Date of the change", help_text="For example, 27 3 2026")
    note = forms.CharField(widget=forms.Textarea, required=False, label="Note (optional)")

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (s, ReferralStatus(s).label) for s in NEXT_STATUSES[referral.status]
        ]
