"""Drawing a review round from the database: strata, probabilities, the seed, exclusions, bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.org.models import Grade
from evenhand.review.models import ReviewRound, RoundStatus, RoundStratum, SampledCase
from evenhand.review.population import months_before
from evenhand.review.services import confirm_round, discard_round, draw_round
from tests.factories import (
    StaffMemberFactory,
    today,
)


def _draw(unit: dict, **kwargs: object) -> ReviewRound:
    args = {
        "by": unit["head"],
        "pdu": unit["pdu"],
        "kind": "case",
        "period_start": today() - dt.timedelta(days=90),
        "period_end": today() - dt.timedelta(days=1),
        "sample_size": 14,
        "minimum_per_stratum": 2,
        "seed": 1234,
    }
    return draw_round(**{**args, **kwargs})  # type: ignore[arg-type]


def test_a_round_is_a_stratified_sample_with_its_probabilities(unit: dict) -> None:
    round_ = _draw(unit)
    assert round_.population == 24 and round_.status == RoundStatus.DRAWN
    strata = {(s.ethnic_group, s.tier_band): s for s in round_.strata_drawn.all()}
    assert len(strata) == 21  # every group by every band, the empty ones reported with a population of 0
    assert sum(s.population for s in strata.values()) == 24
    assert sum(s.sample for s in strata.values()) == 14
    assert strata[("mixed", "none")].population == 0 and strata[("mixed", "a_b")].sample == 1
    assert strata[("white", "a_b")].population == 5 and strata[("white", "none")].population == 9
    # The small groups reach the minimum (or all they have).
    assert strata[("asian", "none")].sample == 2 and strata[("black", "a_b")].sample == 2
    sampled = list(round_.sampled.select_related("stratum"))
    assert len(sampled) == 14 and sum(s.double_marked for s in sampled) == 1
    for case in sampled:
        assert case.inclusion_probability == pytest.approx(case.stratum.sample / case.stratum.population)
    # Who holds each case comes with it (half the cases have an allocation).
    assert any(case.practitioner_id for case in sampled)


def test_the_same_seed_draws_the_same_sample(unit: dict) -> None:
    first = _draw(unit)
    again = _draw(unit)
    other = _draw(unit, seed=99)
    ids = [set(r.sampled.values_list("subject_id", flat=True)) for r in (first, again, other)]
    assert ids[0] == ids[1] != ids[2]
    assert _draw(unit, seed=None).seed >= 0  # a seed is always recorded


def test_cases_reviewed_recently_are_left_out(unit: dict) -> None:
    first = confirm_round(by=unit["head"], round_id=_draw(unit, sample_size=12).pk)
    reviewed = set(first.sampled.values_list("person_id", flat=True))
    second = _draw(unit, sample_size=6, minimum_per_stratum=1)
    assert second.population == 12
    assert not reviewed & set(second.sampled.values_list("person_id", flat=True))
    later = _draw(unit, sample_size=6, minimum_per_stratum=1, period_start=today() - dt.timedelta(days=30))
    assert later.population == 12


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sample_size": 25}, "larger than the population of 24"),
        ({"sample_size": 11}, "cannot give each group its minimum of 2: that needs 12"),
        ({"period_end": today() + dt.timedelta(days=1)}, "cannot end in the future"),
        ({"period_start": today(), "period_end": today() - dt.timedelta(days=2)}, "end on or after"),
        ({"kind": "everything"}, "Choose what the round reviews"),
        ({"seed": -1}, "A seed is a whole number"),
        ({"double_mark_share": Decimal("1.5")}, "between 0 and 1"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(unit: dict, kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        _draw(unit, **kwargs)
    assert not ReviewRound.objects.exists() and not RoundStratum.objects.exists()


def test_only_the_head_of_the_pdu_runs_its_rounds(unit: dict) -> None:
    with pytest.raises(PermissionDenied):
        _draw(unit, by=StaffMemberFactory(grade=Grade.SPO, pdu=unit["pdu"]))
    with pytest.raises(PermissionDenied):
        _draw(unit, by=StaffMemberFactory(grade=Grade.HEAD_OF_PDU))
    round_ = _draw(unit)
    discard_round(by=unit["head"], round_id=round_.pk)
    with pytest.raises(ValidationError, match="already discarded"):
        confirm_round(by=unit["head"], round_id=round_.pk)
    assert not SampledCase.objects.filter(round__status=RoundStatus.CONFIRMED).exists()


def test_a_round_of_allocations(unit: dict) -> None:
    round_ = _draw(
        unit,
        kind="allocation",
        sample_size=4,
        minimum_per_stratum=1,
        strata="ethnic_group",
        period_end=today(),
    )
    assert round_.population == 13  # the allocations made in the period (every other person)
    assert round_.strata_drawn.count() == 7
    assert all(case.practitioner_id for case in round_.sampled.all())  # the SPO who allocated


def test_months_before() -> None:
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)
    assert months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)


def test_each_sampled_case_carries_its_workload_context(unit: dict) -> None:
    from evenhand.workload.services.weighting import ensure_published_weightings

    ensure_published_weightings()
    round_ = _draw(unit)
    held = [c for c in round_.sampled.all() if c.practitioner_id]
    assert held and all(c.capacity is not None and c.grade == "PO" for c in held)
    # The factory's practitioners started three years before today.
    assert all(34 <= c.months_in_post <= 37 for c in held)
    assert all(c.judged_on == round_.period_end for c in round_.sampled.all())
    unheld = [c for c in round_.sampled.all() if not c.practitioner_id]
    assert all(c.capacity is None and c.grade == "" for c in unheld)
