"""Forms for casework. They shape input only; the services hold the rules and report what is wrong."""

from typing import Any

from django import forms

from evenhand.core.forms import GovukDateField, GovukDateTimeField, GovukForm
from evenhand.core.ids import parse_id

from .models import (
    NEXT_STATUSES,
    Contact,
    ContactOutcome,
    ContactType,
    Decision,
    InformationSource,
    LengthUnit,
    MappaCategory,
    MappaLevel,
    OffenceCategory,
    OffenceFlag,
    Referral,
    ReferralStatus,
    Registration,
    RegistrationType,
    Reliability,
    RequirementType,
    ReviewReason,
    RoshLevel,
    Sentence,
    SentenceType,
    ServiceArea,
    TerminationReason,
    Tier,
    TierSource,
    Urgency,
)
from .services import (
    ALLOWED_DECISIONS,
    ALLOWED_REQUIREMENTS,
    DECISIONS_ON_INFORMATION,
    OffenceInput,
    RequirementInput,
)

# An appointment is cancelled from the appointment, with the reason; the outcome forms leave it out.
RECORDABLE_OUTCOMES = [
    (value, label) for value, label in ContactOutcome.choices if value != ContactOutcome.CANCELLED
]


class SentenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sentence) -> str:  # type: ignore[override]
        return f"{obj.get_type_display()}, from {obj.start_date:%-d %B %Y}"


class ContactForm(GovukForm):
    govuk_errors = {
        "starts_at": "Enter the date and time of the contact",
    }
    sentence = SentenceChoiceField(queryset=Sentence.objects.none(), empty_label=None, label="Sentence")
    type = forms.ChoiceField(choices=ContactType.choices, label="Type of contact")
    starts_at = GovukDateTimeField(
        label="Date and time",
        help_text="For example, 27 3 2026 and 14:30. A future date books an appointment.",
    )
    location = forms.CharField(max_length=120, required=False, label="Location")
    outcome = forms.ChoiceField(
        choices=RECORDABLE_OUTCOMES,
        required=False,
        label="Outcome",
        help_text="Leave this blank to book an appointment that has not happened yet.",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes")

    def __init__(self, *args: Any, sentences: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sentence"].queryset = sentences  # type: ignore[attr-defined]


class OutcomeForm(GovukForm):
    outcome = forms.ChoiceField(choices=RECORDABLE_OUTCOMES, label="What happened?", widget=forms.RadioSelect)
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


class DecisionForm(GovukForm):
    govuk_errors = {
        "rationale": "Enter the reasons for the decision",
        "triggering_contacts": "Select the failures this decision answers",
    }
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


class ReferralForm(GovukForm):
    govuk_errors = {
        "reason": "Enter what need the referral is for",
    }
    sentence = SentenceChoiceField(queryset=Sentence.objects.none(), empty_label=None, label="Sentence")
    service_area = forms.ChoiceField(choices=ServiceArea.choices, label="Service", widget=forms.RadioSelect)
    provider = forms.CharField(max_length=120, required=False, label="Provider (optional)")
    reason = forms.CharField(widget=forms.Textarea, label="What need is the referral for?")
    made_on = GovukDateField(label="Date of referral", help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, sentences: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sentence"].queryset = sentences  # type: ignore[attr-defined]


class ReferralStatusForm(GovukForm):
    status = forms.ChoiceField(choices=ReferralStatus.choices, label="New status", widget=forms.RadioSelect)
    changed_on = GovukDateField(label="Date of the change", help_text="For example, 27 3 2026")
    note = forms.CharField(widget=forms.Textarea, required=False, label="Note (optional)")

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (s, ReferralStatus(s).label) for s in NEXT_STATUSES[referral.status]
        ]


# --- sentences: record one as the court passed it, release, end, extend --------------------------------------

OFFENCE_SLOTS = 3
REQUIREMENT_SLOTS = 4
FLAG_CHOICES = OffenceFlag.choices
# Licences and PSS start from a custody sentence's release (``ReleaseForm``), not from this form.
COURT_SENTENCE_TYPES = [
    (t.value, t.label)
    for t in (SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER, SentenceType.CUSTODY)
]


def _blank_first(choices: list[tuple[str, str]], blank: str) -> list[tuple[str, str]]:
    return [("", blank), *choices]


class SentenceForm(GovukForm):
    """A sentence with up to three offences (the first is the main one) and up to four requirements, in fixed
    slots so the page works without JavaScript."""

    govuk_errors = {
        "length_unit": "Select whether the length is in days, weeks or months",
        "offence_1_category": "Select the category of the main offence",
    }

    type = forms.ChoiceField(choices=COURT_SENTENCE_TYPES, label="Type of sentence", widget=forms.RadioSelect)
    court = forms.CharField(max_length=120, label="Sentencing court")
    start_date = GovukDateField(label="Date of sentence", help_text="For example, 27 3 2026")
    length = forms.IntegerField(min_value=1, max_value=36500, label="Length of the sentence")
    length_unit = forms.ChoiceField(choices=LengthUnit.choices, label="Length in", widget=forms.RadioSelect)
    expected_end_date = GovukDateField(
        required=False,
        label="Expected date of release (custody)",
        help_text="Custody only. An order's expected end follows from its length.",
    )
    for _n in range(1, OFFENCE_SLOTS + 1):
        _what = "Main offence" if _n == 1 else f"Other offence {_n - 1} (optional)"
        locals()[f"offence_{_n}_category"] = forms.ChoiceField(
            choices=OffenceCategory.choices if _n == 1 else _blank_first(OffenceCategory.choices, "None"),
            required=_n == 1,
            label=f"{_what}: category",
        )
        locals()[f"offence_{_n}_description"] = forms.CharField(
            max_length=200, required=False, label=f"{_what}: description"
        )
        locals()[f"offence_{_n}_committed_on"] = GovukDateField(
            required=False,
            label=f"{_what}: date of the offence",
            help_text="Needed for custody: post-sentence supervision depends on it",
        )
        locals()[f"offence_{_n}_flags"] = forms.MultipleChoiceField(
            choices=FLAG_CHOICES, required=False, label=f"{_what}: flags", widget=forms.CheckboxSelectMultiple
        )
    for _n in range(1, REQUIREMENT_SLOTS + 1):
        locals()[f"requirement_{_n}_type"] = forms.ChoiceField(
            choices=_blank_first(RequirementType.choices, "None"),
            required=False,
            label=f"Requirement {_n}",
        )
        locals()[f"requirement_{_n}_hours"] = forms.IntegerField(
            min_value=0, max_value=1000, required=False, label=f"Requirement {_n}: unpaid work hours"
        )
        locals()[f"requirement_{_n}_rar_days"] = forms.IntegerField(
            min_value=0, max_value=1000, required=False, label=f"Requirement {_n}: RAR days"
        )
        locals()[f"requirement_{_n}_months"] = forms.IntegerField(
            min_value=0, max_value=120, required=False, label=f"Requirement {_n}: length in months"
        )
    del _n, _what


def sentence_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """What ``create_sentence`` takes, from a valid ``SentenceForm``'s data: the filled slots only."""
    offences = []
    for n in range(1, OFFENCE_SLOTS + 1):
        category = data.get(f"offence_{n}_category")
        if not category:
            continue
        flags = set(data.get(f"offence_{n}_flags") or [])
        offences.append(
            OffenceInput(
                category=category,
                description=data.get(f"offence_{n}_description") or "",
                is_main=n == 1,
                committed_on=data.get(f"offence_{n}_committed_on"),
                **{flag: flag in flags for flag in OffenceFlag.values},
            )
        )
    requirements = []
    for n in range(1, REQUIREMENT_SLOTS + 1):
        kind = data.get(f"requirement_{n}_type")
        if not kind:
            continue
        requirements.append(
            RequirementInput(
                type=kind,
                unpaid_work_hours=data.get(f"requirement_{n}_hours"),
                rar_days=data.get(f"requirement_{n}_rar_days"),
                length_months=data.get(f"requirement_{n}_months"),
            )
        )
    return {
        "type": data["type"],
        "court": data["court"],
        "start_date": data["start_date"],
        "length": data["length"],
        "length_unit": data["length_unit"],
        "expected_end_date": data.get("expected_end_date"),
        "offences": offences,
        "requirements": requirements,
    }


LICENCE_CONDITIONS = [(t.value, t.label) for t in ALLOWED_REQUIREMENTS[SentenceType.LICENCE]]


class ReleaseForm(GovukForm):
    released_on = GovukDateField(label="Date of release", help_text="For example, 27 3 2026")
    releasing_prison = forms.CharField(max_length=120, label="Releasing prison")
    licence_end_date = GovukDateField(
        required=False,
        label="Licence end date (optional)",
        help_text="Leave blank when the licence runs to the end of the sentence.",
    )
    conditions = forms.MultipleChoiceField(
        choices=LICENCE_CONDITIONS,
        required=False,
        label="Additional licence conditions",
        widget=forms.CheckboxSelectMultiple,
    )


def release_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "released_on": data["released_on"],
        "releasing_prison": data["releasing_prison"],
        "licence_end_date": data.get("licence_end_date"),
        "requirements": [RequirementInput(type=kind) for kind in data.get("conditions") or []],
    }


class TerminationForm(GovukForm):
    govuk_errors = {
        "reason": "Select why the sentence ended",
    }
    reason = forms.ChoiceField(
        choices=[c for c in TerminationReason.choices if c[0] != TerminationReason.RELEASED],
        label="Why did the sentence end?",
        widget=forms.RadioSelect,
        help_text="A court revokes an order after a proven breach or a further offence; a licence ends by "
        "recall. A custody sentence ends by its release.",
    )
    termination_date = GovukDateField(label="Date it ended", help_text="For example, 27 3 2026")


class CorrectionForm(GovukForm):
    """The details of a sentence as they should have been recorded, filled in with what was recorded."""

    court = forms.CharField(max_length=120, label="Court (or, for a licence, the releasing prison)")
    start_date = GovukDateField(label="Date of sentence (for a licence, of release)")
    length = forms.IntegerField(min_value=1, max_value=36500, required=False, label="Length of the sentence")
    length_unit = forms.ChoiceField(
        choices=_blank_first(LengthUnit.choices, "Not given"), required=False, label="Length in"
    )
    expected_end_date = GovukDateField(label="Expected end date (for custody, the expected release)")
    reason = forms.CharField(widget=forms.Textarea, label="What was recorded in error?")


def correction_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "court": data["court"],
        "start_date": data["start_date"],
        "length": data.get("length"),
        "length_unit": data.get("length_unit") or "",
        "expected_end_date": data["expected_end_date"],
        "reason": data["reason"],
    }


class ExtensionForm(GovukForm):
    govuk_errors = {
        "reason": "Enter why the sentence was extended",
    }
    new_end_date = GovukDateField(label="New expected end date", help_text="For example, 27 3 2026")
    ordered_on = GovukDateField(label="Date of the order", help_text="For example, 27 3 2026")
    reason = forms.CharField(widget=forms.Textarea, label="Why was the sentence extended?")


# --- risk reviews and registrations -----------------------------------------------------------------------


class RiskReviewForm(GovukForm):
    govuk_errors = {
        "review_reason": "Select why the review was done",
        "tier_source": "Select where the tier comes from",
    }
    assessed_on = GovukDateField(label="Date of the review", help_text="For example, 27 3 2026")
    review_reason = forms.ChoiceField(
        choices=ReviewReason.choices, label="Why was the review done?", widget=forms.RadioSelect
    )
    rosh_children = forms.ChoiceField(
        choices=RoshLevel.choices, label="Risk of serious harm to children", widget=forms.RadioSelect
    )
    rosh_public = forms.ChoiceField(
        choices=RoshLevel.choices, label="Risk of serious harm to the public", widget=forms.RadioSelect
    )
    rosh_known_adult = forms.ChoiceField(
        choices=RoshLevel.choices, label="Risk of serious harm to a known adult", widget=forms.RadioSelect
    )
    rosh_staff = forms.ChoiceField(
        choices=RoshLevel.choices, label="Risk of serious harm to staff", widget=forms.RadioSelect
    )
    next_review_due = GovukDateField(
        label="Next review due",
        help_text="At most 6 months after this review; sooner when something significant changes.",
    )
    tier = forms.ChoiceField(choices=Tier.choices, label="Tier")
    tier_source = forms.ChoiceField(
        choices=TierSource.choices, label="Where does the tier come from?", widget=forms.RadioSelect
    )
    mappa_category = forms.TypedChoiceField(
        choices=_blank_first([(str(v), label) for v, label in MappaCategory.choices], "Not a MAPPA case"),
        coerce=int,
        empty_value=None,
        required=False,
        label="MAPPA category",
    )
    mappa_level = forms.TypedChoiceField(
        choices=_blank_first([(str(v), label) for v, label in MappaLevel.choices], "Not a MAPPA case"),
        coerce=int,
        empty_value=None,
        required=False,
        label="MAPPA level",
    )


class RegistrationForm(GovukForm):
    type = forms.ChoiceField(choices=RegistrationType.choices, label="Type of registration")
    start_date = GovukDateField(label="Start date", help_text="For example, 27 3 2026")
    next_review_date = GovukDateField(label="Review date", help_text="Within a year of the start")
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes (optional)")


class RegistrationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Registration) -> str:  # type: ignore[override]
        return (
            f"{obj.get_type_display()}, from {obj.start_date:%-d %B %Y} "
            f"(review due {obj.next_review_date:%-d %B %Y})"
        )

    def to_python(self, value: Any) -> Any:
        # An id too long for the database is no choice at all (SQLite cannot take the number).
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class _OfRegistration(GovukForm):
    registration = RegistrationChoiceField(
        queryset=Registration.objects.none(), empty_label=None, label="Registration", widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, registrations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registration"].queryset = registrations  # type: ignore[attr-defined]


class RegistrationReviewForm(_OfRegistration):
    reviewed_on = GovukDateField(label="Date of the review", help_text="For example, 27 3 2026")
    next_review_date = GovukDateField(label="Next review date", help_text="Within a year of this review")
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes (optional)")


class RegistrationEndForm(_OfRegistration):
    govuk_errors = {
        "reason": "Enter why the registration ended",
    }
    end_date = GovukDateField(label="End date", help_text="For example, 27 3 2026")
    reason = forms.CharField(max_length=200, label="Why did the registration end?")


# --- risk information ---------------------------------------------------------------------------------------


class RiskInformationForm(GovukForm):
    sentence = SentenceChoiceField(
        queryset=Sentence.objects.none(),
        empty_label=None,
        label="Sentence",
        error_messages={"required": "Select the sentence the information is about"},
    )
    source = forms.ChoiceField(
        choices=InformationSource.choices,
        label="Where did the information come from?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the information came from"},
    )
    source_detail = forms.CharField(
        max_length=200,
        required=False,
        label="Who gave it",
        help_text="The force, agency or person. Needed for a partner agency or other.",
    )
    summary = forms.CharField(
        widget=forms.Textarea,
        label="What was learned?",
        error_messages={"required": "Enter what was learned"},
    )
    received_at = GovukDateTimeField(label="Date and time received")
    reliability = forms.ChoiceField(
        choices=Reliability.choices,
        label="How reliable is it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how reliable the information is"},
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices,
        initial=Urgency.STANDARD,
        label="How soon is a decision on recall needed?",
        help_text="On a licence. An emergency is decided today; otherwise within the service's time.",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how soon a decision on recall is needed"},
    )

    def __init__(self, *args: Any, sentences: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sentence"].queryset = sentences  # type: ignore[attr-defined]


# On risk information "no further action" is the decision not to recall; said so in its label.
INFORMATION_DECISION_LABELS = {Decision.NO_FURTHER_ACTION: "No recall: no further action"}


class RiskDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        choices=[(d.value, INFORMATION_DECISION_LABELS.get(d, d.label)) for d in DECISIONS_ON_INFORMATION],
        label="Decision",
        widget=forms.RadioSelect,
        help_text="Any decision other than recall is a decision not to recall: a senior probation officer or "
        "head of PDU must endorse it.",
        error_messages={"required": "Select the decision"},
    )
    rationale = forms.CharField(
        widget=forms.Textarea,
        label="Why did you make this decision?",
        help_text="Give the reasons, weighing the information and how reliable it is. At least 20 characters.",
        error_messages={"required": "Enter the reasons for the decision"},
    )
    decided_at = GovukDateTimeField(
        required=False,
        label="Date and time of the decision",
        help_text="For example, 27 3 2026 and 14:30. Change it when you record a decision made earlier.",
    )


class EndorsementForm(GovukForm):
    rationale = forms.CharField(
        widget=forms.Textarea,
        label="Why do you endorse the decision not to recall?",
        help_text="Your own reasons: they are kept with the decision. At least 20 characters.",
        error_messages={"required": "Enter the reasons for endorsing the decision"},
    )
