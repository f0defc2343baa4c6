"""Aequitas' group figures for person-level rows, as JSON; run by ``.venv-aequitas/bin/python``, not pytest.

Aequitas 1.1.0 needs pandas < 3 and Evenhand pins pandas 3, so this script runs in the separate virtualenv
that ``make test`` builds from ``requirements/aequitas.txt``. It must import nothing from Evenhand or
Django: only Aequitas, pandas and the standard library. ``tests/equality/stats/test_aequitas.py`` runs it.

Usage::

    .venv-aequitas/bin/python -I tests/equality/aequitas_runner.py \\
        --dataset rows-1.csv "White British" [--dataset rows-2.csv Black ...]

Each CSV has one row per person: ``group`` (any text, read as text), ``outcome`` (0/1) and optionally
``label_value`` (0/1). For each dataset the rows go through the published 1.x API:

- ``Group().get_crosstabs(rows, attr_cols=["group"], score_col="score", label_col="label_value")`` with the
  outcome as the (already binary) ``score``, so "predicted positive" means "had the event". Without a
  ``label_value`` column the outcome is used as the label too (Aequitas requires one), and the figures that
  depend on the label are left out;
- ``Bias().get_disparity_predefined_groups(crosstab, rows, {"group": reference})``: each group metric
  divided by the reference group's, with Aequitas' defaults (so a division by zero gives 10.0).

It prints one JSON object: ``aequitas`` and ``pandas`` (the versions used) and ``datasets``, a list in the
order given of ``{"csv", "reference", "groups": {group: {column: value}}}``. The columns are
``group_size``, ``pp``, ``pn``, ``pprev``, ``ppr``, ``pprev_disparity`` and ``ppr_disparity``, and with a
label also ``group_label_pos``, ``group_label_neg``, ``prev``, ``fp``, ``fn``, ``tp``, ``tn``, ``fpr``,
``fnr``, ``fpr_disparity`` and ``fnr_disparity``. NaN is written as ``null``.
"""

import argparse
import json
import math
import sys

import aequitas
import pandas as pd
from aequitas.bias import Bias
from aequitas.group import Group

COLUMNS = ["group_size", "pp", "pn", "pprev", "ppr", "pprev_disparity", "ppr_disparity"]
LABEL_COLUMNS = [
    "group_label_pos",
    "group_label_neg",
    "prev",
    "fp",
    "fn",
    "tp",
    "tn",
    "fpr",
    "fnr",
    "fpr_disparity",
    "fnr_disparity",
]


def plain(value: object) -> object:
    """A NumPy scalar as a JSON value: whole numbers as int, NaN as None (infinity is refused by dumps)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def figures(path: str, reference: str) -> dict[str, object]:
    # Labels are text: keep_default_na=False stops labels such as "NA" or "None" turning into NaN.
    rows = pd.read_csv(path, dtype={"group": str}, keep_default_na=False)
    labelled = "label_value" in rows.columns
    frame = pd.DataFrame(
        {
            "group": rows["group"].astype(object),
            "score": rows["outcome"].astype(int),
            "label_value": (rows["label_value"] if labelled else rows["outcome"]).astype(int),
        }
    )
    crosstab, _ = Group().get_crosstabs(
        frame, attr_cols=["group"], score_col="score", label_col="label_value"
    )
    disparity = Bias().get_disparity_predefined_groups(
        crosstab, original_df=frame, ref_groups_dict={"group": reference}
    )
    columns = COLUMNS + (LABEL_COLUMNS if labelled else [])
    groups = {
        str(row["attribute_value"]): {column: plain(row[column]) for column in columns}
        for _, row in disparity.iterrows()
    }
    return {"csv": path, "reference": reference, "groups": groups}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset",
        nargs=2,
        action="append",
        required=True,
        metavar=("CSV", "REFERENCE"),
        help="a CSV of person-level rows and the reference group's label (repeat for more datasets)",
    )
    args = parser.parse_args(argv)
    result = {
        "aequitas": aequitas.__version__,
        "pandas": pd.__version__,
        "datasets": [figures(path, reference) for path, reference in args.dataset],
    }
    json.dump(result, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
