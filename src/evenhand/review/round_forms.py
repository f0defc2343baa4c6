"""Setting up a review round: what, where (the head's PDU), when, how many, how stratified, the seed."""

from django import forms

from evenhand.core.forms import GovukDateField, GovukForm

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
