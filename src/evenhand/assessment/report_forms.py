"""The pre-sentence report's forms. Fields are optional here (save as you go); the services decide what a
complete section or a submitted report needs and name the field at fault, and a form shown again keeps what
was typed. The offences are chosen from the record, never typed."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from evenhand.cases.models import Offence, RequirementType
from evenhand.core.forms import GovukDateField, GovukForm

from .models import DiversityFactor, InformationSource, Proposal, ReportFormat, ReportSection

YES_NO = [("yes", "Yes"), ("no", "No")]


def offence_label(offence: Offence) -> str:
    text = offence.description or offence.get_category_display()
    return (
        f"{text} ({offence.get_category_display().lower()}, {offence.sentence.get_type_display().lower()} "
        f"from {offence.sentence.start_date:%-d %B %Y})"
    )


class StartReportForm(GovukForm):
    court = forms.CharField(label="Court", max_length=120)
    hearing_date = GovukDateField(label="Date of the hearing", help_text="For example, 27 3 2027")
    format = forms.ChoiceField(
        choices=ReportFormat.choices,
        label="Format of the report",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the format of the report", "invalid_choice": "Select the format"},
    )
    main_offence = forms.ModelChoiceField(
        queryset=Offence.objects.none(),
        label="Main offence (from the record)",
        empty_label="Choose the main offence",
        error_messages={
            "required": "Choose the main offence from the record",
            "invalid_choice": "Choose an offence from the person's record",
        },
    )
    other_offences = forms.ModelMultipleChoiceField(
        queryset=Offence.objects.none(),
        label="Other offences before the court (from the record)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose offences from the person's record"},
    )

    def __init__(self, *args: Any, offences: QuerySet[Offence], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("main_offence", "other_offences"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = offences
            field.label_from_instance = offence_label  # type: ignore[method-assign,assignment]

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "court": data.get("court", ""),
            "hearing_date": data.get("hearing_date"),
            "format": data.get("format", ""),
            "main_offence": data["main_offence"].pk,
            "other_offences": [o.pk for o in data.get("other_offences") or []],
        }


class ReportSectionForm(GovukForm):
    """One section of the report: its fields only (the page says which)."""

    def __init__(self, *args: Any, section: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        text = forms.Textarea(attrs={"rows": 8})
        if section == ReportSection.SOURCES:
            self.fields["sources"] = forms.MultipleChoiceField(
                choices=InformationSource.choices,
                label="Sources of information",
                widget=forms.CheckboxSelectMultiple,
                required=False,
                error_messages={"invalid_choice": "Select the sources of information from the list"},
            )
            self.fields["sources_other"] = forms.CharField(
                label="Other sources (optional)", max_length=200, required=False
            )
        elif section == ReportSection.OFFENCE:
            self.fields["offence_analysis"] = forms.CharField(
                label="Offence analysis",
                widget=text,
                required=False,
                help_text="The offence, its impact on victims, the person's account, attitude and motivation, "
                "patterns of offending; any diversity factors and protected characteristics involved",
            )
        elif section == ReportSection.CIRCUMSTANCES:
            self.fields["circumstances"] = forms.CharField(
                label="The person's circumstances",
                widget=text,
                required=False,
                help_text="Accommodation, work, relationships, health, substance use: what bears on the "
                "offending (a standard report needs it)",
            )
        elif section == ReportSection.DIVERSITY:
            for factor in DiversityFactor:
                self.fields[f"diversity_{factor.value}"] = forms.CharField(
                    label=factor.label, widget=forms.Textarea(attrs={"rows": 5}), required=False
                )
        elif section == ReportSection.RISK:
            self.fields["risk_analysis"] = forms.CharField(
                label="Risk analysis",
                widget=text,
                required=False,
                help_text="Who is at risk, of what, when; what makes it more or less likely",
            )
            self.fields["protective_factors"] = forms.CharField(
                label="Protective factors (optional)",
                widget=forms.Textarea(attrs={"rows": 4}),
                required=False,
            )
        elif section == ReportSection.PROPOSAL:
            self.fields["proposal"] = forms.ChoiceField(
                choices=Proposal.choices,
                label="Proposal",
                widget=forms.RadioSelect,
                required=False,
                error_messages={
                    "invalid_choice": "Select community order, suspended sentence order or custody"
                },
            )
            self.fields["requirements"] = forms.MultipleChoiceField(
                choices=RequirementType.choices,
                label="Requirements proposed",
                widget=forms.CheckboxSelectMultiple,
                required=False,
                help_text="For a community order, at least one; none for custody",
                error_messages={"invalid_choice": "Select the requirements from the list"},
            )
            self.fields["rationale"] = forms.CharField(
                label="Rationale",
                widget=text,
                required=False,
                help_text="Why this sentence, for this person: a proposal is never saved without it",
            )
            self.fields["alternatives"] = forms.CharField(
                label="Alternatives considered",
                widget=forms.Textarea(attrs={"rows": 5}),
                required=False,
                help_text="The other sentences you considered, and why you do not propose them",
            )

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.section == ReportSection.DIVERSITY:
            return {"diversity": {f.value: data.get(f"diversity_{f.value}", "") for f in DiversityFactor}}
        return {name: data.get(name) for name in self.fields}


class SubmitReportForm(GovukForm):
    govuk_errors = {"dangerousness": "Select yes if the report addresses dangerousness"}

    dangerousness = forms.ChoiceField(
        choices=YES_NO,
        label="Does the report address dangerousness?",
        widget=forms.RadioSelect,
        required=False,
        help_text="If it does, a senior probation officer you name signs it off",
        error_messages={"invalid_choice": "Select yes or no"},
    )
    named_spo = forms.TypedChoiceField(
        choices=[],
        coerce=int,
        label="Senior probation officer who will sign it off",
        required=False,
        error_messages={"invalid_choice": "Choose a senior probation officer from the list"},
    )

    def __init__(self, *args: Any, spos: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["named_spo"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Choose a senior probation officer"), *spos]

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        spo = data.get("named_spo")
        return {"dangerousness": data.get("dangerousness") == "yes", "named_spo": spo if spo != "" else None}


class ConfirmReportForm(GovukForm):
    """A button alone (sign off, return, correct): the service says what stops it."""
