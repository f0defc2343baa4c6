"""Setting up a review round: what, where (the head's PDU), when, how many, how stratified, the seed; then
who reviews its cases."""

from typing import Any

from django import forms

from evenhand.core.forms import GovukDateField, GovukForm
from evenhand.org.models import StaffMember

from .models import SetKind, Strata

DATE_HINT = "For example, 1 9 2026"


class DrawRoundForm(GovukForm):
    kind = forms.ChoiceField(label="What to review", choices=SetKind.choices)
    period_start = GovukDateField(label="Period from", help_text=DATE_HINT)
    period_end = GovukDateField(label="Period to", help_text=DATE_HINT)
    sample_size = forms.IntegerField(label="Sample size", min_value=1, max_value=5000)
    minimum_per_stratum = forms.IntegerField(
        label="Minimum cases per group",
        min_value=0,
        max_value=100,
        initial=5,
        help_text="Small groups are oversampled up to this many cases, so their estimates mean something",
    )
    strata = forms.ChoiceField(label="Strata", choices=Strata.choices, initial=Strata.ETHNIC_GROUP_TIER)
    exclude_months = forms.IntegerField(
        label="Leave out cases reviewed in the last (months)", min_value=0, max_value=120, initial=12
    )
    double_mark_share = forms.DecimalField(
        label="Share marked twice", min_value=0, max_value=1, decimal_places=2, initial="0.10"
    )
    seed = forms.IntegerField(
        label="Seed (optional)",
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="Leave empty for a new random seed; the seed is recorded, so the draw can be repeated",
    )


class AssignReviewersForm(GovukForm):
    """Who reviews a confirmed round's cases: the choices (the PDU's current practitioners and SPOs) are the
    page's, given by the view; the service keeps each reviewer away from their own team's cases."""

    govuk_errors = {"reviewers": "Select at least one reviewer"}

    reviewers = forms.MultipleChoiceField(
        label="Reviewers",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text="Each case goes to the chosen reviewer with the fewest open reviews who is not in the "
        "team of the practitioner whose work it is; a case marked twice goes to two of them",
    )

    def __init__(self, *args: Any, candidates: list[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(s.pk): s for s in candidates}
        self.fields["reviewers"].choices = [  # type: ignore[attr-defined]
            (pk, f"{s.full_name} ({s.get_grade_display()}, {s.team})") for pk, s in self.candidates.items()
        ]

    def chosen(self) -> list[StaffMember]:
        return [self.candidates[pk] for pk in self.cleaned_data["reviewers"]]
