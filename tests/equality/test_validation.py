"""Validation at national scale: the engine finds a declared effect where it was declared, and flags little
where there is none.

The whole module shares one load of the national synthetic service (seed 1) with the declared bias in
``bias/recall-gm08-sc05.toml``, made inside a transaction that is rolled back when the module ends (3 to 4
minutes on SQLite or PostgreSQL), and one ``analyse()`` with the default settings: the catalogue by ethnic
group for every region, PDU and team, adjusted models, one Benjamini-Hochberg family for the report. It is
marked ``national``; ``make test`` runs it, ``pytest -m "not national"`` leaves it out of a quick run.

**Power: why White people in GM08, and why a multiplier of 2.5 rather than the issue's 1.5.** The engine's
recall measure counts *licences* (those with at least one recall requested among all licences under
supervision), while a declared multiplier acts on each *decision* after an unacceptable failure: licences
with no failure carry none of the effect, yet count in the unit's variance V = Σp(1 - p) from the national
model. A unit row is flagged when its q-value is under 0.05 in a family of about 19,000 comparisons and its
one-step odds ratio exceeds 1.25; for a lone effect that needs p < 0.05 / 19,000, |z| > 4.7. The expected
licence excess of a cell is Σ over its licences of (1 - (1 - p')^k) - (1 - (1 - p)^k), with k the
licence's decisions in the unbiased data, p the generator's recall baseline (0.35, or 0.55 for high RoSH)
and p' the same with the odds multiplied; z = excess / √V and the odds ratio exp(excess / V), with V from
the engine on the unbiased data (seed 1). The chance of q < 0.05 (ignoring the odds-ratio condition):

=============================  ========  =========  ===  =======================  =======================
cell (recall)                  licences  decisions  V    odds x 1.5: z, OR, power  odds x 2.5: z, OR, power
=============================  ========  =========  ===  =======================  =======================
GM08 White (the largest)          1,230        577  178  3.5, 1.30, 11%           7.7, 1.78, > 99.9%
SC05 White                        1,171        566  170  3.5, 1.31, 12%           7.8, 1.81, > 99.9%
LN13 Black (largest minority)       299        155   45  1.8, 1.31, 0.2%          4.1, 1.82, 26%
LN03 Black                          152         86   24  1.4, 1.34, 0.1%          3.2, 1.93, 7%
=============================  ========  =========  ===  =======================  =======================

So no minority ethnic group in one PDU is large enough for any plausible multiplier to be flagged at
national scale, and a multiplier of 1.5 cannot be flagged in any single PDU and group (its odds ratio on
licences, about 1.3, is also barely outside the materiality band). GM08 gets 2.5 and must be flagged;
SC05 gets the issue's 1.5 and must only be seen at the 5% level (94% power), its q-value printed.

The same file declares one effect on an assessment measure, in the same cell as the flagged recall (so the
rows left as "nothing declared" are unchanged): the diversity conversation held in full with White people in
GM08 at 0.4 times the odds, which must be flagged.

And one effect on the workforce (issue 17), which the equality engine does not measure: Black staff promoted at
5 times the odds nationally, which the HR analyst's workforce page must flag, crude and adjusted, before they
publish the national workforce report (the last test, with its own power calculation).

And one on case review (issue 15): every key question of Black people's reviewed cases in LN09 judged
sufficient at 0.1 times the odds. The rounds are 120 cases a PDU; LN09's has the most Black cases of any (24,
against 43 White), so the expected gap of about 50 points is z about 4.8 a key question: its round must find
it on most key questions, and no other PDU's round on most. Review answers come from a random stream of their
own, so nothing the other tests read moves.
"""

import datetime as dt
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evenhand.cases.models import RECALLS, SentenceType
from evenhand.equality.engine import Analysis, Settings, analyse
from evenhand.equality.measures import CATALOGUE, Period, Source
from evenhand.equality.stats import MATERIALITY_BAND
from evenhand.org.models import Grade, StaffMember
from evenhand.review.models import ReviewRound
from evenhand.review.results import GroupResult, RoundResults, round_results
from evenhand.synth.bias import REVIEW_MEASURES, STAFF_MEASURES
from evenhand.synth.generator import Result
from evenhand.workforce.models import WorkforceRelease
from evenhand.workforce.publication import FILES, file_name, file_of
from tests.synth.conftest import load_for_module

pytestmark = [pytest.mark.django_db, pytest.mark.national]

BIAS = Path(__file__).parent / "bias" / "recall-gm08-sc05.toml"
PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
GROUP = "white"
FLAGGED = ("GM08", "GM", 2.5)  # PDU, its region, multiplier
SEEN = ("SC05", "SC", 1.5)
DECLARED = (FLAGGED, SEEN)
SIGMAS = 3.0
# The workforce effect (see the last test): promotion of Black staff, nationally; the HR analyst looks on the
# day after the data ends (the dashboard shows the last 12 months: the whole period) and publishes the financial
# year 2025-26, the service's own statistical year, which has ended by then.
WORKFORCE_GROUP = "black"
WORKFORCE_MULTIPLIER = 5.0
WORKFORCE_DAY = PERIOD.end + dt.timedelta(days=1)
WORKFORCE_YEAR = "2025-26"


@pytest.fixture(scope="module")
def service(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    yield from load_for_module(django_db_blocker, scale="national", seed=1, bias_path=BIAS)


@pytest.fixture(scope="module")
def analysis(service: Result, django_db_blocker: Any) -> Analysis:
    with django_db_blocker.unblock():
        return analyse(PERIOD, Settings())


@pytest.fixture(scope="module")
def recall_decisions(service: Result, django_db_blocker: Any) -> pd.DataFrame:
    """The decisions the truth's recall cells count (every decision on a licence: the rules propose recall
    for each unacceptable failure), with whether it was a recall, the group and the units: read as the
    engine reads them."""
    with django_db_blocker.unblock():
        source = Source(PERIOD)
        population = source.population
        decisions = source.decisions
    joined = decisions.join(population[["type", "ethnic_group", "pdu", "region"]], on="sentence_id")
    licences = joined[joined["type"] == SentenceType.LICENCE]
    return licences.assign(recall=licences["decision"].isin(RECALLS))


def recall_row(analysis: Analysis, level: str, unit: str, measure: str = "recall") -> pd.Series:
    units = analysis.units
    found = units[
        (units["measure"] == measure)
        & (units["level"] == level)
        & (units["unit"] == unit)
        & (units["group"] == GROUP)
    ]
    assert len(found) == 1, f"one {measure} row for {GROUP} in {unit}"
    return found.iloc[0]


def describe(row: pd.Series) -> str:
    return (
        f"{row['level']} {row['unit']} {row['group']} {row['measure']}: {row['n']:,} trials, O {row['observed']}, "
        f"E {row['expected']:.1f}, V {row['variance']:.1f}, odds ratio {row['odds_ratio']:.3f}, "
        f"p {row['p_value']:.2g}, q {row['q_value']:.2g}, flagged {row['flagged']}"
    )


def test_the_truth_declares_the_effects_where_the_bias_file_says(service: Result) -> None:
    recall = service.truth["measures"]["recall"]
    for pdu, region, multiplier in DECLARED:
        assert recall["pdus"][pdu][GROUP]["declared_multiplier"] == multiplier
        assert recall["pdus"][pdu][GROUP]["effect"] > 1
        assert recall["regions"][region][GROUP]["declared_multiplier"] == 1.0  # declared for the PDU only
        assert 1 < recall["regions"][region][GROUP]["effect"] < recall["pdus"][pdu][GROUP]["effect"]


def test_a_declared_effect_on_an_assessment_measure_is_flagged(service: Result, analysis: Analysis) -> None:
    """The assessment's measures at national scale (issue 14): the diversity conversation held in full with
    White people in GM08 at 0.4 times the odds is flagged there, fewer than expected, and is in the truth."""
    truth = service.truth["measures"]["diversity_discussed"]["pdus"]["GM08"][GROUP]
    assert truth["declared_multiplier"] == 0.4 and truth["effect"] < 1
    row = recall_row(analysis, "pdu", "GM08", measure="diversity_discussed")
    print(f"\n{describe(row)}")
    assert row["flagged"]
    assert row["observed"] < row["expected"]
    assert row["odds_ratio"] < MATERIALITY_BAND[0]


def test_a_declared_recall_effect_is_flagged_for_its_pdu_group_and_measure(analysis: Analysis) -> None:
    pdu, _, _ = FLAGGED
    row = recall_row(analysis, "pdu", pdu)
    print(f"\n{describe(row)}")
    assert row["flagged"]
    assert row["observed"] > row["expected"]
    assert row["odds_ratio"] > MATERIALITY_BAND[1]
    listed = analysis.flagged()
    assert ((listed["measure"] == "recall") & (listed["unit"] == pdu) & (listed["group"] == GROUP)).any()


def test_the_issues_multiplier_of_one_and_a_half_is_seen_in_its_pdu(analysis: Analysis) -> None:
    # Expected z 3.5 (see the module docstring): seen at the 5% level, short of the report's q < 0.05.
    pdu, _, _ = SEEN
    row = recall_row(analysis, "pdu", pdu)
    print(f"\n{describe(row)}")
    assert row["observed"] > row["expected"]
    assert row["p_value"] < 0.05
    assert row["odds_ratio"] > 1


@pytest.mark.parametrize("declared", DECLARED, ids=[d[0] for d in DECLARED])
def test_the_region_moves_up_by_what_its_pdu_did(
    analysis: Analysis, declared: tuple[str, str, float]
) -> None:
    """The region's excess (observed - expected) is its biased PDU's plus the rest of the region's, and the
    rest, where nothing was declared, is within 3 standard deviations of none."""
    pdu, region, _ = declared
    in_pdu, in_region = recall_row(analysis, "pdu", pdu), recall_row(analysis, "region", region)
    rest = (in_region["observed"] - in_region["expected"]) - (in_pdu["observed"] - in_pdu["expected"])
    spread = math.sqrt(in_region["variance"] - in_pdu["variance"])
    print(f"\n{describe(in_region)}\n  the rest of {region}: excess {rest:+.1f}, sd {spread:.1f}")
    assert abs(rest) <= SIGMAS * spread
    if declared == FLAGGED:
        assert in_region["observed"] > in_region["expected"]
        assert in_region["odds_ratio"] > 1


def test_the_national_figure_moves_by_the_truths_diluted_effect(
    service: Result, recall_decisions: pd.DataFrame
) -> None:
    """The truth's national cell holds the declared PDUs' effect, diluted: expected recall decisions with the
    bias (W1) and without it (W0) over the same decisions. The realised count O is a sum of independent
    yes/no draws with mean W1 and variance Σp(1 - p) ≤ W1(1 - W1/n), so O must lie within 3 of those
    standard deviations of W1: it moved by about W1 - W0. The national shift alone is hardly beyond the
    noise of the nation's 24,000 decisions (2.3 standard deviations on seed 1), so the test also splits it:
    the declared PDUs moved by their own W1 - W0, clearly, and the rest of the nation did not move."""
    recall = service.truth["measures"]["recall"]
    white = recall_decisions[recall_decisions["ethnic_group"] == GROUP]

    def check(where: str, cell: dict[str, float], observed: int) -> tuple[float, float]:
        n, without, expected = cell["n"], cell["expected_events_without_bias"], cell["expected_events"]
        spread = math.sqrt(expected * (1 - expected / n))
        print(
            f"  {where}: {n:,} decisions, recalls {observed:,}, expected {expected:.1f} with the bias and "
            f"{without:.1f} without (shift {expected - without:+.1f}, observed {observed - without:+.1f}, "
            f"sd {spread:.1f})"
        )
        assert abs(observed - expected) <= SIGMAS * spread
        return observed - without, spread

    print()
    national = recall["national"][GROUP]
    assert len(white) == national["n"]
    check("national", national, int(white["recall"].sum()))
    for declared in DECLARED:
        pdu = declared[0]
        in_pdu = white[white["pdu"] == pdu]
        shift, spread = check(pdu, recall["pdus"][pdu][GROUP], int(in_pdu["recall"].sum()))
        if declared == FLAGGED:
            assert shift > SIGMAS * spread
    rest = white[~white["pdu"].isin([d[0] for d in DECLARED])]
    rest_cell = {
        key: national[key] - sum(recall["pdus"][d[0]][GROUP][key] for d in DECLARED)
        for key in ("n", "expected_events_without_bias", "expected_events")
    }
    assert rest_cell["expected_events"] == pytest.approx(rest_cell["expected_events_without_bias"])
    check("the rest of the nation", rest_cell, int(rest["recall"].sum()))


def null_cells(analysis: Analysis, truth: dict[str, Any]) -> pd.DataFrame:
    """The unit rows (regions and PDUs) where nothing was declared: the truth's effect is exactly 1.0 for
    measures it covers (the truth and the engine use the same keys: recall, breach, unacceptable_absence,
    allocation_po, assessment_timely, diversity_discussed, referral_completed, completion, referral:<area>;
    the truth's allocation_days has no engine measure), and never the declared group in a declared PDU or
    its region, whatever the measure: a recall ends a licence, so it also moves that group's later contacts,
    referrals, assessments and completions there (the engine's recall_approved, escalation, referral_any
    and allocation_late are not in the truth)."""
    rows = analysis.units[analysis.units["level"].isin(["region", "pdu"])]
    measures = truth["measures"]

    def effect(row: pd.Series) -> float | None:
        if row["measure"] not in measures:
            return 1.0
        level = "regions" if row["level"] == "region" else "pdus"
        cell = measures[row["measure"]][level].get(row["unit"], {}).get(row["group"])
        return None if cell is None else cell["effect"]

    touched = {(GROUP, unit) for pdu, region, _ in DECLARED for unit in (pdu, region)}
    declared = [(g, u) in touched for g, u in zip(rows["group"], rows["unit"], strict=True)]
    no_effect = rows.apply(effect, axis=1).eq(1.0).to_numpy()
    return rows[no_effect & ~np.array(declared, dtype=bool)]


def test_few_comparisons_are_flagged_where_nothing_was_declared(service: Result, analysis: Analysis) -> None:
    """At most 5% of the unit rows with nothing declared are flagged (on seed 1: none of about 16,600), and
    their p-values are calibrated: about 5% fall under 0.05 (seed 1: 4.8%; 3.5% of regions, 4.9% of PDUs
    on the unbiased data)."""
    # The staff's measures and the review rounds' are measured by their own apps, not by the catalogue.
    engine = set(service.truth["measures"]) - STAFF_MEASURES - REVIEW_MEASURES
    assert engine - set(CATALOGUE) == {"allocation_days"}
    nulls = null_cells(analysis, service.truth)
    flagged = nulls[nulls["flagged"]]
    tested = nulls["p_value"].dropna()
    nominal = float((tested < 0.05).mean())
    print(
        f"\n{len(nulls):,} unit rows with nothing declared ({len(tested):,} tested): {len(flagged)} flagged "
        f"({len(flagged) / len(nulls):.2%}); p < 0.05 for {nominal:.2%} of those tested"
    )
    if len(flagged):
        print(flagged[["measure", "level", "unit", "group", "odds_ratio", "q_value"]].to_string())
    print(analysis.flagged().to_string())
    assert len(nulls) > 15_000
    assert len(flagged) / len(nulls) <= 0.05
    assert 0.03 <= nominal <= 0.07


_TABLE = re.compile(r'id="(measure|adjusted)-(\w+)"(.*?)(?=<h[234]\b|\Z)', re.S)
_ROW = re.compile(r'<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def workforce_rows(html: str) -> dict[tuple[str, str, str], tuple[bool, list[str]]]:
    """Every row of the workforce page's measure tables, by (crude or adjusted, measure, group): whether it is
    flagged (a crude flag is "(flagged)" after the group's name, an adjusted one after the adjusted rate) and
    its cells as shown."""
    rows = {}
    for table, measure, body in _TABLE.findall(html):
        for header, row in _ROW.findall(body):
            cells = [cell.strip() for cell in _CELL.findall(row)]
            if table == "measure":
                group = header.removesuffix(" (flagged)")
                rows["crude", measure, group] = (group != header, cells)
            else:
                rows["adjusted", measure, header] = (
                    len(cells) > 1 and cells[1].endswith(") (flagged)"),
                    cells,
                )
    return rows


def test_an_hr_analyst_finds_the_declared_promotion_gap_and_publishes_the_report(
    service: Result, client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 17's "done when": an HR analyst opens the workforce dashboard on the national data, finds the
    declared disparity in promotion, crude and adjusted for grade and length of service, and publishes the
    national workforce report through ``evenhand workforce report``, which passes the disclosure audit.

    **Power: why Black staff, nationally, and promoted at 5 times the odds.** Promotion is decided once a
    year for staff in post for two years in a grade one is promoted into: 2,411 White and 143 Black staff at
    national scale (seed 1, from the truth), 4.7% of them promoted without bias (114 and 6.8 expected). The
    page compares each group's promotions among all its declared staff in post in the year (2,584 White with
    113 promoted, 160 Black on seed 1) with White staff's, by Pearson's chi-square, in one Benjamini-Hochberg
    family with every other comparison of the page (about 100); the first of that family to be flagged needs
    p < 0.05 / 100. No fall in Black staff's promotion can reach it: the odds halved give z about -1.3 at the
    expected count, and even none promoted gives -2.7; nor can a fall for any other minority group (Asian staff
    are the largest, 168 eligible) or in one region (London: 47 Black staff eligible, 2.1 promotions
    expected). A rise can: with the odds times 3, 4 or 5, 18.6, 23.8 and 28.6 Black promotions are expected, z
    4.2, 5.9 and 7.5, and the chance of p < 0.05 / 100 is 69%, 95% and over 99% (simulated, 200,000 draws). So
    the file declares 5: a disparity in the other direction from the seeds' complaint, the one the national
    staff numbers can show. On seed 1: 29 promoted, crude relative rate 4.14 (q 3e-12), adjusted 3.42.

    **The others.** The page flags a comparison at q < 0.05 with Benjamini-Hochberg, which keeps the expected
    share of false discoveries among the flagged at 5% at most: with the two true flags (crude and adjusted)
    that is about 0.1 false flags expected, so at most one flag with nothing declared is allowed (two or more
    have a chance under 10%, by Markov's inequality)."""
    truth = service.truth["measures"]["promotion"]["national"][WORKFORCE_GROUP]
    assert truth["declared_multiplier"] == WORKFORCE_MULTIPLIER and truth["effect"] > 1
    noon = dt.datetime.combine(WORKFORCE_DAY, dt.time(12), tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: noon)
    analyst = StaffMember.objects.filter(grade=Grade.HR_ANALYST).order_by("pk").first()
    assert analyst is not None
    analyst.user = get_user_model().objects.create_user(username="hr.validation")
    analyst.save(update_fields=["user"])
    client.force_login(analyst.user)

    page = client.get(reverse("workforce-figures"))
    assert page.status_code == 200
    rows = workforce_rows(page.content.decode())
    flags = {key: cells for key, (flagged, cells) in rows.items() if flagged}
    print(f"\n{len(rows)} rows on the workforce page; promotion, and every row flagged:")
    for key, (flagged, cells) in sorted(rows.items()):
        if flagged or key[1] == "promotion":
            print(f"  {' '.join(key)}{' (flagged)' if flagged else ''}: {' | '.join(cells)}")
    crude = flags.get(("crude", "promotion", WORKFORCE_GROUP))
    adjusted = flags.get(("adjusted", "promotion", WORKFORCE_GROUP))
    assert crude is not None and adjusted is not None
    assert (
        float(crude[3].replace(",", "")) > MATERIALITY_BAND[1]
    )  # the crude relative rate: more promoted, not fewer
    assert float(adjusted[1].split(" ")[0]) > MATERIALITY_BAND[1]
    undeclared = [key for key in flags if key[1:] != ("promotion", WORKFORCE_GROUP)]
    assert len(undeclared) <= 1, undeclared

    out = tmp_path / "report"
    said = io.StringIO()
    call_command(
        "workforce",
        "report",
        "--period",
        WORKFORCE_YEAR,
        "--by",
        analyst.staff_code,
        "--out",
        str(out),
        stdout=said,
    )
    print(said.getvalue())
    release = WorkforceRelease.objects.get(period=WORKFORCE_YEAR, unit="national")
    assert release.audit["passed"] and release.audit["suppressed"] > 0
    assert release.published_by == analyst and release.published_on == WORKFORCE_DAY
    written = {path.name: path.read_bytes() for path in out.iterdir()}
    assert written == {file_name(release, kind): file_of(release, kind) for kind in FILES}


REVIEW_GAP = ("LN09", "black", 0.1)  # PDU, group, multiplier: the bias file's case review effect


@pytest.fixture(scope="module")
def review_results(service: Result, django_db_blocker: Any) -> dict[str, RoundResults]:
    """Every PDU's case review round's own results (review.results), by PDU."""
    with django_db_blocker.unblock():
        rounds = ReviewRound.objects.filter(kind="case").select_related("pdu")
        return {round_.pdu.code: round_results(round_) for round_ in rounds}


def _gaps(results: RoundResults, group: str) -> list[GroupResult]:
    """The group's key questions whose share is significantly below White people's (the round's q < 0.05)."""
    return [
        r
        for r in results.rows
        if r.ethnic_group == group
        and r.comparison is not None
        and r.comparison.difference < 0
        and r.q_value is not None
        and r.q_value < 0.05
    ]


def test_a_declared_review_gap_is_found_by_its_pdus_round_and_no_other(
    service: Result, review_results: dict[str, RoundResults]
) -> None:
    """Issue 15's done-when at national scale: the declared quality gap is in the truth, the round of its PDU
    finds it on most key questions (the round's own estimates and Benjamini-Hochberg; seed 1: all 12), its
    other groups show little, and no other PDU's round finds a gap for the group on as many key questions.

    Other rounds do find some: quality falls with the practitioner's capacity, and where a group's cases happen
    to sit with overloaded practitioners its share is truly lower in that PDU (seed 1: up to 8 key questions in
    one PDU, mostly from groups of a few cases, which the round compares without a minimum). That is the
    finding the issue asks to be read against workload, not a false discovery, so the test asks that the
    declared PDU stands out rather than that nothing else is seen."""
    pdu, group, multiplier = REVIEW_GAP
    truth = service.truth["measures"]["review_sufficient"]["pdus"][pdu]
    assert truth[group]["declared_multiplier"] == multiplier and truth[group]["effect"] < 0.5
    assert len(review_results) > 50, "a case round in most PDUs"
    rows = review_results[pdu].rows
    found = _gaps(review_results[pdu], group)
    elsewhere = {code: len(_gaps(r, group)) for code, r in review_results.items() if code != pdu}
    most = max(elsewhere, key=lambda code: elsewhere[code])
    print(f"\n{pdu} {group}: {len(found)} of 12 key questions below White people at q < 0.05")
    print(
        f"elsewhere at most {elsewhere[most]} ({most}); {sum(elsewhere.values())} in {len(elsewhere)} rounds"
    )
    assert len(found) >= 9, [(r.key_question, r.q_value) for r in rows if r.ethnic_group == group]
    assert all(
        r.comparison is not None and r.comparison.difference < 0 for r in rows if r.ethnic_group == group
    )
    assert len([r for g in ("asian", "mixed", "other") for r in _gaps(review_results[pdu], g)]) <= 3
    assert elsewhere[most] < len(found)
    assert sum(n >= 9 for n in elsewhere.values()) == 0


def test_the_declared_review_gap_is_flagged_in_the_equality_catalogue(analysis: Analysis) -> None:
    """The same rounds through the equality catalogue (review's registered measures, a comparison needing 10
    cases reviewed in each group, the engine's flag): the gap is flagged for the group in its PDU on most key
    questions (seed 1: 11 of 12), more than for any other group in any other PDU (seed 1: at most 7, Asian
    people in GM01, where workload explains it: see the test above)."""
    pdu, group, _ = REVIEW_GAP
    sampled = analysis.sampled
    here = sampled[(sampled["level"] == "pdu") & (sampled["unit"] == pdu) & (sampled["group"] == group)]
    print(f"\n{here[['measure', 'cases', 'share', 'difference', 'ratio', 'q_value', 'flagged']].to_string()}")
    case = here[here["measure"].str.fullmatch(r"review:C\d+")]
    assert len(case) == 12
    flagged = int(case["flagged"].sum())
    assert flagged >= 9
    assert (case["difference"] < 0).all()
    others = sampled[(sampled["level"] == "pdu") & (sampled["unit"] != pdu) & sampled["flagged"].astype(bool)]
    per_unit = others.groupby(["unit", "group"]).size()
    print(per_unit[per_unit > 1].to_string())
    assert per_unit.empty or per_unit.max() < flagged
