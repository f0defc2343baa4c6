"""Reference implementations the statistics are checked against, where the library itself cannot be used.

Aequitas 1.1.0 requires pandas < 3 and so cannot be installed beside Evenhand's pandas 3.1.1 without
downgrading it. The functions below follow its published code, line for line where it matters:
``aequitas.group.Group.gen_metrics_df`` (the per-group crosstab) and
``aequitas.bias.Bias.get_disparity_predefined_groups`` (each metric divided by the reference group's).

The real Aequitas is now tested too: ``test_aequitas.py`` runs it in its own virtualenv (``.venv-aequitas``,
built by ``make test`` from ``requirements/aequitas.txt``) on many datasets, edge cases included, through
``tests/equality/aequitas_runner.py``. These re-implementations stay for the in-process tests of the
formula details in ``test_rates.py`` and ``test_compare.py``.
"""

from collections import OrderedDict
from collections.abc import Hashable

import numpy as np
import pandas as pd


def aequitas_crosstab(df: pd.DataFrame, attribute: str, score: str, label: str) -> pd.DataFrame:
    """Aequitas' group crosstab, reduced to the counts and rates Evenhand reports.

    As in ``Group.gen_metrics_df``: the confusion matrix of each attribute value from
    ``df.groupby([attribute, score, label]).size()``, then ``pprev = pp / (pp + pn)`` (the share predicted
    positive, Fairlearn's selection rate), ``prev = (fn + tp) / group_size`` (the share labelled positive)
    and ``group_size = group_label_pos + group_label_neg``.
    """

    def divide(x: float, y: float) -> float:
        return x / y if y != 0 else np.nan

    grouped = df.groupby(by=[attribute, score, label]).size().to_dict(into=OrderedDict)
    values = list(OrderedDict.fromkeys([key[0] for key in grouped]))
    rows = []
    for value in values:
        tp = grouped.get((value, 1, 1), 0)
        tn = grouped.get((value, 0, 0), 0)
        fp = grouped.get((value, 1, 0), 0)
        fn = grouped.get((value, 0, 1), 0)
        pp, pn = fp + tp, fn + tn
        group_label_pos, group_label_neg = fn + tp, fp + tn
        group_size = group_label_pos + group_label_neg
        rows.append(
            {
                "attribute_value": value,
                "pp": pp,
                "group_label_pos": group_label_pos,
                "group_size": group_size,
                "pprev": divide(pp, pp + pn),
                "prev": (fn + tp) / group_size,
            }
        )
    return pd.DataFrame(rows).set_index("attribute_value")


def aequitas_disparity(crosstab: pd.DataFrame, metric: str, reference: Hashable) -> pd.Series:
    """``Bias.get_disparity_predefined_groups``: ``metric_disparity = metric / metric of the reference group``."""
    return crosstab[metric] / crosstab.loc[reference, metric]
