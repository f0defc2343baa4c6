"""The assessment's forms. Each field is optional here (save as you go); the services decide what a complete
section or assessment needs and name the field at fault, and a form shown again keeps what was typed."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from evenhand.cases.models import Sentence, ServiceArea
from evenhand.core.forms import GovukDateField, GovukForm

from . import sections as S
from .models import Actor, AgreementAnswer, AssessmentKind, GoalStatus, StepStatus, Topic, TopicStatus
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


# --- the sentence plan ---------------------------------------------------------------------------------------

NEED_CHOICES = [(s.key, s.title) for s in S.SECTIONS]


class GoalForm(GovukForm):
    """A goal of the sentence plan: added (active or future) or changed (any status, with the reason for
    removing it). The choices of topic are what the diversity conversation discussed."""

    title = forms.CharField(
        label="What is the goal?",
        max_length=200,
        help_text="In the person's words where you can",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    need = forms.ChoiceField(
        choices=[("", "Select the main need area"), *NEED_CHOICES],
        label="Main need area",
        error_messages={"required": "Select the main need area the goal works on"},
    )
    related_needs = forms.MultipleChoiceField(
        choices=NEED_CHOICES,
        label="Related need areas (optional)",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    status = forms.ChoiceField(
        choices=[(GoalStatus.ACTIVE.value, "Work on it now"), (GoalStatus.FUTURE.value, "In the future")],
        label="When will the person work on it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select when the person will work on the goal"},
    )
    target_date = GovukDateField(
        label="Target date", required=False, help_text="For a goal to work on now. For example, 27 3 2027"
    )
    topic = forms.ChoiceField(
        choices=[],
        label="Does the goal respond to something from the diversity conversation? (optional)",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, findings: list[Any], changing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topic = self.fields["topic"]
        assert isinstance(topic, forms.ChoiceField)
        topic.choices = [("", "No"), *[(f.topic, f.label) for f in findings]]
        if changing:
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = GoalStatus.choices
            status.label = "Status"
            self.fields["note"] = forms.CharField(
                label="If you remove the goal, why?", max_length=200, required=False
            )

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        given = {
            "title": data["title"],
            "need": data["need"],
            "related_needs": data.get("related_needs") or [],
            "status": data["status"],
            "target_date": data.get("target_date"),
            "topic": data.get("topic") or None,
        }
        if "note" in self.fields:
            given["note"] = data.get("note", "")
        return given


class StepForm(GovukForm):
    """A step towards a goal. A service's step is a referral: made now (service and provider) or one of the
    person's referrals already made."""

    description = forms.CharField(label="What is the step?", max_length=200)
    actor = forms.ChoiceField(
        choices=Actor.choices,
        label="Who will take the step?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select who will take the step"},
    )
    status = forms.ChoiceField(
        choices=StepStatus.choices, label="Status (for the person or the practitioner)", required=False
    )
    service_area = forms.ChoiceField(
        choices=[("", "Select the service"), *ServiceArea.choices],
        label="Service (a new referral)",
        required=False,
    )
    provider = forms.CharField(label="Provider (optional)", max_length=120, required=False)
    referral = forms.ChoiceField(choices=[], label="Or a referral already made (optional)", required=False)

    def __init__(self, *args: Any, referrals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["referral"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "None: make a new referral"),
            *[
                (r.ref, f"{r.service_area_label}, made {r.made_on:%d %B %Y} ({r.status_label.lower()})")
                for r in referrals
            ],
        ]

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        referral = data.get("referral") or None
        return {
            "description": data["description"],
            "actor": data["actor"],
            "status": data.get("status") or StepStatus.NOT_STARTED,
            "service_area": data.get("service_area") or "",
            "provider": data.get("provider") or "",
            "referral_id": int(referral) if referral else None,
        }


class StepStatusForm(GovukForm):
    status = forms.ChoiceField(
        choices=StepStatus.choices,
        label="Status",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the step's status"},
    )


class AgreementForm(GovukForm):
    answer = forms.ChoiceField(
        choices=AgreementAnswer.choices,
        label="Does the person agree with the plan?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the person agrees with the plan"},
    )
    details = forms.CharField(
        label="Details",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Needed if the person does not agree or could not answer",
    )


class ReviewForm(GovukForm):
    review_on = GovukDateField(label="Review date", help_text="For example, 27 3 2027")
