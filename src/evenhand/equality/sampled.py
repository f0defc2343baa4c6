"""Measures estimated from a sample: figures another app estimates from its own random sample, shown in the
catalogue beside the measures counted here.

Case review (ADR 13) draws stratified random samples of cases and turns its reviewers' answers into
design-weighted estimates; it sits above equality, so equality cannot read its tables or its estimators. It
registers a :class:`SampledSource` when it starts (the way assessment registers its to-do items with
``cases.agenda``): the measures, the sampling note that says how they were estimated, and a function giving
the period's estimates by unit and ethnic group with each group against the reference group. The engine
then treats them as its own comparisons: one Benjamini-Hochberg family for every sampled comparison of a
run (a family of their own, so that adding sampled measures does not move the q-values of the counted ones)
and the same flag rule (q under the threshold and the ratio outside the materiality band).

The estimates are by ethnic group only: the samples are stratified by it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .measures import Period
from .stats import bh_qvalues, flag

# The characteristic the samples are stratified by, and so the only one their estimates split.
CHARACTERISTIC = "ethnic_group"
# What a source's estimates give, one row per measure, unit and group: the cases sampled and reviewed in the
# domain, the design-weighted share with its interval, and (for a group other than the reference) the
# difference and ratio of shares against the reference with their intervals and the two-sided p-value.
COLUMNS = (
    "measure",
    "level",
    "unit",
    "group",
    "is_reference",
    "cases",
    "share",
    "share_low",
    "share_high",
    "difference",
    "difference_low",
    "difference_high",
    "ratio",
    "ratio_low",
    "ratio_high",
    "p_value",
    "note",
)


@dataclass(frozen=True)
class SampledMeasure:
    key: str
    title: str
    definition: str


# (period, reference group) -> rows with COLUMNS
Estimator = Callable[[Period, str], pd.DataFrame]


@dataclass(frozen=True)
class SampledSource:
    """Measures estimated from one app's samples, with the note on how (the design, the weights, the
    variance method) that is shown wherever they are."""

    name: str
    sampling: str
    measures: tuple[SampledMeasure, ...]
    estimate: Estimator


_SOURCES: dict[str, SampledSource] = {}


def register_sampled(source: SampledSource) -> None:
    """Add a source's measures to the catalogue (called from the registering app's ``ready``; registering
    the same name again replaces it). Raises ``ValueError`` for a key some other source already has."""
    taken = {m.key for name, other in _SOURCES.items() if name != source.name for m in other.measures}
    clash = [m.key for m in source.measures if m.key in taken]
    if clash:
        raise ValueError(f"The sampled measure '{clash[0]}' is already registered by another source")
    _SOURCES[source.name] = source


def sources() -> list[SampledSource]:
    return list(_SOURCES.values())


def sampled_measures() -> dict[str, SampledMeasure]:
    """Every registered sampled measure, by key."""
    return {m.key: m for source in _SOURCES.values() for m in source.measures}


def sampling_note(key: str) -> str:
    """The sampling note of the source a sampled measure comes from."""
    for source in _SOURCES.values():
        if any(m.key == key for m in source.measures):
            return source.sampling
    raise KeyError(key)


def empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in (*COLUMNS, "q_value", "flagged")})


def estimates(
    period: Period,
    *,
    characteristic: str,
    reference: str,
    measures: tuple[str, ...] = (),
    q_threshold: float,
    band: tuple[float, float],
) -> pd.DataFrame:
    """Every registered source's estimates for the period (only the ``measures`` asked for, when any are),
    with q-values over all their comparisons and the engine's flag. Empty when split by a characteristic
    other than ethnic group."""
    if characteristic != CHARACTERISTIC:
        return empty()
    parts = []
    for source in _SOURCES.values():
        wanted = [m.key for m in source.measures if not measures or m.key in measures]
        if not wanted:
            continue
        rows = source.estimate(period, reference)
        parts.append(rows[rows["measure"].isin(wanted)])
    parts = [part for part in parts if not part.empty]
    if not parts:
        return empty()
    frame = pd.concat(parts, ignore_index=True)[list(COLUMNS)]
    q_values = bh_qvalues(frame["p_value"].to_numpy(dtype=float))  # a comparison not made stays NaN
    frame["q_value"] = q_values
    frame["flagged"] = flag(
        q_values, frame["ratio"].to_numpy(dtype=float), q_threshold=q_threshold, band=band
    )
    return frame
