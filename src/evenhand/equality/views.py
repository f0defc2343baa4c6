"""The equality dashboard: one measure, split by one characteristic, for one unit and the units below it.

Thin: the form shapes the question, :mod:`.selectors` checks it and reads the (cached) figures, :mod:`.charts`
draws them; this module arranges them for the page, with the figures rounded as a reader needs them. Only
aggregates are shown: counts, rates and ratios per group and unit, never a person.
"""

import math
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export
from evenhand.core.formatting import (
    NOT_APPLICABLE,
    count_text,
    date_text,
    estimate_text,
    number_text,
    p_value_text,
    percent_text,
    ratio_text,
)
from evenhand.jobs import selectors as job_selectors
from evenhand.org.access import staff_of

from . import selectors, services
from .access import ensure_can_see_equality
from .charts import Chart, funnel_chart, relative_rate_chart, trend_chart
from .engine import BadRequest, group_label
from .forms import PublicationForm, QuestionForm
from .jobs import publication_files, publication_folder
from .measures import CATALOGUE, CHARACTERISTICS, RECORDED, Period
from .sampled import sampled_measures, sampling_note
from .stats.funnel import LIMITS, binomial_curve, outside_column

TEMPLATE = "equality/dashboard.html"
# Seconds between refreshes of the page while the figures it asks for are being computed.
REFRESH_SECONDS = 3
UNITS_OF_LEVEL = {"region": "Regions", "pdu": "PDUs", "team": "Teams"}
UNITS_IN_A_SENTENCE = {"region": "regions", "pdu": "PDUs", "team": "teams"}


# --- figures as the page prints them (in the words of evenhand.core.formatting) ----------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def versus_reference(row: Any, name: str) -> str:
    """A row's ratio ``name`` against the reference with its interval, or "reference" for the reference's
    own row. ``row`` is a mapping (a Series) or a named tuple from ``itertuples``."""
    values = row._asdict() if hasattr(row, "_asdict") else row
    if values["is_reference"]:
        return "reference"
    return estimate_text(values[name], values[f"{name}_low"], values[f"{name}_high"])


def _flag(value: Any) -> bool:
    return bool(value) and not _missing(value)


# --- the view ----------------------------------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard at /equality/: a GET form, then the figures for the question it asks, from the stored
    figures. A question they do not hold starts a job (or joins the one already computing it), and the page
    shows its progress and refreshes itself until the figures are there."""
    staff = staff_of(request)
    ensure_can_see_equality(staff)
    units = selectors.organisation()
    form = QuestionForm(
        request.GET,
        units=units,
        default_unit=selectors.default_unit(staff, units),
        today=timezone.localdate(),
    )
    context: dict[str, Any] = {"form": form, "nav_section": "equality-dashboard", "page": None, "job": None}
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    try:
        query = form.query()
        figures = selectors.figures(query.period, query.settings)
        if figures is None:
            job = services.request_analysis(query.period, query.settings, by=staff)
            if job.active:
                context.update(job=job, refresh=REFRESH_SECONDS, check_again=request.get_full_path())
                return render(request, TEMPLATE, context)
            figures = selectors.figures(query.period, query.settings)
    except BadRequest as error:
        form.add_problem(selectors.problem_field(error), str(error))
        return render(request, TEMPLATE, context, status=400)
    if figures is None:  # computed, and recomputed or cancelled since: ask again
        context.update(check_again=request.get_full_path())
        return render(request, TEMPLATE, context)
    context["page"] = _page(form, query, figures, units, request.GET.get("group"))
    context["publication_form"] = PublicationForm(
        initial={
            "period_start": query.period.start,
            "period_end": query.period.end,
            "characteristic": query.characteristic,
        }
    )
    return render(request, TEMPLATE, context)


@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    """Start a publication of the period shown (a job), and go to its progress page."""
    staff = staff_of(request)
    ensure_can_see_equality(staff)
    form = PublicationForm(request.POST)
    if not form.is_valid():
        return render(request, "equality/publish.html", {"form": form}, status=400)
    data = form.cleaned_data
    job = services.start_publication(
        period=Period(data["period_start"], data["period_end"]),
        characteristic=data["characteristic"],
        by=staff,
    )
    return redirect("job", job_id=job.pk)


@require_GET
def publication_file(request: HttpRequest, job_id: int, file_name: str) -> FileResponse:
    """One file of a finished publication, as a download; logged in the access log as an export."""
    staff = staff_of(request)
    ensure_can_see_equality(staff)
    job = job_selectors.job_for(staff, job_id)
    if job is None or file_name not in publication_files(job):
        raise Http404("There is no such file in a finished publication.")
    path = publication_folder(job) / file_name
    if not path.is_file():
        raise Http404("The publication's files have been removed.")
    log_export(
        staff=staff,
        channel=Channel.UI,
        detail=f"Equality publication (job {job.pk}, {job.parameters['start']} to {job.parameters['end']}):"
        f" {file_name}",
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


def _page(
    form: QuestionForm,
    query: selectors.Query,
    figures: selectors.Figures,
    units: selectors.Organisation,
    requested_group: str | None,
) -> dict[str, Any]:
    """Everything the page shows, each figure already in words."""
    base = reverse("equality-dashboard")
    keep = {"group": requested_group} if requested_group else {}

    def link(anchor: str = "", **changes: str) -> str:
        return f"{base}?{urlencode(form.link(**{**keep, **changes}))}{anchor}"

    characteristic, reference = query.characteristic, query.reference
    unit_figures = selectors.unit_figures(figures, query)
    label = lambda code: group_label(characteristic, str(code))  # noqa: E731
    page: dict[str, Any] = {
        "query": query,
        "measure": query.measure,
        "unit": query.unit,
        "ancestry": [(unit, link(unit=unit.code)) for unit in units.ancestry(query.unit.code)],
        "period_text": f"{date_text(query.period.start)} to {date_text(query.period.end)}",
        "characteristic_name": CHARACTERISTICS[characteristic],
        "reference_name": label(reference),
        "computed_at": figures.computed_at,
        "stale_since": figures.stale_since,
        "seconds": figures.analysis.seconds,
        "band": query.settings.band,
        "q_threshold": query.settings.q_threshold,
        "min_n": query.settings.min_n,
        "missing": unit_figures.missing,
        **model_words(unit_figures.model),
        "child_level": unit_figures.child_level,
        "children_name": UNITS_OF_LEVEL[unit_figures.child_level],
        "children_words": UNITS_IN_A_SENTENCE[unit_figures.child_level],
        "flagged": _flagged_rows(figures, units, link, query),
        "completeness": _completeness_rows(
            selectors.completeness_rows(query, units, figures), query, units, link
        ),
    }
    # The measures estimated from samples are shown whatever the measure chosen (they cannot be chosen).
    page.update(_sampled_section(selectors.sampled_rows(query, figures), label))
    if unit_figures.missing:
        return page
    page.update(group_section(unit_figures, label))
    page.update(units_section(unit_figures, units, label, link, requested_group))
    page.update(_trend_section(selectors.trend_table(query, figures), query, label))
    return page


NO_UNIT_MODEL = "; no unit model: "


def model_words(model: str) -> dict[str, str]:
    """The engine's account of its models, in two parts: what the adjusted comparison adjusted for (or why
    there is none), and why there is no unit comparison, if there is none."""
    adjusted, _, units = model.partition(NO_UNIT_MODEL)
    if adjusted.startswith("no adjusted model: "):
        return {"model": "", "no_model": adjusted.removeprefix("no adjusted model: "), "no_unit_model": units}
    return {"model": adjusted, "no_model": "", "no_unit_model": units}


def group_section(figures: selectors.UnitFigures, label: Callable[[Any], str]) -> dict[str, Any]:
    query = figures.query
    groups = figures.groups
    rows = [
        {
            "code": str(row.group),
            "group": label(row.group),
            "is_reference": bool(row.is_reference),
            "n": count_text(row.n),
            "events": count_text(row.events),
            "rate": estimate_text(row.rate, row.rate_low, row.rate_high, kind="percent"),
            "relative_rate": versus_reference(row, "relative_rate"),
            "q_value": NOT_APPLICABLE if row.is_reference else p_value_text(row.q_value),
            "flagged": _flag(row.flagged),
            "note": str(row.note or ""),
        }
        for row in groups.itertuples(index=False)
    ]
    adjusted = figures.adjusted.set_index("group") if not figures.adjusted.empty else None
    adjusted_rows = []
    if adjusted is not None:
        adjusted_rows = [
            {
                "group": label(code),
                "is_reference": bool(row["is_reference"]),
                "n": count_text(row["n"]),
                "events": count_text(row["events"]),
                "crude": versus_reference(row, "crude_relative_rate"),
                "adjusted": versus_reference(row, "adjusted_relative_rate"),
                "odds_ratio": versus_reference(row, "adjusted_odds_ratio"),
                "q_value": NOT_APPLICABLE if row["is_reference"] else p_value_text(row["adjusted_q_value"]),
                "crude_flagged": _flag(row["crude_flagged"]),
                "flagged": _flag(row["adjusted_flagged"]),
                # A gap flagged crude and not once adjusted: the drivers adjusted for explain it.
                "explained": _flag(row["crude_flagged"])
                and not _flag(row["adjusted_flagged"])
                and not _missing(row["adjusted_relative_rate"]),
                "note": str(row["note"] or ""),
            }
            for code, row in adjusted.iterrows()
        ]
    compared_rows = [
        _unit_row(row, label, name=label(row["group"])) for row in figures.compared.to_dict("records")
    ]
    chart = None
    if not groups.empty:
        estimate = None
        if adjusted is not None:
            aligned = adjusted.reindex(groups["group"])
            estimate = (
                aligned["adjusted_relative_rate"].to_numpy(dtype=float),
                aligned["adjusted_relative_rate_low"].to_numpy(dtype=float),
                aligned["adjusted_relative_rate_high"].to_numpy(dtype=float),
            )
        chart = relative_rate_chart(
            [label(code) for code in groups["group"]],
            groups["relative_rate"].to_numpy(dtype=float),
            groups["relative_rate_low"].to_numpy(dtype=float),
            groups["relative_rate_high"].to_numpy(dtype=float),
            reference=label(query.reference),
            title=f"{query.measure.title}: relative rate by {CHARACTERISTICS[query.characteristic].lower()}, "
            f"{query.unit.name}",
            id_prefix="relative-rate",
            band=query.settings.band,
            flagged=[_flag(value) for value in groups["flagged"]],
            adjusted=estimate,
        )
    return {
        "group_rows": rows,
        "adjusted_rows": adjusted_rows,
        "compared_rows": compared_rows,
        "relative_rate_chart": chart,
    }


def _unit_row(
    values: dict[str, Any], label: Callable[[Any], str], *, name: str, href: str | None = None
) -> dict[str, Any]:
    """One unit and group against similar people nationally: observed, expected, O/E and the flag."""
    return {
        "name": name,
        "href": href,
        "code": str(values["unit"]),
        "group": label(values["group"]),
        "n": count_text(values["n"]),
        "observed": count_text(values["observed"]),
        "expected": number_text(values["expected"], 1),
        "ratio": estimate_text(values["ratio"], values["ratio_low"], values["ratio_high"]),
        "odds_ratio": estimate_text(
            values["odds_ratio"], values["odds_ratio_low"], values["odds_ratio_high"]
        ),
        "q_value": p_value_text(values["q_value"]),
        "tested": not _missing(values["p_value"]),
        "outside_95": _flag(values["outside_95"]),
        "outside_998": _flag(values["outside_99.8"]),
        "direction": str(values.get("direction") or ""),
        "flagged": _flag(values["flagged"]),
        "note": str(values["note"] or ""),
    }


def units_section(
    figures: selectors.UnitFigures,
    units: selectors.Organisation,
    label: Callable[[Any], str],
    link: Callable[..., str],
    requested: str | None,
) -> dict[str, Any]:
    query, children = figures.query, figures.children
    leaf = figures.child_level == "team"

    def href(code: str) -> str | None:
        return None if leaf else link("#units", unit=code)

    group = selectors.funnel_group(figures, requested)
    if group is None:
        # Still a way down: each unit below, without figures.
        below = [] if leaf else units.children(query.unit.code)
        return {"funnel_group": None, "child_links": [(child.name, href(child.code)) for child in below]}

    def rows(part: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            _unit_row(row, label, name=units.name(str(row["unit"])), href=href(str(row["unit"])))
            for row in part.to_dict("records")
        ]

    shown = children[children["group"].astype(str) == group]
    outside = children[children["outside_95"].astype(bool) | children["flagged"].astype(bool)]
    outside = outside.sort_values(["q_value", "unit"], na_position="last", kind="stable")
    return {
        "funnel_group": label(group),
        "funnel_groups": [
            (label(code), link("#units", group=str(code)), str(code) == group)
            for code in dict.fromkeys(children["group"].astype(str))
        ],
        "funnel_chart": _funnel(shown, units, figures, label(group)),
        "unit_rows": rows(shown),
        "outside_rows": rows(outside),
    }


def _funnel(
    rows: pd.DataFrame, units: selectors.Organisation, figures: selectors.UnitFigures, group: str
) -> Chart | str:
    """The funnel of one group's units, or why it cannot be drawn."""
    query = figures.query
    expected = rows["expected"].to_numpy(dtype=float)
    positive = expected[np.isfinite(expected) & (expected > 0)]
    dispersion = figures.dispersion
    if not 0 < dispersion <= 1:
        return "The funnel cannot be drawn: there is no national model of expected events for this measure."
    if positive.size == 0:
        # (Or the figures of every unit's group are not shown, where small groups are hidden: workforce.)
        return f"The funnel cannot be drawn: no unit has expected events to show for {group}."
    low = min(0.5, float(positive.min()) / 2)
    high = max(float(positive.max()), low * 4)
    names = _unique([units.name(str(code)) for code in rows["unit"]], [str(code) for code in rows["unit"]])
    return funnel_chart(
        names,
        rows["observed"].to_numpy(dtype=float),
        expected,
        limits=binomial_curve(high, dispersion, min_expected=low),
        title=f"{query.measure.title}, {group}: {UNITS_IN_A_SENTENCE[figures.child_level]} "
        f"in {query.unit.name} against similar people nationally",
        id_prefix="funnel",
        outside={level: rows[outside_column(level)].astype(bool).to_list() for level in LIMITS},
    )


def _unique(names: Sequence[str], codes: Sequence[str]) -> list[str]:
    """Unit names, with the code added where two units share a name."""
    seen = pd.Series(names).duplicated(keep=False).to_list()
    return [
        f"{name} ({code})" if twice else name for name, code, twice in zip(names, codes, seen, strict=True)
    ]


def _unit_words(unit: selectors.Unit) -> str:
    """The unit a figure is for, as a heading ends: "England and Wales", or the unit's name."""
    return "England and Wales" if unit.level == "national" else unit.name


def _trend_section(
    table: pd.DataFrame, query: selectors.Query, label: Callable[[Any], str]
) -> dict[str, Any]:
    if table.empty:
        return {"trend_chart": None, "trend_rows": [], "trend_unit": _unit_words(query.unit)}
    quarters = list(dict.fromkeys(table["quarter"]))
    series = {}
    for code, rows in table.groupby(table["group"].astype(str), sort=False):
        aligned = rows.set_index("quarter").reindex(quarters)
        series[label(code)] = (
            aligned["relative_rate"].to_numpy(dtype=float),
            aligned["relative_rate_low"].to_numpy(dtype=float),
            aligned["relative_rate_high"].to_numpy(dtype=float),
        )
    chart = trend_chart(
        quarters,
        series,
        reference=label(query.reference),
        title=f"{query.measure.title}: relative rate by quarter, {_unit_words(query.unit)}",
        id_prefix="trend",
    )
    rows = [
        {
            "quarter": row.quarter,
            "group": label(row.group),
            "n": count_text(row.n),
            "events": count_text(row.events),
            "rate": estimate_text(row.rate, row.rate_low, row.rate_high, kind="percent"),
            "relative_rate": versus_reference(row, "relative_rate"),
            "note": str(row.note or ""),
        }
        for row in table.itertuples(index=False)
    ]
    return {"trend_chart": chart, "trend_rows": rows, "trend_unit": _unit_words(query.unit)}


def _sampled_section(table: pd.DataFrame, label: Callable[[Any], str]) -> dict[str, Any]:
    """The measures estimated from samples (case review) for the unit: one table per measure, each group's
    design-weighted share and its difference and ratio against the reference, with the sampling note."""
    known = sampled_measures()
    measures = [
        {
            "key": str(key),
            "anchor": f"sampled-{str(key).replace(':', '-')}",
            "measure": known[str(key)],
            "note": sampling_note(str(key)),
            "rows": [_sampled_row(row, label) for row in rows.itertuples(index=False)],
        }
        for key, rows in table.groupby("measure", sort=False)
        if str(key) in known
    ]
    return {"sampled_measures": measures, "sampling_notes": list(dict.fromkeys(m["note"] for m in measures))}


def _sampled_row(row: Any, label: Callable[[Any], str]) -> dict[str, Any]:
    values = row._asdict()
    reference = bool(values["is_reference"])
    return {
        "group": label(values["group"]),
        "is_reference": reference,
        "cases": count_text(values["cases"]),
        "share": estimate_text(values["share"], values["share_low"], values["share_high"], kind="percent"),
        "difference": "reference"
        if reference
        else estimate_text(
            values["difference"], values["difference_low"], values["difference_high"], kind="percent"
        ),
        "ratio": "reference"
        if reference
        else estimate_text(values["ratio"], values["ratio_low"], values["ratio_high"]),
        "q_value": NOT_APPLICABLE if reference else p_value_text(values["q_value"]),
        "flagged": _flag(values["flagged"]),
        "note": str(values["note"] or ""),
    }


KIND_TEXT = {
    "adjusted": "Adjusted relative rate against the reference group",
    "unit": "Odds against similar people nationally",
    "sampled": "Design-weighted share against the reference group (case review sample)",
}


def _flagged_rows(
    figures: selectors.Figures,
    units: selectors.Organisation,
    link: Callable[..., str],
    query: selectors.Query,
) -> list[dict[str, Any]]:
    """Every flagged comparison of the report, most certain first, each linking to where it is shown."""
    flagged = figures.analysis.flagged()
    titles = {key: measure.title for key, measure in CATALOGUE.items()}
    titles.update((key, measure.title) for key, measure in sampled_measures().items())
    rows = []
    for row in flagged.itertuples(index=False):
        national = row.kind == "adjusted" or row.level == "national"
        unit = selectors.NATIONAL if national else str(row.unit)
        rows.append(
            {
                "measure": titles.get(str(row.measure), str(row.measure)),
                "where": units.name(unit),
                "level": "" if national else selectors.LEVEL_NAMES.get(str(row.level), str(row.level)),
                "group": group_label(query.characteristic, str(row.group)),
                "kind": KIND_TEXT.get(str(row.kind), str(row.kind)),
                "ratio": ratio_text(row.ratio),
                "q_value": p_value_text(row.q_value),
                "href": _flagged_href(link, str(row.kind), str(row.measure), unit),
            }
        )
    return rows


def _flagged_href(link: Callable[..., str], kind: str, measure: str, unit: str) -> str:
    """Where a flagged comparison is shown: a sampled measure in the unit's case review section (the page's
    own measure stays, since only counted measures can be chosen), any other on its measure's page."""
    if kind == "sampled":
        return link(f"#sampled-{measure.replace(':', '-')}", unit=unit)
    return link("#adjusted" if kind == "adjusted" else "#compared", measure=measure, unit=unit)


def _completeness_rows(
    table: pd.DataFrame, query: selectors.Query, units: selectors.Organisation, link: Callable[..., str]
) -> list[dict[str, Any]]:
    rows = []
    for position, row in enumerate(table.to_dict("records")):
        code = str(row["unit"])
        own = position == 0 and code == query.unit.code
        unit = units.get(code)
        drillable = not own and unit is not None and unit.level != "team"
        rows.append(
            {
                "name": units.name(code),
                "own": own,
                "href": link("#completeness", unit=code) if drillable else None,
                "n": count_text(row["n"]),
                "fields": [
                    f"{count_text(row[f'{name}_not_recorded'])} ({percent_text(row[f'{name}_rate'])})"
                    for name, _ in RECORDED
                ],
            }
        )
    return rows
