"""``analyse_frame``: ``evenhand equality analyse`` for a pandas DataFrame, returning tidy DataFrames.

::

    import pandas as pd
    from evenhand.equality import analyse_frame

    people = pd.read_csv("people.csv")
    result = analyse_frame(
        people, group="ethnicity", outcome="recalled = 'yes'", reference="White", adjust=["age", "tier"]
    )
    result.groups      # one row per outcome and group: n, events, rate, relative rate, odds ratio, q, flagged
    result.adjusted    # crude and adjusted figures per outcome and group (empty without adjust)
    result.units       # observed against expected per outcome, unit and group (empty without unit)
    result.flags       # every flagged result, one row each
    result.formula     # the adjusted model of each outcome

The options are the command's (``outcome`` may be a list; ``adjust`` driver specifications such as
``"age"``, ``"priors:bands=0,1,4"``, ``"age:spline=4"``, ``"tier*age"``), and so are the numbers: the frame
goes through the same reading rules (repeated names disambiguated, missing markers, column types), the same
sandboxed expressions and the same statistics. No Django import.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .analyse import ADJUSTED_COLUMNS, Analysis, Request, _flags, _group_columns, analyse_all
from .drivers import split_adjust
from .reading import from_frame


@dataclass(frozen=True)
class FrameAnalysis:
    """Tidy results: every table has ``outcome`` as its first column, one row per outcome and group (or
    unit and group, or period and group). ``analyses`` holds the full :class:`Analysis` of each outcome
    (as the command renders them)."""

    groups: pd.DataFrame
    adjusted: pd.DataFrame
    units: pd.DataFrame
    trend: pd.DataFrame
    flags: pd.DataFrame
    formula: dict[str, str]
    notes: list[str]
    analyses: list[Analysis]


def analyse_frame(
    frame: pd.DataFrame,
    *,
    group: str,
    outcome: str | Sequence[str],
    reference: str | None = None,
    where: str | None = None,
    adjust: str | Sequence[str] = (),
    unit: str | None = None,
    min_n: int = 30,
    period: str | None = None,
    by: str = "quarter",
    weight: str | None = None,
    name: str = "frame",
) -> FrameAnalysis:
    """Analyse ``frame`` (one row per person) as ``evenhand equality analyse`` would a file of it.

    Raises :class:`~evenhand.equality.reading.AnalysisError` (a ``ValueError``) naming any problem.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"analyse_frame takes a pandas DataFrame, not {type(frame).__name__}")
    outcomes = (outcome,) if isinstance(outcome, str) else tuple(outcome)
    drivers = split_adjust([adjust] if isinstance(adjust, str) else list(adjust))
    request = Request(
        path=Path(name),
        group=group,
        outcome=outcomes,
        reference=reference,
        where=where,
        adjust=tuple(drivers),
        unit=unit,
        min_n=min_n,
        period=period,
        by=by,
        weight=weight,
    )
    analyses = analyse_all(request, data=from_frame(frame, name))
    return FrameAnalysis(
        groups=_tidy([(a.outcome, a.groups[_group_columns(a)]) for a in analyses], "group"),
        adjusted=_tidy(
            [
                (
                    a.outcome,
                    a.adjusted.table[
                        [c for c in a.adjusted.table.columns if c not in ADJUSTED_COLUMNS] + ADJUSTED_COLUMNS
                    ],
                )
                for a in analyses
                if a.adjusted is not None
            ],
            "group",
        ),
        units=_tidy([(a.outcome, a.units) for a in analyses if a.units is not None], None),
        trend=_tidy([(a.outcome, a.trend) for a in analyses if a.trend is not None], None),
        flags=pd.DataFrame([{"outcome": a.outcome, **item} for a in analyses for item in _flags(a)]),
        formula={a.outcome: a.formula for a in analyses if a.formula},
        notes=list(analyses[0].file.get("notes", [])),
        analyses=analyses,
    )


def _tidy(tables: list[tuple[str, pd.DataFrame]], label: str | None) -> pd.DataFrame:
    pieces = []
    for outcome, table in tables:
        piece = table.reset_index(names=label) if label is not None else table.reset_index(drop=True)
        piece.insert(0, "outcome", outcome)
        pieces.append(piece)
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
