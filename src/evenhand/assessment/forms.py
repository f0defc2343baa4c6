"""The assessment's forms. Each field is optional here (save as you go); the services decide what a complete
section or assessment needs and name the field at fault, and a form shown again keeps what was typed."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from evenhand.cases.models import Sentence
from evenhand.core.forms import GovukForm

from . import sections as S
from .models import AssessmentKind, Topic, TopicStatus
from .services.conversation import TopicAnswer, identity_choices

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _as_yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _sentence_label(sentence: Sentence) -> str:
    return f"{sentence.get_type_display()} from {sentence.start_date:%d %B %Y}"


class StartForm(GovukForm):
    kind = forms.ChoiceField(
        choices=AssessmentKind.choices,
        label="What kind of assessment?",
        widget=forms.RadioSelect,
        required=False,
        help_text="A review starts from the last completed assessment, prefilled",
        error_messages={"invalid_choice": "Select the kind of assessment"},
    )
    sentence = forms.ModelChoiceField(
        queryset=Sentence.objects.none(),
        label="Sentence (optional)",
        required=False,
        empty_label="Not for one sentence",
        error_messages={"invalid_choice": "Select one of the person's sentences"},
    )

    def __init__(self, *args: Any, sentences: QuerySet[Sentence], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sentence"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = sentences
        field.label_from_instance = _sentence_label  # type: ignore[method-assign,assignment]


class SectionForm(GovukForm):
    """One section: an answer for each item, the links to harm and reoffending, the analysis."""

    def __init__(self, *args: Any, section: S.Section, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        for item in section.items:
            self.fields[item.key] = forms.ChoiceField(
                choices=[(str(v), label) for v, label in item.labels.items()],
                label=f"{item.code} {item.question}",
                widget=forms.RadioSelect,
                required=False,
                error_messages={
                    "invalid_choice": f"Select an answer to {item.code}: "
                    + " or ".join(label.lower() for label in item.labels.values())
                },
            )
        if section.items:
            self.fields["linked_to_harm"] = forms.ChoiceField(
                choices=YES_NO,
                label="Is this linked to risk of serious harm?",
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": "Select yes or no"},
            )
            self.fields["linked_to_reoffending"] = forms.ChoiceField(
                choices=YES_NO,
                label="Is this linked to reoffending?",
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": "Select yes or no"},
            )
        self.fields["analysis"] = forms.CharField(
            label="Your analysis" if section.items else f"The {section.title.lower()}",
            widget=forms.Textarea(attrs={"rows": 6}),
            required=False,
            help_text="In your words: what lies behind the answers, and what the person said",
        )

    @staticmethod
    def initial_of(
        section: S.Section, answers: dict[str, Any], analysis: str | None, harm: Any, reoffending: Any
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {
            item.key: str(answers[item.code]) for item in section.items if answers.get(item.code) is not None
        }
        initial["analysis"] = analysis or ""
        initial["linked_to_harm"] = _as_yes_no(harm)
        initial["linked_to_reoffending"] = _as_yes_no(reoffending)
        return initial

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "answers": {
                item.code: int(data[item.key]) if data.get(item.key) not in (None, "") else None
                for item in self.section.items
            },
            "analysis": data.get("analysis", ""),
            "linked_to_harm": _yes_no(data.get("linked_to_harm")),
            "linked_to_reoffending": _yes_no(data.get("linked_to_reoffending")),
        }


class TopicForm(GovukForm):
    """One topic of the diversity conversation (the page shows the eight, each with its own prefix)."""

    govuk_errors = {"status": "Select whether it was discussed"}
    status = forms.ChoiceField(
        choices=TopicStatus.choices,
        label="Was this discussed?",
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Select whether it was discussed"},
    )
    in_their_words = forms.CharField(
        label="What the person said, in their words",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    bearing_on_plan = forms.CharField(
        label="How it bears on the plan",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The sentence plan can cite this",
    )
    not_yet_reason = forms.CharField(
        label="If not yet discussed, why not",
        required=False,
        help_text="The assessment cannot be completed without a reason",
    )

    def __init__(self, *args: Any, topic: Topic, **kwargs: Any) -> None:
        kwargs["prefix"] = topic.value
        super().__init__(*args, **kwargs)
        self.topic = topic
        choices = identity_choices(topic)
        if choices:
            self.fields["identified_value"] = forms.ChoiceField(
                choices=[("", "Not given"), *choices],
                label="How the person identifies (goes to their diversity profile as self-identified)",
                required=False,
                error_messages={"invalid_choice": "Select how the person identifies from the list"},
            )
            self.fields["identified_detail"] = forms.CharField(
                label="In their own words (optional)", required=False
            )

    def answer(self) -> TopicAnswer:
        data = self.cleaned_data
        return TopicAnswer(
            status=data.get("status") or "",
            not_yet_reason=data.get("not_yet_reason", ""),
            in_their_words=data.get("in_their_words", ""),
            bearing_on_plan=data.get("bearing_on_plan", ""),
            identified_value=data.get("identified_value", "") or "",
            identified_detail=data.get("identified_detail", "") or "",
        )


class PredictorsForm(GovukForm):
    ogrs = forms.CharField(
        label="OGRS (0 to 100, a whole number)",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="Offender group reconviction scale: leave empty if not known",
    )
    rsr = forms.CharField(
        label="RSR (0 to 100, up to 2 decimal places)",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="Risk of serious recidivism: leave empty if not known",
    )


class ConfirmForm(GovukForm):
    """A button alone (complete, countersign): the service says what stops it."""
