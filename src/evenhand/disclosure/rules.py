"""The publication rule: which counts are sensitive and how far a reader's knowledge of each must stay open."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from .cells import Cells

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
    count that is never published; more when the relations and the zeros say so, see :func:`least_values`),
    whichever is higher. Every other suppressed count must be open over a range at least ``upper`` wide.
    """

    threshold: int = 5
    lower: int = 5
    upper: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 2 or self.lower < 1 or self.upper < 1:
            raise ValueError("the threshold must be 2 or more and the protection levels 1 or more")


DEFAULT_RULES = Rules()


def least_values(cells: Cells) -> NDArray[np.float64]:
    """The least value a reader knows each cell can take, whatever else is published: the bottom of its
    protection interval.

    A count is at least 1 (zeros are published, so a ``[c]`` is not 0) and an implied count at least 0; but
    the relations can say more, and then a reader knows it whatever is suppressed: a total of two counts
    that are not 0 is at least 2, and ``n - events`` is ``n`` when ``events`` is a published 0, so at least
    1. A cell cannot be opened below that, so asking for it would make the cell impossible to protect. Found
    by propagating least values through the relations (a cell whose side of a relation holds nothing else
    but zeros is at least the other side's least values) until none grows; each step holds for the true
    values, so this is never more than a reader can work out.
    """
    zero = ~cells.implied & (cells.values == 0)
    live = (~zero).astype(np.float64)
    least = np.where(cells.implied | zero, 0.0, 1.0)
    # Every relation as rows that are 0 or more: an equality both ways, an inequality (smaller <= larger)
    # as larger - smaller. A cell with a positive weight is at least the negative side's least values.
    relations = sparse.vstack([cells.equalities, -cells.equalities, -cells.inequalities], format="csr")
    positive = sparse.csr_array(relations.maximum(0))
    negative = sparse.csr_array((-relations).maximum(0))
    positive.eliminate_zeros()
    entries = sparse.coo_array(positive)
    rows, columns, weights = entries.row, entries.col, entries.data
    # Only where nothing but zeros stands beside the cell on its side.
    alone = (sparse.csr_array(positive != 0, dtype=np.float64) @ live)[rows] - live[columns] == 0
    rows, columns, weights = rows[alone], columns[alone], weights[alone]
    for _ in range(cells.size + 1):
        grown = least.copy()
        np.maximum.at(grown, columns, np.ceil((negative @ least)[rows] / weights - 1e-9))
        if np.array_equal(grown, least):
            break
        least = grown
    return least
