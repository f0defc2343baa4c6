"""The workforce measures compared by the equality engine: one measure, split by a staff characteristic, for
England and Wales, a region or a PDU, with the units below it in a funnel plot. The page is the equality
dashboard's (its sections, charts and template, ``equality/_figures.html``) over the registered staff
measures; this module only adds what differs for staff: the declaration rule per unit, the covariates' reasons,
and a head of PDU's limits (their own PDU, no count of a small group).

Like the dashboard, the page answers from stored figures and computes nothing (ADR 11): when none are stored
for the period and characteristic it starts the job that computes them (or joins the one running) and shows
its progress, refreshing itself without JavaScript; stale figures are shown, said to be stale, while a job
computes them again."""

import dataclasses
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from evenhand.core.formatting import date_text
from evenhand.equality import selectors as equality
from evenhand.equality.engine import BadRequest, group_label
from evenhand.equality.measures import Period
from evenhand.equality.registry import PopulationAnalysis
from evenhand.equality.views import (
    REFRESH_SECONDS,
    UNITS_IN_A_SENTENCE,
    UNITS_OF_LEVEL,
    group_section,
    model_words,
    units_section,
)
from evenhand.jobs.models import Job
from evenhand.org.access import staff_of
from evenhand.org.models import StaffMember

from . import services
from .catalogue import STAFF
from .comparison import Scope, last_twelve_months, scope_of, staff_comparison, suppresses_small_groups
from .forms import ComparisonForm

TEMPLATE = "workforce/comparison.html"


@require_GET
def workforce_comparison(request: HttpRequest) -> HttpResponse:
    """/workforce/compare/: for HR analysts at any unit, for a head of PDU at their own PDU (403 otherwise)."""
    staff = staff_of(request)
    scope = scope_of(staff)
    units = equality.organisation()
    form = ComparisonForm(request.GET or None, start=scope.start)
    context: dict[str, Any] = {"form": form, "page": None, "problem": "", "job": None}
    if form.is_bound and not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    asked = form.asked()
    unit = units.get(asked["unit"])
    if unit is None or unit.level == "team":
        form.add_error("unit", f"There is no region or PDU with the code {asked['unit']}")
        return render(request, TEMPLATE, context, status=400)
    if not scope.allows(unit.code):
        raise PermissionDenied("A head of PDU sees the workforce figures of their own PDU only.")
    period = last_twelve_months(timezone.localdate())
    characteristic = asked["characteristic"]
    try:
        stored = staff_comparison(staff, period=period, characteristic=characteristic)
        if stored is None:
            job = services.request_comparison(period, characteristic, by=staff)
            if job.active:
                context.update(job=job, refresh=REFRESH_SECONDS, check_again=request.get_full_path())
                return render(request, TEMPLATE, context)
            stored = staff_comparison(staff, period=period, characteristic=characteristic)
        elif stored.stale_since is not None:
            context.update(
                recomputing=_recompute(period, characteristic, staff), check_again=request.get_full_path()
            )
    except BadRequest as error:
        context["problem"] = str(error)
        return render(request, TEMPLATE, context)
    if stored is None:  # computed, and recomputed or cancelled since: ask again
        context.update(check_again=request.get_full_path())
        return render(request, TEMPLATE, context)
    context["page"] = _page(staff, scope, stored.result, asked, unit, units, request.GET.get("group"))
    context["page"].update(computed_at=stored.computed_at, stale_since=stored.stale_since)
    return render(request, TEMPLATE, context)


def _recompute(period: Period, characteristic: str, staff: StaffMember) -> Job | None:
    """The job computing stale figures again (started, or joined), or None if it failed a moment ago (the
    stale figures are shown all the same)."""
    try:
        return services.request_comparison(period, characteristic, by=staff)
    except BadRequest:
        return None


def _page(
    viewer: StaffMember,
    scope: Scope,
    result: PopulationAnalysis,
    asked: dict[str, str],
    unit: equality.Unit,
    units: equality.Organisation,
    requested_group: str | None,
) -> dict[str, Any]:
    """The dashboard's page for one measure and unit, with what is withheld and why."""
    measure = STAFF.measures[asked["measure"]]
    analysis = result.analysis
    query = equality.Query(measure=measure, period=analysis.period, settings=analysis.settings, unit=unit)
    figures = equality.analysis_unit_figures(analysis, query)
    if suppresses_small_groups(viewer):
        figures = _without_small_groups(figures)
    base = reverse("workforce-comparison")

    def link(anchor: str = "", **changes: str) -> str:
        return f"{base}?{urlencode({**asked, **changes})}{anchor}"

    characteristic = query.characteristic
    label = lambda code: group_label(characteristic, str(code))  # noqa: E731
    withheld = result.withheld.get((measure.key, unit.code), "")
    children = [child for child in units.children(unit.code) if (measure.key, child.code) in result.withheld]
    page: dict[str, Any] = {
        "query": query,
        "measure": measure,
        "unit": unit,
        "ancestry": [(u, link(unit=u.code)) for u in units.ancestry(unit.code) if scope.allows(u.code)],
        "period_text": f"{date_text(query.period.start)} to {date_text(query.period.end)}",
        "characteristic_name": STAFF.characteristics[characteristic],
        "reference_name": label(query.reference),
        "band": query.settings.band,
        "q_threshold": query.settings.q_threshold,
        "min_n": query.settings.min_n,
        "missing": figures.missing or (f"{withheld}." if withheld else None),
        "withheld": withheld,
        "withheld_children": [child.name for child in children],
        "why_adjusted": measure.why_adjusted,
        "suppressed": suppresses_small_groups(viewer),
        **model_words(figures.model),
        "child_level": figures.child_level,
        "children_name": UNITS_OF_LEVEL[figures.child_level],
        "children_words": UNITS_IN_A_SENTENCE[figures.child_level],
        "measures": [(m.title, link(measure=m.key), m.key == measure.key) for m in STAFF.measures.values()],
    }
    if page["missing"]:
        return page
    page.update(group_section(figures, label))
    page.update(units_section(figures, units, label, link, requested_group))
    return page


def _without_small_groups(figures: equality.UnitFigures) -> equality.UnitFigures:
    """The figures without the count, rate or ratio of any group under the smallest group compared, in the
    unit or the units below it (its note says why), so that a small unit's figures cannot single anyone out
    (ADR 14)."""
    least = figures.query.settings.min_n

    def hide(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        if frame.empty:
            return frame
        small = frame["n"].to_numpy(dtype=float) < least
        frame = frame.copy()
        present = [c for c in frame.columns if any(c == name or c.startswith(f"{name}_") for name in columns)]
        frame[present] = frame[present].astype(float)
        frame.loc[small, present] = np.nan
        frame["note"] = frame["note"].astype(object)
        frame.loc[small, "note"] = f"fewer than {least}: not shown"
        return frame

    counted = ["n", "events", "rate", "relative_rate", "odds_ratio", "observed", "expected", "ratio"]
    return dataclasses.replace(
        figures,
        groups=hide(figures.groups, counted),
        compared=hide(figures.compared, counted),
        adjusted=hide(figures.adjusted, [*counted, "crude_relative_rate", "adjusted_relative_rate"]),
        # The units below too: a small group's observed and expected events are neither in their table nor a
        # point of the funnel plot (which names the units it cannot place).
        children=hide(figures.children, counted),
    )
