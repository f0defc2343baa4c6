"""Many comparisons at once: Benjamini-Hochberg q-values, and the rule that flags a disparity."""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .common import FloatArray

# A ratio inside this band is not treated as a disparity however certain it is (the "four-fifths" rule
# and its reciprocal). Configurable per report.
MATERIALITY_BAND = (0.8, 1.25)
Q_THRESHOLD = 0.05


def bh_qvalues(pvalues: ArrayLike) -> FloatArray:
    """Benjamini-Hochberg q-values (false-discovery-rate adjusted p-values), in the order given.

    With the m p-values sorted so that p₍₁₎ ≤ … ≤ p₍ₘ₎::

        q₍ᵢ₎ = min over j ≥ i of min(1, m·p₍ⱼ₎ / j)

    so a test is a discovery at false discovery rate Q exactly when its q-value is at most Q. Computed by
    as statsmodels' ``multipletests(method="fdr_bh")`` computes it (the tests check them equal), here so that
    the command line need not import statsmodels. NaN p-values (comparisons not made, such as groups too
    small to compare) stay NaN and are not counted in m: a test that was never run cannot be a discovery.

    Reference: Y. Benjamini, Y. Hochberg (1995), "Controlling the false discovery rate: a practical and
    powerful approach to multiple testing", JRSS B 57:289-300.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"pvalues must be a one-dimensional list, not an array of shape {p.shape}")
    present = ~np.isnan(p)
    if np.any((p[present] < 0) | (p[present] > 1)):
        raise ValueError("p-values must lie between 0 and 1")
    q = np.full(p.shape, np.nan)
    if present.any():
        found = p[present]
        order = np.argsort(found)
        ranked = found[order] / (np.arange(1, found.size + 1) / found.size)
        adjusted = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
        q_present = np.empty_like(found)
        q_present[order] = adjusted
        q[present] = q_present
    return q


def bh_qvalues_by(pvalues: ArrayLike, families: ArrayLike) -> FloatArray:
    """:func:`bh_qvalues` within each family at once (``families[i]`` names the family of ``pvalues[i]``),
    in the order given: the team drill-down has one family per measure, and a report may hold many."""
    p = np.asarray(pvalues, dtype=np.float64)
    labels = np.asarray(families)
    if p.ndim != 1 or labels.shape != p.shape:
        raise ValueError("pvalues and families must be one-dimensional lists of the same length")
    present = ~np.isnan(p)
    if np.any((p[present] < 0) | (p[present] > 1)):
        raise ValueError("p-values must lie between 0 and 1")
    q = np.full(p.shape, np.nan)
    if not present.any():
        return q
    index = np.flatnonzero(present)
    codes = np.unique(labels[index], return_inverse=True)[1].ravel()
    values = p[index]
    order = np.lexsort((values, codes))  # by family, then p
    sorted_codes, sorted_p = codes[order], values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    sizes = np.diff(np.r_[starts, sorted_codes.size])
    rank = np.arange(sorted_codes.size) - np.repeat(starts, sizes) + 1
    m = np.repeat(sizes, sizes)
    raw = sorted_p * m / rank
    # The running minimum from the largest p downwards, within each family.
    adjusted = np.empty_like(raw)
    for start, size in zip(starts, sizes, strict=True):
        block = raw[start : start + size]
        adjusted[start : start + size] = np.minimum.accumulate(block[::-1])[::-1]
    result = np.empty_like(values)
    result[order] = np.minimum(adjusted, 1.0)
    q[index] = result
    return q


def flag(
    q: ArrayLike,
    ratio: ArrayLike,
    *,
    q_threshold: float = Q_THRESHOLD,
    band: tuple[float, float] = MATERIALITY_BAND,
) -> NDArray[np.bool_]:
    """Which comparisons are flagged as disparities: ``q < q_threshold`` and the ratio outside ``band``.

    Both conditions are strict: a q-value equal to the threshold, or a ratio equal to either end of the band,
    is not flagged. The first keeps the false discovery rate under control across a report; the second stops
    a large population turning a trivial but certain difference into a flag. A NaN q-value or ratio (no
    comparison) is never flagged; an infinite ratio (no events in the reference) is outside any band.
    """
    qs = np.asarray(q, dtype=np.float64)
    ratios = np.asarray(ratio, dtype=np.float64)
    if qs.shape != ratios.shape:
        raise ValueError(
            f"q has shape {qs.shape} but ratio has {ratios.shape}; give one of each per comparison"
        )
    if not 0 < q_threshold <= 1:
        raise ValueError(f"q_threshold must be in (0, 1], not {q_threshold!r}")
    low, high = band
    if not 0 < low <= 1 <= high:
        raise ValueError(f"band must be (low, high) with 0 < low ≤ 1 ≤ high, not {band!r}")
    with np.errstate(invalid="ignore"):
        outside = (ratios < low) | (ratios > high)
        return np.asarray((qs < q_threshold) & outside, dtype=np.bool_)
