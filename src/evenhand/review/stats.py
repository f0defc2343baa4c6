"""The round's statistics: agreement between reviewers and design-weighted estimates. Plain NumPy, SciPy and
statsmodels, no Django (an import-linter contract keeps it so).

**Agreement.** Cohen's kappa for two reviewers' answers to the same question on the same cases,
kappa = (p_o - p_e) / (1 - p_e), with its large-sample standard error (Fleiss, Cohen and Everitt 1969) and a
95% Wald interval, as ``statsmodels.stats.inter_rater.cohens_kappa`` computes them.

**Estimates.** A share sufficient in a domain d (an ethnic group, a unit, or both) from a stratified simple
random sample without replacement, N_h cases in stratum h, n_h drawn, weight w_i = N_h / n_h. Cases where the
question does not apply are out of the domain, so the estimate is a ratio:

    p_d = sum_i w_i d_i y_i / sum_i w_i d_i

Its variance by linearisation (Taylor series; Sarndal, Swensson and Wretman 1992, 5.6; Lohr, Sampling, 2nd
ed., 9.1 and 4.3): with z_i = w_i d_i (y_i - p_d) / N_d over every sampled case (0 outside the domain),

    v(p_d) = sum_h (1 - n_h/N_h) n_h / (n_h - 1) sum_{i in h} (z_i - mean_h z)^2

A stratum with one case drawn adds nothing (the minimum per stratum keeps that rare; strata taken whole add
nothing either, correctly). The 95% interval is the logit interval (R survey's ``svyciprop`` "logit"); at
an estimate of 0 or 1 it is the Clopper-Pearson interval on the cases in the domain.

**Comparison with White people.** Domains drawn from different strata are independent, so the difference
p_g - p_w has variance v_g + v_w, and the log ratio log(p_g / p_w) has v_g/p_g^2 + v_w/p_w^2 (delta method);
two-sided p-values from the normal, adjusted for false discoveries across the round by Benjamini-Hochberg.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as sp
from statsmodels.stats.inter_rater import cohens_kappa

Z95 = float(sp.norm.ppf(0.975))


@dataclass(frozen=True)
class Kappa:
    kappa: float
    se: float
    low: float
    high: float
    cases: int
    agreement: float  # the observed share agreeing, p_o


def kappa(first: npt.ArrayLike, second: npt.ArrayLike, categories: list[str]) -> Kappa:
    """Cohen's kappa between two reviewers' answers (one pair per case) over the given categories."""
    a = np.asarray(first)
    b = np.asarray(second)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("Kappa needs one pair of answers per case.")
    if a.size < 2:
        raise ValueError("Kappa needs at least two cases marked twice.")
    index = {c: i for i, c in enumerate(categories)}
    try:
        rows = np.array([index[x] for x in a.tolist()])
        cols = np.array([index[x] for x in b.tolist()])
    except KeyError as error:
        raise ValueError(f"Not one of the categories: {error.args[0]!r}.") from None
    table = np.zeros((len(categories), len(categories)))
    np.add.at(table, (rows, cols), 1)
    observed = float(np.trace(table) / a.size)
    if np.count_nonzero(table.sum(0) + table.sum(1)) < 2:
        # One category used by both throughout: agreement is total but kappa is undefined (0/0).
        return Kappa(float("nan"), float("nan"), float("nan"), float("nan"), int(a.size), observed)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = cohens_kappa(table)
    value, se = float(result.kappa), float(result.std_kappa)
    if not np.isfinite(se):
        # Perfect agreement: the variance is 0 up to rounding (statsmodels takes the root of a tiny negative).
        return Kappa(value, 0.0, value, value, int(a.size), observed)
    return Kappa(value, se, float(result.kappa_low), float(result.kappa_upp), int(a.size), observed)


@dataclass(frozen=True)
class Estimate:
    share: float  # 0-1
    se: float
    low: float
    high: float
    cases: int  # sampled cases in the domain
    population: float  # the estimated number of cases in the domain, sum of weights


def _interval(p: float, se: float, cases: int) -> tuple[float, float]:
    if 0 < p < 1:
        centre = np.log(p / (1 - p))
        half = Z95 * se / (p * (1 - p))
        return float(1 / (1 + np.exp(-(centre - half)))), float(1 / (1 + np.exp(-(centre + half))))
    successes = round(p * cases)
    low = 0.0 if successes == 0 else float(sp.beta.ppf(0.025, successes, cases - successes + 1))
    high = 1.0 if successes == cases else float(sp.beta.ppf(0.975, successes + 1, cases - successes))
    return low, high


def stratified_share(
    y: npt.ArrayLike,
    domain: npt.ArrayLike,
    stratum: npt.ArrayLike,
    stratum_population: npt.ArrayLike,
    stratum_sample: npt.ArrayLike,
) -> Estimate | None:
    """The design-weighted share (module docstring) over every sampled case of a round: ``y`` 1 where
    sufficient, ``domain`` true where the case is in the domain and the question applies, ``stratum`` each
    case's stratum index, and N_h and n_h per stratum. None when no sampled case is in the domain."""
    y_ = np.asarray(y, dtype=float)
    d = np.asarray(domain, dtype=bool)
    h = np.asarray(stratum, dtype=np.int64)
    big_n = np.asarray(stratum_population, dtype=float)
    small_n = np.asarray(stratum_sample, dtype=float)
    cases = int(d.sum())
    if cases == 0:
        return None
    w = big_n[h] / small_n[h]
    weight = w * d
    total = float(weight.sum())
    p = float((weight * y_).sum() / total)
    z = weight * (y_ - p) / total
    strata = big_n.size
    sums = np.bincount(h, weights=z, minlength=strata)
    squares = np.bincount(h, weights=z * z, minlength=strata)
    counts = np.bincount(h, minlength=strata).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        within = squares - np.where(counts > 0, sums * sums / np.maximum(counts, 1), 0.0)
        factor = np.where(counts > 1, (1 - counts / np.maximum(big_n, 1)) * counts / (counts - 1), 0.0)
    variance = float(np.maximum(factor * within, 0).sum())
    se = float(np.sqrt(variance))
    low, high = _interval(p, se, cases)
    return Estimate(p, se, low, high, cases, total)


@dataclass(frozen=True)
class Comparison:
    difference: float
    difference_low: float
    difference_high: float
    ratio: float
    ratio_low: float
    ratio_high: float
    p_value: float


def compare(group: Estimate, reference: Estimate) -> Comparison:
    """A group's share against the reference group's (White people), from independent strata."""
    diff = group.share - reference.share
    se_diff = float(np.hypot(group.se, reference.se))
    p_value = float(2 * sp.norm.sf(abs(diff) / se_diff)) if se_diff > 0 else (1.0 if diff == 0 else 0.0)
    if group.share > 0 and reference.share > 0:
        ratio = group.share / reference.share
        se_log = float(np.hypot(group.se / group.share, reference.se / reference.share))
        ratio_low, ratio_high = ratio * np.exp(-Z95 * se_log), ratio * np.exp(Z95 * se_log)
    else:
        ratio, ratio_low, ratio_high = float("nan"), float("nan"), float("nan")
    return Comparison(
        diff,
        diff - Z95 * se_diff,
        diff + Z95 * se_diff,
        float(ratio),
        float(ratio_low),
        float(ratio_high),
        p_value,
    )
