"""The safe voice forms: the reporter's (no sign-in) and the handlers' and custodians'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from evenhand.core.forms import GovukForm
from evenhand.org.models import Grade, Region

from . import files, selectors, surveys
from .models import (
    Agreement,
    FairnessRating,
    OutcomeCategory,
    Status,
    SubStatus,
    SurveyEthnicGroup,
    SurveyResponse,
)
from .receipts import MalformedReceipt, normalise
from .services import MAX_SHORT, MAX_TEXT, MIN_PASSPHRASE
from .surveys import QUESTION_LABELS

RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]
RATING_LABELS = {
    "heard": "I was heard",
    "neutrality": "The people handling it were neutral",
    "respect": "I was treated with respect",
    "outcome": "The outcome",
    "time_taken": "The time it took",
}


class ChoicesFilled(GovukForm):
    """A form whose choices come from the database when it is made."""

    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to ``files.MAX_FILES`` files, read into bytes; type, size and metadata are the services' to check."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[bytes]:  # type: ignore[override]
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if len(uploads) > files.MAX_FILES:
            raise ValidationError(f"Attach at most {files.MAX_FILES} files at a time")
        read = []
        for upload in uploads:
            if not hasattr(upload, "read"):
                raise ValidationError("Choose a file to attach")
            if upload.size is not None and upload.size > files.max_bytes():
                raise ValidationError(
                    f"Each file must be smaller than {files.max_bytes() // (1024 * 1024)} MB"
                )
            read.append(upload.read())
        return read


class ConcernForm(ChoicesFilled):
    govuk_errors = {"when": "Enter when it happened, roughly", "witnesses": "Enter who else saw or heard it"}
    kind = forms.ChoiceField(
        label="What is your concern about?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what the concern is about",
            "invalid_choice": "Select what the concern is about",
        },
    )
    anonymous = forms.ChoiceField(
        label="Do you want to give your name?",
        widget=forms.RadioSelect,
        choices=[("yes", "No, stay anonymous"), ("no", "Yes, raise it in my name")],
        error_messages={
            "required": "Select whether to give your name",
            "invalid_choice": "Select whether to give your name",
        },
    )
    identity = forms.CharField(
        label="Your name and how the handlers can reach you",
        required=False,
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only if you chose to give your name. Handlers will see it; nobody else will.",
    )
    region = forms.ChoiceField(
        label="Region (optional)",
        required=False,
        help_text="Nothing finer than a region or a PDU is asked for.",
    )
    pdu = forms.ChoiceField(label="PDU (optional)", required=False)
    what_happened = forms.CharField(
        label="What happened?",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter what happened"},
    )
    when = forms.CharField(
        label="When did it happen, roughly?",
        required=False,
        max_length=MAX_SHORT,
        help_text="For example 'last spring' or 'over several months'. A rough time is enough.",
    )
    who = forms.CharField(
        label="Who was involved?",
        required=False,
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    witnesses = forms.CharField(
        label="Did anyone see or hear it?",
        required=False,
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome_wanted = forms.CharField(
        label="What would you like to happen?",
        required=False,
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = AttachmentsField(label="Attach files (optional)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = selectors.kinds()
        self._choices("kind").choices = [(k.code, k.name) for k in kinds]
        self.prompts = {k.code: k.prompt for k in kinds}
        self._choices("region").choices = [
            ("", "Prefer not to say"),
            *[(r.code, r.name) for r in selectors.regions()],
        ]
        self._choices("pdu").choices = [
            ("", "Prefer not to say"),
            *[(p.code, f"{p.name} ({p.region.name})") for p in selectors.pdus()],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("anonymous") == "no" and not (data.get("identity") or "").strip():
            self.add_error(
                "identity", "Enter your name and how the handlers can reach you, or choose to stay anonymous"
            )
        pdu = selectors.pdu_by_code(data.get("pdu") or "")
        region: Region | None = selectors.region_by_code(data.get("region") or "")
        if pdu is not None:
            if region is not None and pdu.region_id != region.pk:
                self.add_error("pdu", "This PDU is not in the region you chose")
            region = pdu.region
        data["region_obj"], data["pdu_obj"] = region, pdu
        return data


class ReceiptForm(GovukForm):
    receipt = forms.CharField(
        label="Your receipt",
        max_length=300,
        help_text="The 7 words you were given when you raised the concern.",
        error_messages={"required": "Enter the 7 words of your receipt"},
    )

    def clean_receipt(self) -> str:
        try:
            return normalise(self.cleaned_data["receipt"])
        except MalformedReceipt as malformed:
            raise ValidationError(str(malformed)) from None


class ReplyForm(GovukForm):
    message = forms.CharField(
        label="Your message", required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = AttachmentsField(label="Attach files (optional)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("message") or "").strip() and not data.get("attachments") and not self.errors:
            self.add_error("message", "Enter a message or attach a file")
        return data


class RatingForm(GovukForm):
    heard = forms.ChoiceField(label=RATING_LABELS["heard"], choices=RATING_CHOICES, widget=forms.RadioSelect)
    neutrality = forms.ChoiceField(
        label=RATING_LABELS["neutrality"], choices=RATING_CHOICES, widget=forms.RadioSelect
    )
    respect = forms.ChoiceField(
        label=RATING_LABELS["respect"], choices=RATING_CHOICES, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(
        label=RATING_LABELS["outcome"], choices=RATING_CHOICES, widget=forms.RadioSelect
    )
    time_taken = forms.ChoiceField(
        label=RATING_LABELS["time_taken"], choices=RATING_CHOICES, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Anything else you want to say (optional)",
        required=False,
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FairnessRating.DIMENSIONS:
            self.fields[name].error_messages = {
                "required": "Choose a rating from 1 to 5",
                "invalid_choice": "Choose a rating from 1 to 5",
            }


class DisclosureAnswerForm(GovukForm):
    request = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"invalid": "There is no such request."}
    )
    consent = forms.ChoiceField(
        label="Do you want to give your identity to the handlers?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes, give my identity"), ("no", "No, stay anonymous")],
        error_messages={"required": "Choose whether to give your identity"},
    )
    identity = forms.CharField(
        label="Your name and how the handlers can reach you",
        required=False,
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- handlers and custodians -------------------------------------------------------------------------------


class PassphraseForm(GovukForm):
    passphrase = forms.CharField(
        label="Handling passphrase",
        widget=forms.PasswordInput,
        max_length=500,
        error_messages={"required": "Enter your handling passphrase"},
    )


class NewPassphraseForm(GovukForm):
    govuk_errors = {
        "passphrase": "Enter a handling passphrase",
        "confirmation": "Enter the passphrase again",
    }
    passphrase = forms.CharField(
        label="Choose a handling passphrase",
        widget=forms.PasswordInput,
        min_length=MIN_PASSPHRASE,
        max_length=500,
        help_text=f"At least {MIN_PASSPHRASE} characters, not your sign-in password. If you forget it, a group lead must add you again.",
    )
    confirmation = forms.CharField(label="Type it again", widget=forms.PasswordInput, max_length=500)


class HandlerActionForm(ChoicesFilled):
    """One form for every action on the case page, told apart by ``action``."""

    ACTIONS = ("acknowledge", "status", "message", "close", "subject", "conflict", "themes", "disclosure")
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            (Status.ACKNOWLEDGED, Status.ACKNOWLEDGED.label),
            (Status.LOOKING_INTO, Status.LOOKING_INTO.label),
        ],
    )
    sub_status = forms.ChoiceField(label="Sub-status", required=False, choices=SubStatus.choices)
    message = forms.CharField(
        label="Message to the reporter",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_feedback = forms.BooleanField(
        label="This message tells the reporter what has been done or is planned (feedback)", required=False
    )
    attachments = AttachmentsField(label="Attach files (optional)")
    outcome = forms.CharField(
        label="Outcome, written to the reporter",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What was found and what was done, in words a person can read.",
    )
    category = forms.ChoiceField(
        label="Outcome category", required=False, choices=[("", "Choose"), *OutcomeCategory.choices]
    )
    staff_code = forms.CharField(
        label="Staff code of someone the concern names", required=False, max_length=16
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=MAX_SHORT, widget=forms.Textarea(attrs={"rows": 3})
    )
    themes = forms.MultipleChoiceField(label="Themes", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("themes").choices = [(t.code, t.name) for t in selectors.themes()]


class ConflictForm(GovukForm):
    colleague_code = forms.CharField(
        label="Staff code of the colleague",
        max_length=16,
        error_messages={"required": "Enter the colleague's staff code"},
    )
    reason = forms.CharField(
        label="Why you have a conflict of interest",
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )


class InviteForm(GovukForm):
    staff_code = forms.CharField(
        label="Staff code of the new handler",
        max_length=16,
        error_messages={"required": "Enter the staff code of the new handler"},
    )
    group = forms.CharField(max_length=100, widget=forms.HiddenInput)


class GrantForm(GovukForm):
    staff_code = forms.CharField(max_length=16, widget=forms.HiddenInput)
    group = forms.CharField(max_length=100, widget=forms.HiddenInput)


class CustodianDecisionForm(GovukForm):
    request = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"invalid": "There is no such request."}
    )
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[("approve", "Approve: ask the reporter"), ("refuse", "Refuse")],
        error_messages={"required": "Choose approve or refuse"},
    )
    reason = forms.CharField(
        label="Your reason (shown to the handler and the reporter)",
        max_length=MAX_SHORT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for your decision"},
    )


# --- the staff survey ---------------------------------------------------------------------------------------

AGREEMENT_CHOICES = [(str(value), label) for value, label in Agreement.choices]


class SurveyForm(ChoicesFilled):
    """The survey's answers and the one-time token; checked again, with the token, by the service."""

    token = forms.CharField(
        label="Your survey token",
        max_length=60,
        help_text="The 20 letters and numbers you were given when you took your token, like ABCDE-FGHJK-LMNPQ-RSTUV.",
    )
    safe_to_raise = forms.ChoiceField(choices=AGREEMENT_CHOICES, widget=forms.RadioSelect)
    complaint_handled = forms.ChoiceField(choices=AGREEMENT_CHOICES, widget=forms.RadioSelect)
    manager_understands = forms.ChoiceField(choices=AGREEMENT_CHOICES, widget=forms.RadioSelect)
    fair_progression = forms.ChoiceField(choices=AGREEMENT_CHOICES, widget=forms.RadioSelect)
    complaint_satisfied = forms.ChoiceField(
        choices=[("", "I have not made a complaint of discrimination"), *AGREEMENT_CHOICES],
        required=False,
        widget=forms.RadioSelect,
    )
    ethnic_group = forms.ChoiceField(
        label="Your ethnic group (optional)",
        choices=[("", "I would rather not answer this question"), *SurveyEthnicGroup.choices],
        required=False,
    )
    grade = forms.ChoiceField(
        label="Your grade (optional)",
        choices=[("", "I would rather not answer this question"), *Grade.choices],
        required=False,
    )
    region = forms.ChoiceField(label="Your region (optional)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SurveyResponse.QUESTIONS:
            field = self._choices(name)
            field.label = QUESTION_LABELS[name]
            field.error_messages = {
                "required": "Choose an answer from strongly disagree to strongly agree",
                "invalid_choice": "Choose an answer from strongly disagree to strongly agree",
            }
        self._choices("region").choices = [
            ("", "I would rather not answer this question"),
            *[(r.code, r.name) for r in surveys.regions()],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["region_obj"] = surveys.region_by_code(data.get("region") or "")
        return data
