"""The publication rule: which counts are sensitive and how far a reader's knowledge of each must stay open."""

from collections.abc import Sequence
from dataclasses import dataclass

SUPPRESSED = "[c]"


class DisclosureError(ValueError):
    """A publication cannot be protected, or gives someone away. ``problems`` lists each finding in words."""

    def __init__(self, summary: str, problems: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        super().__init__(
            summary
            + "".join(f"\n- {problem}" for problem in shown)
            + (f"\n- and {more} more" if more else "")
        )


@dataclass(frozen=True)
class Rules:
    """The threshold rule and the protection levels, as τ-ARGUS and sdcTable define them.

    A count of 1 to ``threshold - 1`` (people, events, or the people without the outcome) is **sensitive**:
    it is never published, and everything published must leave it open, for a reader, over at least its
    **protection interval**: from ``upper`` above its value down to ``lower`` below it, or down to the
    least value a reader knows it can take (1 for a suppressed count, since zeros are published; 0 for a
    count that is never published), whichever is higher. Every other suppressed count must not be pinned
    to one value.
    """

    threshold: int = 5
    lower: int = 5
    upper: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 2 or self.lower < 1 or self.upper < 1:
            raise ValueError("the threshold must be 2 or more and the protection levels 1 or more")


DEFAULT_RULES = Rules()
