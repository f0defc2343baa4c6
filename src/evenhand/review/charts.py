"""The round's results drawn (issue 15 item 7): per key question, the design-weighted share of cases judged
sufficient by ethnic group and by the practitioner's workload band at the time, with 95% intervals, drawn as
the equality dashboard draws its figures (``equality.charts``: SVG with ``role="img"``, a title and a
description in words). The table beside them stays the source; a figure adds nothing it does not hold."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from evenhand.equality.charts import Chart, share_chart

from .results import RoundResults, group_label
from .stats import Estimate


@dataclass(frozen=True)
class ResultFigure:
    id: str  # the figure's id on the page, also its SVG's id prefix
    chart: Chart


def _figure(
    number: str, what: str, labels: list[str], estimates: Sequence[Estimate | None], by: str
) -> ResultFigure:
    """One key question's shares by ``what`` (group or capacity), NaN where there is no estimate (nothing
    judged, or withheld from a publication)."""
    figure_id = f"kq-{re.sub(r'[^A-Za-z0-9]+', '-', number).strip('-').lower()}-{what}-figure"
    return ResultFigure(
        figure_id,
        share_chart(
            labels,
            [e.share if e else math.nan for e in estimates],
            [e.low if e else math.nan for e in estimates],
            [e.high if e else math.nan for e in estimates],
            title=f"{number}: share of cases judged sufficient, by {by}",
            id_prefix=figure_id,
            measure=f"Share of cases judged sufficient on {number} (design-weighted)",
            heading=by.capitalize(),
        ),
    )


def result_figures(results: RoundResults) -> list[ResultFigure]:
    """Two figures a key question: by ethnic group (everyone first), and by workload capacity band."""
    figures = []
    for number in results.key_questions:
        rows = [row for row in results.rows if row.key_question == number]
        bands = [row for row in results.by_capacity if row.key_question == number]
        figures += [
            _figure(
                number,
                "group",
                [group_label(row.ethnic_group) for row in rows],
                [row.estimate for row in rows],
                "ethnic group",
            ),
            _figure(
                number,
                "capacity",
                [row.band.capitalize() for row in bands],
                [row.estimate for row in bands],
                "the practitioner's workload capacity",
            ),
        ]
    return figures
