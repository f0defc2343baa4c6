"""The review form, one key question at a time: each prompt answered with a note."""

from typing import Any

from django import forms

from evenhand.core.forms import GovukDateField, GovukForm, govuk_messages

from .door import KeyQuestionView
from .models import ACTION_TEXT_LIMIT, NOTE_LIMIT, ActionFor, ActionStatus, Answer
from .selectors import ActionChoices


class KeyQuestionForm(GovukForm):
    def __init__(self, *args: Any, question: KeyQuestionView, **kwargs: Any) -> None:
        initial: dict[str, Any] = {}
        for p in question.prompts:
            initial[f"answer-{p.pk}"] = p.answer
            initial[f"note-{p.pk}"] = p.note
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.question = question
        for p in question.prompts:
            label = f"({p.letter}) {p.text}"
            self.fields[f"answer-{p.pk}"] = forms.ChoiceField(
                label=label,
                choices=Answer.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Select an answer to prompt ({p.letter})"},
            )
            self.fields[f"note-{p.pk}"] = forms.CharField(
                label=f"Note on ({p.letter}) (optional)",
                required=False,
                max_length=NOTE_LIMIT,
                widget=forms.Textarea,
            )
        # The fields are made here, after GovukForm has worded the declared ones.
        for name, field in self.fields.items():
            govuk_messages(field, name)

    def answers(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {p.pk: (data[f"answer-{p.pk}"], data.get(f"note-{p.pk}", "")) for p in self.question.prompts}


class SubmitForm(GovukForm):
    """Nothing to fill in: the button submits the review."""


class ModerationForm(GovukForm):
    """The agreed judgement on one key question where two markings disagree, and why."""

    govuk_errors = {"agreed": "Select the agreed judgement"}

    agreed = forms.ChoiceField(label="Agreed judgement", choices=Answer.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        label="Reasons for the agreed judgement",
        max_length=NOTE_LIMIT,
        widget=forms.Textarea,
        help_text="Say what in the record settles it; the two reviewers and others will read it",
    )


class RaiseActionForm(GovukForm):
    """An action from a finding of the round: whom it is for, who owns it, what is to be done, by when. The
    choices (the round's findings, the PDU's staff and teams) are the page's, given by the view."""

    govuk_errors = {
        "finding": "Select the finding the action follows",
        "action_for": "Select who the action is for",
        "owner": "Select who owns the action",
        "due_on": "Enter the due date",
    }

    finding = forms.ChoiceField(label="Finding", choices=[])
    action_for = forms.ChoiceField(label="Action for", choices=ActionFor.choices, widget=forms.RadioSelect)
    practitioner = forms.ChoiceField(
        label="Practitioner", choices=[], required=False, help_text="When the action is for a practitioner"
    )
    team = forms.ChoiceField(
        label="Team", choices=[], required=False, help_text="When the action is for a team"
    )
    owner = forms.ChoiceField(label="Owner", choices=[])
    description = forms.CharField(
        label="What is to be done", max_length=ACTION_TEXT_LIMIT, widget=forms.Textarea
    )
    due_on = GovukDateField(label="Due date", help_text="For example, 31 3 2027")

    def __init__(
        self,
        *args: Any,
        findings: list[tuple[str, str]] | None = None,
        choices: ActionChoices | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if choices is not None:
            rounds = [("round", "The round's results as a whole")] + [
                (f"round:{number}", f"The round's results on {number} {text}")
                for number, text in choices.key_questions
            ]
            self.fields["finding"].choices = [("", "Select a finding")] + rounds + (findings or [])  # type: ignore[attr-defined]
            self.fields["practitioner"].choices = [("", "Select a practitioner")] + [  # type: ignore[attr-defined]
                (str(pk), name) for pk, name in choices.practitioners
            ]
            self.fields["team"].choices = [("", "Select a team")] + [  # type: ignore[attr-defined]
                (str(pk), name) for pk, name in choices.teams
            ]
            self.fields["owner"].choices = [("", "Select an owner")] + [  # type: ignore[attr-defined]
                (str(pk), name) for pk, name in choices.owners
            ]

    def action(self) -> dict[str, Any]:
        """The cleaned data as the service takes it."""
        data = self.cleaned_data
        kind, _, rest = data["finding"].partition(":")
        sampled_id, question = None, rest
        if kind == "case":
            sampled, _, question = rest.partition(":")
            sampled_id = int(sampled)
        return {
            "sampled_id": sampled_id,
            "question": question,
            "action_for": data["action_for"],
            "practitioner_id": int(data["practitioner"]) if data.get("practitioner") else None,
            "team_id": int(data["team"]) if data.get("team") else None,
            "owner_id": int(data["owner"]),
            "description": data["description"],
            "due_on": data["due_on"],
        }


class CloseActionForm(GovukForm):
    """Close an action: done, or cancelled with the reason."""

    govuk_errors = {"outcome": "Select whether the action is done or cancelled"}

    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[(ActionStatus.DONE, "Done"), (ActionStatus.CANCELLED, "Cancelled")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason for cancelling",
        required=False,
        max_length=ACTION_TEXT_LIMIT,
        widget=forms.Textarea,
        help_text="Needed when the action is cancelled",
    )
