"""From answers to judgements and ratings: plain functions over the answer values, with the rules stated.

- A prompt is answered sufficient, not sufficient or not applicable.
- A key question is **sufficient** when every applicable prompt is sufficient, **not sufficient** when any
  applicable prompt is not, and **not applicable** when no prompt applies. A diversity prompt answered not
  sufficient therefore makes its key question not sufficient: the prompts on diversity are part of the
  standard, not an appendix to it.
- A rating comes from a share (%) of sufficient answers by the set's stated bands; a set of key questions is
  rated by its lowest key question's share (the inspectorate's rule as the anchor states it, unverified).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SUFFICIENT = "sufficient"
NOT_SUFFICIENT = "not_sufficient"
NOT_APPLICABLE = "not_applicable"
ANSWERS = (SUFFICIENT, NOT_SUFFICIENT, NOT_APPLICABLE)

OUTSTANDING = "outstanding"
GOOD = "good"
REQUIRES_IMPROVEMENT = "requires_improvement"
INADEQUATE = "inadequate"


@dataclass(frozen=True)
class RatingBands:
    """The lowest share (%) each rating needs; below ``requires_improvement``, inadequate."""

    outstanding: float
    good: float
    requires_improvement: float

    def __post_init__(self) -> None:
        if not (100 >= self.outstanding > self.good > self.requires_improvement > 0):
            raise ValueError(
                "Rating bands must fall from outstanding to requires improvement, within 0-100%."
            )

    def describe(self) -> str:
        """The bands in words, as the round's report states them."""
        return (
            f"Outstanding {self.outstanding:g}% and over; good {self.good:g}% to under {self.outstanding:g}%; "
            f"requires improvement {self.requires_improvement:g}% to under {self.good:g}%; "
            f"inadequate under {self.requires_improvement:g}%."
        )


def key_question_judgement(answers: Iterable[str]) -> str:
    """A key question's judgement from its prompts' answers (the rule in the module docstring)."""
    applicable = []
    for answer in answers:
        if answer not in ANSWERS:
            raise ValueError(f"Not an answer: {answer!r}.")
        if answer != NOT_APPLICABLE:
            applicable.append(answer)
    if not applicable:
        return NOT_APPLICABLE
    return SUFFICIENT if all(a == SUFFICIENT for a in applicable) else NOT_SUFFICIENT


def rating(share: float, bands: RatingBands) -> str:
    """The rating a share (%) of sufficient answers earns."""
    if not 0 <= share <= 100:
        raise ValueError("A share of sufficient answers is between 0 and 100%.")
    if share >= bands.outstanding:
        return OUTSTANDING
    if share >= bands.good:
        return GOOD
    if share >= bands.requires_improvement:
        return REQUIRES_IMPROVEMENT
    return INADEQUATE


def share_sufficient(judgements: Iterable[str]) -> float | None:
    """The share (%) of applicable judgements that are sufficient; None when none applies."""
    applicable = [j for j in judgements if j != NOT_APPLICABLE]
    if not applicable:
        return None
    return 100.0 * sum(j == SUFFICIENT for j in applicable) / len(applicable)


def overall_rating(shares: Mapping[str, float | None], bands: RatingBands) -> str | None:
    """A set's rating: its lowest key question's share, rated by the bands; None when nothing applied."""
    known = [s for s in shares.values() if s is not None]
    return rating(min(known), bands) if known else None
