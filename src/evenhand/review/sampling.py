"""The stratified random sample of a review round: allocation to strata, the draw, inclusion probabilities.

Plain NumPy, no Django. The design is stratified simple random sampling without replacement:

- **Allocation.** Each stratum h of N_h cases first gets m_h = min(minimum, N_h) (small groups oversampled so
  that every group present has enough cases to say something); the rest of the sample, r = n - sum m_h, goes
  in proportion to what each stratum has left, N_h - m_h, by largest remainders (ties to the earlier
  stratum). No stratum gets more than it has.
- **Draw.** Within each stratum, n_h of its N_h cases chosen uniformly at random: each case gets a uniform key
  from the round's generator and the n_h smallest keys in each stratum are taken. A case's inclusion
  probability is pi_i = n_h / N_h, and its design weight 1 / pi_i.
- **Reproducible.** ``numpy.random.default_rng(seed)`` (PCG64) with the population in a fixed order (the
  caller sorts it by id) gives the same sample from the same seed.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


class SampleError(ValueError):
    """A sample that cannot be drawn as asked: the message says why."""


@dataclass(frozen=True)
class Allocation:
    population: npt.NDArray[np.int64]  # N_h
    sample: npt.NDArray[np.int64]  # n_h

    @property
    def probabilities(self) -> npt.NDArray[np.float64]:
        """n_h / N_h per stratum (0 for a stratum with no cases)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.population > 0, self.sample / np.maximum(self.population, 1), 0.0)


def allocate(population: npt.ArrayLike, size: int, minimum: int) -> Allocation:
    """Share a sample of ``size`` between strata of the given sizes (the rule in the module docstring)."""
    sizes = np.asarray(population, dtype=np.int64)
    total = int(sizes.sum())
    if size < 1:
        raise SampleError("A sample needs at least one case.")
    if minimum < 0:
        raise SampleError("The minimum per stratum cannot be negative.")
    if size > total:
        raise SampleError(f"A sample of {size} is larger than the population of {total} cases.")
    floor = np.minimum(sizes, minimum)
    if int(floor.sum()) > size:
        raise SampleError(
            f"A sample of {size} cannot give each group its minimum of {minimum}: that needs {int(floor.sum())}."
        )
    room = sizes - floor
    rest = size - int(floor.sum())
    if rest == 0:
        return Allocation(sizes, floor)
    exact = rest * room / room.sum()
    extra = np.floor(exact).astype(np.int64)
    left = rest - int(extra.sum())
    # Largest remainders first; a stable sort keeps ties in stratum order.
    order = np.argsort(-(exact - extra), kind="stable")
    extra[order[:left]] += 1
    return Allocation(sizes, floor + extra)


def draw(
    strata: npt.ArrayLike, sample: npt.ArrayLike, rng: np.random.Generator, draws: int = 1
) -> npt.NDArray[np.bool_]:
    """``draws`` independent stratified samples at once: a (draws, N) mask of the cases chosen.

    ``strata`` gives each case's stratum index (0..H-1) and ``sample`` n_h per stratum. Vectorised: each row's
    keys are offset by the stratum index, so one sort per row orders cases by stratum and then by key, and
    the first n_h positions of each stratum's block are the ones taken.
    """
    codes = np.asarray(strata, dtype=np.int64)
    n_h = np.asarray(sample, dtype=np.int64)
    size = codes.size
    counts = np.bincount(codes, minlength=n_h.size)
    if np.any(n_h > counts):
        raise SampleError("A stratum cannot give more cases than it has.")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ordered = np.sort(codes)
    taken_at = (np.arange(size) - starts[ordered]) < n_h[ordered]  # positions in the sorted order
    keys = rng.random((draws, size)) + codes
    positions = np.argsort(keys, axis=1)
    mask = np.zeros((draws, size), dtype=bool)
    np.put_along_axis(mask, positions, np.broadcast_to(taken_at, (draws, size)), axis=1)
    return mask


def double_marked(chosen: int, share: float, rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """Which of ``chosen`` sampled cases are marked twice: round(share x chosen), at least one when the share
    is positive and anything was chosen, picked at random from the same generator after the draw."""
    if not 0 <= share <= 1:
        raise SampleError("The share marked twice is between 0 and 1.")
    count = min(chosen, max(1, round(share * chosen))) if share > 0 and chosen else 0
    mask = np.zeros(chosen, dtype=bool)
    mask[rng.permutation(chosen)[:count]] = True
    return mask
