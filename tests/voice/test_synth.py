"""The synthetic safe voice data: written through the services (encrypted, receipts hashed), with its
declared effects found again by the quarterly summary and the survey results at the generated scale."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from statsmodels.stats.proportion import proportions_ztest

from evenhand.org.models import Grade, Region
from evenhand.voice import selectors, summary, surveys, synth
from evenhand.voice.models import Concern, FairnessRating, Message, Status, SurveyResponse
from tests.factories import PDUFactory, RegionFactory, StaffMemberFactory, TeamFactory

from .helpers import PASSPHRASE, VoiceWorld

TODAY = dt.date(2026, 12, 3)
Q2, Q3 = summary.Quarter(2026, 2), summary.Quarter(2026, 3)
# The test's scale: one quarter, two kinds, every region given, three regions.
EFFECTS = synth.Effects(
    concerns_per_quarter=180, kinds={"racism": 0.7, "bullying": 0.3}, region_not_given=0.0
)


def _generate(world: VoiceWorld, effects: synth.Effects) -> synth.Generated:
    RegionFactory(code="RZZSYN", name="Synthetic south")
    return synth.generate_concerns(
        quarters=[Q2], handler=world.lead, passphrase=PASSPHRASE, effects=effects, today=TODAY
    )


def test_concerns_go_through_the_services_encrypted(world: VoiceWorld) -> None:
    generated = _generate(world, synth.Effects(concerns_per_quarter=12))
    assert generated.concerns == 12 == Concern.objects.count()
    assert generated.effect_region == world.region.code  # the first region by code
    concern = Concern.objects.filter(status=Status.CLOSED).first()
    assert concern is not None and concern.outcome is not None
    for ciphertext in (bytes(concern.content), bytes(concern.outcome)):
        assert b"colleague" not in ciphertext and b"looked into" not in ciphertext
    assert concern.receipt_hash.startswith("$argon2id$")
    assert not any(b"roughly" in bytes(body) for body in Message.objects.values_list("body", flat=True))
    # The handler reads them back with their key, as any concern.
    view = selectors.handler_view(
        staff=world.lead, reference=concern.reference, private_key=world.key(world.lead)
    )
    assert view.answers[0][2] in synth.WHAT_HAPPENED.values()
    assert view.outcome.startswith("We looked into")
    # Days from the schedule, in order; every concern received in April to June is closed by December.
    for row in Concern.objects.all():
        assert Q2.start <= row.received_on <= Q2.end
        assert row.acknowledged_on is not None and row.acknowledged_on > row.received_on
        assert row.closed_on is not None and row.acknowledged_on <= row.closed_on <= TODAY
    assert FairnessRating.objects.count() == generated.rated > 0


def test_the_summary_finds_the_declared_effect(world: VoiceWorld) -> None:
    """Racism concerns are upheld less often in the effect region: in the counts behind the summaries (a
    two-proportion test) and in what the summary publishes."""
    generated = _generate(world, EFFECTS)
    here = generated.effect_region
    assert here == world.region.code
    others = [r.code for r in Region.objects.exclude(code=here)]
    totals: dict[tuple[str, str], int] = {}
    for quarter in (Q2, Q3, Q3.next()):
        counts = summary.count_quarter(quarter).values
        for region in [here, *others]:
            for measure in ("closed", "upheld"):
                key = (measure, region)
                totals[key] = totals.get(key, 0) + counts[measure, "kind_region", f"racism|{region}"]
    closed_here, upheld_here = totals["closed", here], totals["upheld", here]
    closed_else = sum(totals["closed", r] for r in others)
    upheld_else = sum(totals["upheld", r] for r in others)
    assert closed_here >= 30 and closed_else >= 30
    rate_here, rate_else = upheld_here / closed_here, upheld_else / closed_else
    assert abs(rate_here - EFFECTS.racism_upheld_in_region) < 0.12
    assert abs(rate_else - EFFECTS.upheld) < 0.12
    _, p = proportions_ztest([upheld_here, upheld_else], [closed_here, closed_else])
    assert p < 0.01
    # The summary of July to September is protected and audited, and every figure it publishes for racism
    # by region is the count behind it. (At this scale the effect region's upheld count is under 10, so the
    # summary hides it, with enough else to keep it hidden: a national quarter shows it, the counts here.)
    built = summary.build(Q3)
    assert built.protection.audit.passed
    counts = built.counts.values
    codes = dict(Region.objects.values_list("name", "code"))
    for row in built.table("Table_4").rows:
        if row[0] == "Racism or other discrimination" and row[1] in codes:
            level = f"racism|{codes[row[1]]}"
            for figure, measure in ((row[2], "closed"), (row[3], "upheld")):
                assert figure == "[c]" or figure == counts[measure, "kind_region", level]


def test_the_survey_carries_its_declared_effect(world: VoiceWorld) -> None:
    region = world.region
    team = TeamFactory(code="TSYNV", pdu=PDUFactory(code="PSYNV", region=region))
    for _ in range(140):
        StaffMemberFactory(grade=Grade.PO, team=team)
    effects = synth.Effects(survey_responses=150, black_share=0.35)
    survey, answered = synth.generate_survey(
        title="Synthetic survey",
        opens_on=dt.date(2026, 9, 1),
        closes_on=dt.date(2026, 9, 30),
        effects=effects,
    )
    assert answered == SurveyResponse.objects.filter(survey=survey).count() >= 140
    rows = SurveyResponse.objects.filter(survey=survey)
    black = rows.filter(ethnic_group="black")
    others = rows.exclude(ethnic_group="black")
    agree_black = black.filter(safe_to_raise__gte=4).count()
    agree_others = others.filter(safe_to_raise__gte=4).count()
    assert agree_black / black.count() < agree_others / others.count()
    _, p = proportions_ztest([agree_black, agree_others], [black.count(), others.count()])
    assert p < 0.01
    results = surveys.survey_results(survey)
    assert results is not None and results.protection.audit.passed


def test_the_command_writes_the_ground_truth(world: VoiceWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    truth = tmp_path / "truth.json"
    out = io.StringIO()
    call_command(
        "voice_synth",
        "--handler",
        "VLEAD",
        "--passphrase",
        PASSPHRASE,
        "--quarters",
        "2026Q3",
        "--per-quarter",
        "5",
        "--survey-responses",
        "3",
        "--truth",
        str(truth),
        stdout=out,
    )
    assert "5 concerns" in out.getvalue() and Concern.objects.count() == 5
    declared = json.loads(truth.read_text())
    assert declared["racism_upheld_in_region"] < declared["upheld"] and declared["concerns_per_quarter"] == 5
    with pytest.raises(CommandError, match="passphrase"):
        call_command(
            "voice_synth", "--handler", "VLEAD", "--passphrase", "wrong", "--quarters", "2026Q3", stdout=out
        )
    with pytest.raises(CommandError, match="like 2026Q3"):
        call_command(
            "voice_synth", "--handler", "VLEAD", "--passphrase", PASSPHRASE, "--quarters", "Q3", stdout=out
        )
