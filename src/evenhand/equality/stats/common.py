"""What the statistics share: an estimate with its interval, the critical value, and the input checks.

Every public statistic checks its input here first, so bad input always fails the same way: a ``ValueError``
whose message names the argument, the group or unit, and what is wrong with it, before anything is computed.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Estimate:
    """A ratio or a rate with its confidence interval, element by element (all three arrays have one shape).

    ``value`` may be 0 or infinite where a count is zero, and NaN where there is no estimate at all;
    ``low`` and ``high`` are NaN wherever there is no interval.
    """

    value: FloatArray
    low: FloatArray
    high: FloatArray


def critical_value(alpha: float) -> float:
    """The two-sided standard normal critical value z = Φ⁻¹(1 - alpha/2) (1.959964 for alpha = 0.05)."""
    check_alpha(alpha)
    return float(special.ndtri(1 - alpha / 2))  # scipy.stats.norm.ppf, without importing scipy.stats


def check_alpha(alpha: float, name: str = "alpha") -> None:
    """Refuse a significance level outside (0, 1)."""
    if not isinstance(alpha, int | float) or isinstance(alpha, bool) or not 0 < alpha < 1:
        raise ValueError(f"{name} must be a number between 0 and 1 (exclusive), not {alpha!r}")


def check_min_n(min_n: int) -> None:
    """Refuse a minimum group size that is not a whole number of people."""
    if isinstance(min_n, bool) or not isinstance(min_n, int | np.integer) or min_n < 0:
        raise ValueError(f"min_n must be a whole number of people (0 or more), not {min_n!r}")


def labels(values: Iterable[Hashable] | None, length: int, name: str) -> list[Hashable]:
    """The labels of ``length`` rows (0, 1, … when none are given), refusing a wrong count or a repeat."""
    if values is None:
        return list(range(length))
    found = list(values)
    if len(found) != length:
        raise ValueError(f"{name} has {len(found)} labels but the counts have {length} rows")
    repeated = pd.Index(found).duplicated()
    if repeated.any():
        label = found[int(np.flatnonzero(repeated)[0])]
        raise ValueError(f"{name} must not repeat a label: {label!r} appears more than once")
    return found


def counts(values: ArrayLike, name: str, names: list[Hashable] | None = None) -> IntArray:
    """``values`` as a one-dimensional array of whole, non-negative counts, or a ValueError saying which is not."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a one-dimensional list of counts, not an array of shape {array.shape}"
        )
    if array.size and (array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number)):
        raise ValueError(f"{name} must hold numbers of people or events, not values of type {array.dtype}")
    floats = array.astype(np.float64)
    problems = (
        (~np.isfinite(floats), "is missing or infinite"),
        (floats < 0, "is negative"),
        (floats != np.floor(floats), "is not a whole number"),
    )
    for bad, what in problems:
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            where = f"for {names[at]!r}" if names is not None else f"at position {at}"
            raise ValueError(
                f"{name} {where} {what} ({floats[at]:g}); counts must be whole numbers, 0 or more"
            )
    return floats.astype(np.int64)


def people_and_events(
    n: ArrayLike, events: ArrayLike, names: list[Hashable] | None = None
) -> tuple[IntArray, IntArray]:
    """Checked counts of people and of events among them: same length, and never more events than people."""
    people = counts(n, "n", names)
    happened = counts(events, "events", names)
    if people.shape != happened.shape:
        raise ValueError(
            f"n has {people.size} rows but events has {happened.size}; give one of each per group"
        )
    too_many = happened > people
    if too_many.any():
        at = int(np.flatnonzero(too_many)[0])
        where = f"{names[at]!r}" if names is not None else f"the group at position {at}"
        raise ValueError(
            f"events exceed n for {where}: {happened[at]} events among {people[at]} people"
            " (events count people with the outcome, so there cannot be more of them than people)"
        )
    return people, happened


def grouped_counts(
    n: ArrayLike, events: ArrayLike, groups: Iterable[Hashable] | None, name: str = "groups"
) -> tuple[list[Hashable], IntArray, IntArray]:
    """Checked group labels, people and events, with any problem reported against the group's label."""
    shape = np.shape(n)
    if len(shape) != 1:
        raise ValueError(f"n must be a one-dimensional list of counts, not an array of shape {shape}")
    names = labels(groups, shape[0], name)
    people, happened = people_and_events(n, events, names)
    return names, people, happened


def join_notes(*columns: NDArray[np.object_]) -> NDArray[np.object_]:
    """Element-wise ``"; "``-join of note columns, skipping empty and missing notes."""
    if not columns:
        return np.empty(0, dtype=object)
    joined = np.full(len(columns[0]), "", dtype=object)
    for column in columns:
        values = np.asarray(column, dtype=object)
        has = ~(pd.isna(values) | (values == ""))
        text = values.astype(str).astype(object)
        both = has & (joined != "")
        joined[both] = joined[both] + "; " + text[both]
        alone = has & ~both
        joined[alone] = text[alone]
    return joined
