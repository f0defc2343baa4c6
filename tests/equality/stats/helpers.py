"""Shared by the statistics tests: Hypothesis settings and generators of person-level rows."""

from collections.abc import Mapping

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings

# The project's autouse Django settings fixture is function-scoped but irrelevant to these pure functions.
quick = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def person_rows(rng: np.random.Generator, groups: Mapping[str, tuple[int, float]]) -> pd.DataFrame:
    """One row per person: ``group`` and a 0/1 ``outcome`` drawn with the group's rate, shuffled."""
    frames = [
        pd.DataFrame({"group": name, "outcome": (rng.random(size) < rate).astype(np.int64)})
        for name, (size, rate) in groups.items()
    ]
    rows = pd.concat(frames, ignore_index=True)
    return rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)


def counts_by_group(rows: pd.DataFrame, order: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """People and events per group in ``order``, counted with NumPy (not with the code under test)."""
    n = np.array([(rows["group"] == name).sum() for name in order])
    events = np.array([rows.loc[rows["group"] == name, "outcome"].sum() for name in order])
    return n, events
