"""The synthetic workforce: declarations at realistic rates, HR histories the workforce rules accept and that
agree with the staff table, and a declared promotion effect that moves promotion for its group.

Most tests build the organisation and the workforce in memory (a few hundredths of a second, no database) at a
scale with every region; one loads the ``tiny`` service and checks the rows as the database holds them.
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from evenhand.org.models import StaffMember
from evenhand.synth import workforce
from evenhand.synth.bias import MEASURES, BiasSpec, load_bias
from evenhand.synth.caseload import Period, Truth
from evenhand.synth.generator import DEFAULT_END_DATE
from evenhand.synth.organisation import EPOCH, Organisation, build_organisation
from evenhand.synth.scales import Scale
from evenhand.synth.tables import Table
from evenhand.workforce.models import ApplicantProgress, Declaration, EventKind, HrEvent
from evenhand.workforce.rules import Event, check_fields, check_history

from .conftest import loaded

# Every region, about a sixth of the national service's staff.
WIDE = Scale("wide", regions=12, pdus=40, people=80_000)
PERIOD = Period(DEFAULT_END_DATE)


def build(
    seed: int = 1, bias: BiasSpec | None = None, scale: Scale = WIDE
) -> tuple[Organisation, Table, Table, Truth]:
    seeds = np.random.SeedSequence(seed).spawn(scale.pdus + 2)
    created = (PERIOD.start_day - 400) * 86_400
    org = build_organisation(
        scale, np.random.default_rng(seeds[0]), created, PERIOD.start_day, PERIOD.end_day
    )
    truth = Truth(scale.pdus)
    declarations, events, *_ = workforce.tables(
        org, PERIOD, bias or BiasSpec(), truth, np.random.default_rng(seeds[-1])
    )
    return org, declarations, events, truth


def day(text: str) -> int:
    return (dt.date.fromisoformat(text) - EPOCH).days


def histories(events: Table) -> dict[int, list[Event]]:
    """The generated rows as the rules' events, per staff member, in the order of their ids."""
    out: dict[int, list[Event]] = defaultdict(list)
    columns = events.columns
    nulls = events.nulls["days"]
    for i in range(len(events)):
        themes = tuple(json.loads(columns["exit_themes"][i]))
        out[int(columns["staff_id"][i])].append(
            Event(
                kind=columns["kind"][i],
                occurred_on=dt.date.fromisoformat(str(columns["occurred_on"][i])),
                grade=columns["grade"][i],
                route=columns["route"][i],
                pqip_stage=columns["pqip_stage"][i],
                grievance_kind=columns["grievance_kind"][i],
                outcome=columns["outcome"][i],
                days=None if nulls[i] else int(columns["days"][i]),
                investigator_grade=columns["investigator_grade"][i],
                course=columns["course"][i],
                leaving_reason=columns["leaving_reason"][i],
                exit_themes=themes,
                pk=int(columns["id"][i]),
            )
        )
    return out


def check_with_rules(staff_events: list[Event]) -> None:
    """Every event passes the field rules, and the whole history the ordering rules (the last event added to
    the others checks the history in full)."""
    for event in staff_events:
        check_fields(event, today=PERIOD.end)
    *standing, new = staff_events
    check_history(new, standing)


def test_the_same_seed_gives_the_same_workforce_and_another_seed_a_different_one() -> None:
    _, declarations, events, truth = build(1)
    _, declarations_again, events_again, truth_again = build(1)
    for first, second in ((declarations, declarations_again), (events, events_again)):
        assert list(first.columns) == list(second.columns)
        for name in first.columns:
            assert np.array_equal(np.asarray(first.columns[name]), np.asarray(second.columns[name])), name
    assert truth.sums.keys() == truth_again.sums.keys()
    assert all(np.array_equal(truth.sums[m], truth_again.sums[m]) for m in truth.sums)
    _, _, other, _ = build(2)
    assert len(other) != len(events) or list(other.columns["occurred_on"]) != list(
        events.columns["occurred_on"]
    )


def test_every_history_passes_the_workforce_rules() -> None:
    org, _, events, _ = build(1)
    by_staff = histories(events)
    assert set(by_staff) == set(org.staff_ids.tolist())  # everyone has a history
    for staff_events in by_staff.values():
        check_with_rules(staff_events)


def test_the_rules_would_refuse_a_broken_history() -> None:
    # The check above can fail: a history with its leaving moved before a later event is refused.
    _, _, events, _ = build(1)
    leaver = next(h for h in histories(events).values() if h[-1].kind == EventKind.LEFT and len(h) > 2)
    broken = [
        *leaver[:-1],
        Event(EventKind.LEFT, leaver[0].occurred_on, leaving_reason="other", pk=leaver[-1].pk),
    ]
    with pytest.raises(Exception, match="left"):
        check_with_rules([broken[0], broken[-1], *broken[1:-1]])


def test_joined_at_the_start_date_in_the_current_grade_or_promoted_into_it_and_left_on_the_end_date() -> None:
    org, _, events, _ = build(1)
    by_staff = histories(events)
    for k, staff_id in enumerate(org.staff_ids.tolist()):
        history = by_staff[staff_id]
        joined = history[0]
        assert joined.kind == EventKind.JOINED
        assert (joined.occurred_on - EPOCH).days == org.staff_start[k]
        graded = [e.grade for e in history if e.kind in (EventKind.JOINED, EventKind.PROMOTED)]
        assert graded[-1] == org.staff_grade[k]  # the permanent grade now is the staff table's
        left = [e for e in history if e.kind == EventKind.LEFT]
        if org.staff_end[k] >= 0:
            assert len(left) == 1 and (left[0].occurred_on - EPOCH).days == org.staff_end[k]
            assert left[0] is history[-1]
        else:
            assert left == []


def test_promotions_to_po_follow_a_completed_pqip_and_fill_spo_posts_from_po() -> None:
    org, _, events, _ = build(1)
    grade_of = dict(zip(org.staff_ids.tolist(), org.staff_grade.tolist(), strict=True))
    promotions = {"PO": 0, "SPO": 0}
    for staff_id, history in histories(events).items():
        for k, event in enumerate(history):
            if event.kind != EventKind.PROMOTED or event.grade not in promotions:
                continue
            promotions[event.grade] += 1
            assert grade_of[staff_id] == event.grade
            assert history[0].grade == {"PO": "PSO", "SPO": "PO"}[event.grade]
            if event.grade == "PO":
                assert history[k - 1].pqip_stage == "completed"
    assert promotions["PO"] > 50 and promotions["SPO"] > 20


def test_declaration_rates_and_the_shares_declared() -> None:
    org, declarations, _, _ = build(1)
    n = len(org.staff_ids)
    characteristic = np.asarray(declarations.columns["characteristic"])
    value = np.asarray(declarations.columns["value"])
    rate = {name: float((characteristic == name).sum()) / n for name in workforce.DECLARATION}
    assert 0.80 <= rate["ethnicity"] <= 0.92
    assert 0.55 <= rate["sexual_orientation"] <= 0.72
    assert 0.55 <= rate["religion"] <= 0.75
    assert rate["sexual_orientation"] < rate["ethnicity"] and rate["religion"] < rate["ethnicity"]
    # Preferring not to say is an answer, distinct from not declaring (no row at all).
    ethnicity = value[characteristic == "ethnicity"]
    assert 0.01 <= float((ethnicity == "PNS").mean()) <= 0.08
    stated = ethnicity[ethnicity != "PNS"]
    minority = float(np.mean([not code.startswith("W") for code in stated]))
    assert 0.12 <= minority <= 0.20
    sex = value[characteristic == "sex"]
    assert 0.64 <= float((sex == "F").sum() / (sex != "prefer_not_to_say").sum()) <= 0.76
    # Each staff member declares a characteristic at most once, on or after joining.
    pairs = list(zip(declarations.columns["staff_id"].tolist(), characteristic.tolist(), strict=True))
    assert len(set(pairs)) == len(pairs)
    start = dict(zip(org.staff_ids.tolist(), org.staff_start.tolist(), strict=True))
    declared_day = [day(str(t)[:10]) for t in declarations.columns["declared_at"]]
    assert all(d >= start[s] for d, (s, _) in zip(declared_day, pairs, strict=True))
    assert max(declared_day) <= PERIOD.end_day


def test_london_and_the_cities_have_more_minority_ethnic_staff() -> None:
    org, declarations, _, _ = build(1)
    region_of = {
        int(s): org.region_codes[org.pdu_region[p]] if p >= 0 else ""
        for s, p in zip(org.staff_ids, org.staff_pdu, strict=True)
    }
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for staff_id, name, value in zip(
        declarations.columns["staff_id"].tolist(),
        declarations.columns["characteristic"].tolist(),
        declarations.columns["value"].tolist(),
        strict=True,
    ):
        if name == "ethnicity" and value != "PNS":
            cell = counts[region_of[staff_id]]
            cell[0] += not value.startswith("W")
            cell[1] += 1
    share = {region: minority / total for region, (minority, total) in counts.items()}
    assert share["LN"] > 0.25 and share["LN"] > 2 * share["NE"]
    assert share["WM"] > share["SW"]


def _promotion_rates(events: Table, declarations: Table) -> dict[str, float]:
    declared = {
        s: v
        for s, c, v in zip(
            declarations.columns["staff_id"].tolist(),
            declarations.columns["characteristic"].tolist(),
            declarations.columns["value"].tolist(),
            strict=True,
        )
        if c == "ethnicity"
    }
    promoted = {
        s
        for s, k, d in zip(
            events.columns["staff_id"].tolist(),
            events.columns["kind"],
            events.columns["occurred_on"].tolist(),
            strict=True,
        )
        if k == EventKind.PROMOTED and day(d) >= PERIOD.start_day
    }
    groups: dict[str, list[int]] = {"minority": [0, 0], "white": [0, 0]}
    for s, value in declared.items():
        if value == "PNS":
            continue
        cell = groups["white" if value.startswith("W") else "minority"]
        cell[0] += s in promoted
        cell[1] += 1
    return {group: hits / n for group, (hits, n) in groups.items()}


def test_a_declared_promotion_effect_lowers_promotion_for_its_group_and_the_truth_records_it(
    bias_file: Callable[[str], Path],
) -> None:
    org, declarations, events, truth = build(1)
    path = bias_file(
        '[[effect]]\nmeasure = "promotion"\ngroup = "minority"\nunit = "national"\nmultiplier = 0.2\n'
    )
    bias = load_bias(path, regions=set(org.region_codes), pdus=set(org.pdu_codes))
    _, biased_declarations, biased_events, biased_truth = build(1, bias)
    plain, biased = (
        _promotion_rates(events, declarations),
        _promotion_rates(biased_events, biased_declarations),
    )
    assert biased["minority"] < 0.6 * plain["minority"]
    assert biased["white"] == pytest.approx(plain["white"], rel=0.15)
    assert biased["minority"] < biased["white"]
    # The truth: expected promotions with the bias over those without it is below 1 for the minority groups
    # (at the odds multiplier or nearer 1), exactly 1 for White staff.
    slots = {"black": 1, "asian": 0, "white": 6}
    sums = biased_truth.sums["promotion"].sum(axis=0)
    assert sums[slots["white"], 2] == pytest.approx(sums[slots["white"], 1])
    for group in ("asian", "black"):
        effect = sums[slots[group], 2] / sums[slots[group], 1]
        assert 0.2 <= effect < 0.25
    assert np.array_equal(truth.sums["promotion"][..., :2], biased_truth.sums["promotion"][..., :2])


def test_promotion_and_temporary_promotion_are_bias_measures() -> None:
    assert "promotion" in MEASURES and "temporary_promotion" in MEASURES


@pytest.mark.django_db
def test_the_loaded_rows_pass_the_rules_and_match_the_staff_table() -> None:
    with loaded(scale="tiny", seed=1) as result:
        assert result.rows["workforce_hrevent"] == HrEvent.objects.count() > 0
        assert result.rows["workforce_declaration"] == Declaration.objects.count() > 0
        assert result.rows["workforce_applicantprogress"] == ApplicantProgress.objects.count() > 0
        standing: dict[int, list[Event]] = defaultdict(list)
        for row in HrEvent.objects.order_by("staff_id", "occurred_on", "id"):
            values = {
                f: getattr(row, f) for f in ("grade", "route", "pqip_stage", "grievance_kind", "outcome")
            }
            values |= {f: getattr(row, f) for f in ("days", "investigator_grade", "course", "leaving_reason")}
            standing[row.staff_id].append(
                Event(row.kind, row.occurred_on, exit_themes=tuple(row.exit_themes), pk=row.pk, **values)
            )
        for member in StaffMember.objects.all():
            history = standing[member.pk]
            check_with_rules(history)
            assert history[0].kind == EventKind.JOINED and history[0].occurred_on == member.start_date
            left = [e.occurred_on for e in history if e.kind == EventKind.LEFT]
            assert left == ([member.end_date] if member.end_date else [])


def test_campaigns_have_applicants_whose_stages_are_in_order_and_narrow() -> None:
    org, *_ = build(1)
    campaigns, applicants, progress = workforce.WorkforceBuilder(
        org, PERIOD, BiasSpec(), Truth(WIDE.pdus), np.random.default_rng(3)
    ).recruitment()
    assert len(campaigns) == workforce.HISTORY_YEARS * (2 * len(org.region_codes) + 1)
    assert len(set(campaigns.columns["reference"])) == len(campaigns)
    opened = dict(zip(campaigns.columns["id"].tolist(), campaigns.columns["opened_on"].tolist(), strict=True))
    campaign_of = dict(
        zip(applicants.columns["id"].tolist(), applicants.columns["campaign_id"].tolist(), strict=True)
    )
    stages: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for applicant, stage, reached in zip(
        progress.columns["applicant_id"].tolist(),
        progress.columns["stage"].tolist(),
        progress.columns["reached_on"].tolist(),
        strict=True,
    ):
        stages[applicant].append((stage, reached))
    assert set(stages) <= set(campaign_of)
    order = ["applied", "sifted_in", "interviewed", "offered", "appointed"]
    reached_count = dict.fromkeys(order, 0)
    for applicant, reached in stages.items():
        names = [stage for stage, _ in reached]
        assert names == order[: len(names)]  # each stage after the one before, none skipped, none twice
        days = [when for _, when in reached]
        assert days == sorted(days) and days[0] >= opened[campaign_of[applicant]]
        assert day(days[-1]) <= PERIOD.end_day
        for name in names:
            reached_count[name] += 1
    counts = [reached_count[name] for name in order]
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0
    assert 0.3 <= reached_count["sifted_in"] / reached_count["applied"] <= 0.6
    # What applicants declared: most declared their ethnicity; some preferred not to say; the rest left it empty.
    ethnicity = np.asarray(applicants.columns["ethnicity"])
    assert 0.85 <= float((ethnicity != "").mean()) <= 0.97
    assert ((ethnicity == "PNS").sum() > 0) and set(applicants.columns["sex"]) <= {
        "F",
        "M",
        "prefer_not_to_say",
        "",
    }
    # Per campaign, applicants' references are unique.
    pairs = list(
        zip(applicants.columns["campaign_id"].tolist(), applicants.columns["reference"], strict=True)
    )
    assert len(set(pairs)) == len(pairs)


def _upheld_share(events: Table, declarations: Table, minority: bool) -> tuple[int, int]:
    declared = {
        s: v
        for s, c, v in zip(
            declarations.columns["staff_id"].tolist(),
            declarations.columns["characteristic"].tolist(),
            declarations.columns["value"].tolist(),
            strict=True,
        )
        if c == "ethnicity" and v != "PNS"
    }
    upheld = decided = 0
    for s, kind, outcome, occurred in zip(
        events.columns["staff_id"].tolist(),
        events.columns["kind"],
        events.columns["outcome"],
        events.columns["occurred_on"].tolist(),
        strict=True,
    ):
        if kind != EventKind.GRIEVANCE or outcome in ("", "withdrawn") or day(occurred) < PERIOD.start_day:
            continue
        if s not in declared or declared[s].startswith("W") == minority:
            continue
        decided += 1
        upheld += outcome in ("upheld", "partly_upheld")
    return upheld, decided


def test_a_declared_effect_on_upholding_grievances_changes_only_its_group(
    bias_file: Callable[[str], Path],
) -> None:
    scale = Scale("wider", regions=12, pdus=60, people=200_000)
    org, declarations, events, truth = build(1, scale=scale)
    path = bias_file(
        '[[effect]]\nmeasure = "grievance_upheld"\ngroup = "minority"\nunit = "national"\nmultiplier = 0.1\n'
    )
    bias = load_bias(path, regions=set(org.region_codes), pdus=set(org.pdu_codes))
    _, biased_declarations, biased_events, biased_truth = build(1, bias, scale=scale)
    plain_up, plain_n = _upheld_share(events, declarations, minority=True)
    biased_up, biased_n = _upheld_share(biased_events, biased_declarations, minority=True)
    # The same draws up to the decision, each made against the same uniform number: with the odds cut, a
    # minority ethnic staff member's grievance upheld with the bias was upheld without it, not the reverse.
    assert plain_n == biased_n >= 3
    assert biased_up < plain_up
    assert _upheld_share(events, declarations, False) == _upheld_share(
        biased_events, biased_declarations, False
    )
    sums = biased_truth.sums["grievance_upheld"].sum(axis=0)
    assert sums[6, 2] == pytest.approx(sums[6, 1])  # White staff: no effect
    assert sums[1, 2] / sums[1, 1] < 0.2  # Black staff: the odds multiplier on a 53% chance
    assert "grievance_upheld" in MEASURES and "grievance_upheld" in truth.sums


def _pqip_offers(events: Table, declarations: Table) -> dict[str, list[int]]:
    """Per group (minority, white): [offered, applied] among PQiP applications made in the period."""
    declared = {
        s: v
        for s, c, v in zip(
            declarations.columns["staff_id"].tolist(),
            declarations.columns["characteristic"].tolist(),
            declarations.columns["value"].tolist(),
            strict=True,
        )
        if c == "ethnicity" and v != "PNS"
    }
    out = {"minority": [0, 0], "white": [0, 0]}
    for s, stage, occurred in zip(
        events.columns["staff_id"].tolist(),
        events.columns["pqip_stage"],
        events.columns["occurred_on"].tolist(),
        strict=True,
    ):
        if s not in declared or stage not in ("applied", "offered") or day(occurred) < PERIOD.start_day:
            continue
        out["white" if declared[s].startswith("W") else "minority"][stage == "applied"] += 1
    return out


def test_psos_and_administrators_apply_for_pqip_and_a_declared_effect_cuts_offers_to_its_group(
    bias_file: Callable[[str], Path],
) -> None:
    org, declarations, events, _ = build(1)
    plain = _pqip_offers(events, declarations)
    assert plain["white"][1] >= 10 and 0.15 < plain["white"][0] / plain["white"][1] < 0.7
    path = bias_file(
        '[[effect]]\nmeasure = "pqip_offered"\ngroup = "minority"\nunit = "national"\nmultiplier = 0.1\n'
    )
    bias = load_bias(path, regions=set(org.region_codes), pdus=set(org.pdu_codes))
    _, biased_declarations, biased_events, biased_truth = build(1, bias)
    biased = _pqip_offers(biased_events, biased_declarations)
    assert biased["white"] == plain["white"]
    assert biased["minority"][1] == plain["minority"][1] and biased["minority"][0] < plain["minority"][0]
    sums = biased_truth.sums["pqip_offered"].sum(axis=0)
    assert sums[1, 2] / sums[1, 1] < 0.2 and sums[6, 2] == pytest.approx(sums[6, 1])
