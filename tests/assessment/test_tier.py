"""The tier calculation (version 2) against hand-worked cases: every band edge, RSR against RoSH, MAPPA, the
complexity factors, the women's factors, no mandate for change and no assessment, and the inputs it refuses."""

from decimal import Decimal

import pytest

from evenhand.assessment.sections import Severity
from evenhand.assessment.tier import TierInputError, TierInputs, calculate, mandate_for_change
from evenhand.cases.models import SentenceType

NO_NEEDS: dict[str, str] = {}


def tier(**inputs) -> str:
    inputs.setdefault("needs", NO_NEEDS)
    return calculate(TierInputs(**inputs)).tier


def protect_points(**inputs) -> int:
    inputs.setdefault("needs", NO_NEEDS)
    return calculate(TierInputs(**inputs)).protect_points


class TestProtectBands:
    # Hand-worked: the points each combination scores and the band it falls in.
    @pytest.mark.parametrize(
        ("inputs", "points", "letter"),
        [
            # A at 150: very high RoSH, or MAPPA level 2 or 3, alone
            ({"rosh": "V"}, 150, "A"),
            ({"mappa_level": 2}, 150, "A"),
            ({"rosh": "H", "mappa_level": 1, "registrations": ("mental_health", "self_harm")}, 29, "B"),
            # 19 / 20
            ({"rosh": "H"}, 20, "B"),
            ({"rosh": "M", "mappa_level": 1, "registrations": ("mental_health", "self_harm")}, 19, "C"),
            ({"rsr": Decimal("7")}, 20, "B"),
            (
                {"rsr": Decimal("6.99"), "mappa_level": 1, "registrations": ("terrorism", "street_gangs")},
                19,
                "C",
            ),
            # 9 / 10
            ({"rosh": "M"}, 10, "C"),
            ({"rsr": Decimal("3")}, 10, "C"),
            (
                {
                    "rsr": Decimal("2.99"),
                    "mappa_level": 1,
                    "registrations": ("vulnerability", "adult_at_risk"),
                },
                9,
                "D",
            ),
            ({"rosh": "L"}, 0, "D"),
            ({}, 0, "D"),
        ],
    )
    def test_points_and_band(self, inputs, points, letter):
        result = calculate(TierInputs(needs=NO_NEEDS, **inputs))
        assert (result.protect_points, result.protect) == (points, letter)

    def test_149_is_b_and_150_is_a(self):
        # Without very high RoSH or MAPPA 2 or 3 the most a person can score is 20 (high RoSH) + 5 (MAPPA 1)
        # + 20 (ten complexity factors) + 6 (three women's factors) = 51: B. No inputs reach 149 exactly, so the
        # boundary itself is checked on the band table.
        all_factors = (
            "mental_health",
            "self_harm",
            "vulnerability",
            "child_concerns",
            "child_protection",
            "risk_to_children",
            "public_interest",
            "adult_at_risk",
            "street_gangs",
            "terrorism",
        )
        most = calculate(
            TierInputs(
                rosh="H",
                mappa_level=1,
                registrations=all_factors,
                female=True,
                parenting_responsibilities=True,
                impulsivity_or_temper=True,
                previous_breach_or_recall=True,
                needs=NO_NEEDS,
            )
        )
        assert (most.protect_points, most.protect) == (20 + 5 + 20 + 6, "B")
        assert calculate(TierInputs(rosh="V", needs=NO_NEEDS)).protect == "A"
        from evenhand.assessment import tier as module

        band = lambda p: next(letter for letter, floor in module.PROTECT_BANDS if p >= floor)  # noqa: E731
        assert [band(p) for p in (149, 150, 19, 20, 9, 10)] == ["B", "A", "C", "B", "D", "C"]

    def test_only_the_higher_of_rsr_and_rosh_counts(self):
        assert protect_points(rsr=Decimal("8"), rosh="M") == 20  # RSR 20 beats RoSH 10
        assert protect_points(rsr=Decimal("8"), rosh="V") == 150  # RoSH 150 beats RSR 20
        result = calculate(TierInputs(rsr=Decimal("4"), rosh="H", needs=NO_NEEDS))
        counted = {line.label.split(":")[0]: line.counted for line in result.lines if line.level == "protect"}
        assert counted == {"Risk of serious harm": True, "RSR": False}
        assert result.protect_points == 20

    def test_registrations_that_are_not_complexity_factors_score_nothing_and_a_duplicate_counts_once(self):
        assert protect_points(registrations=("domestic_abuse", "hate_crime", "mappa")) == 0
        assert protect_points(registrations=("mental_health", "mental_health")) == 2

    def test_womens_factors_count_only_for_women(self):
        factors = {
            "parenting_responsibilities": True,
            "impulsivity_or_temper": True,
            "previous_breach_or_recall": True,
        }
        assert protect_points(female=True, **factors) == 6
        assert protect_points(female=False, **factors) == 0
        assert protect_points(female=True, rosh="M", parenting_responsibilities=True) == 12


class TestChangeLevel:
    def test_no_mandate_for_change_is_0_whatever_the_needs(self):
        severe = {"thinking": Severity.SEVERE, "attitudes": Severity.SEVERE}
        result = calculate(TierInputs(rosh="H", needs=severe, ogrs=90, mandate_for_change=False))
        assert (result.tier, result.change_points) == ("B0", None)

    def test_no_assessment_is_2(self):
        result = calculate(TierInputs(rosh="M", needs=None))
        assert (result.tier, result.change_points) == ("C2", None)
        assert "No assessment" in result.change_reason

    @pytest.mark.parametrize(
        ("needs", "ogrs", "iom", "points", "level"),
        [
            ({}, None, False, 0, 1),
            # 9 / 10: thinking severe (2 x 2 = 4) + attitudes standard (2) + accommodation severe (2) + ETE (1) = 9
            (
                {"thinking": "severe", "attitudes": "standard", "accommodation": "severe", "ete": "standard"},
                None,
                False,
                9,
                1,
            ),
            (
                {"thinking": "severe", "attitudes": "standard", "accommodation": "severe", "ete": "standard"},
                10,
                False,
                10,
                2,
            ),
            # 19 / 20: OGRS 99 → 9 points (whole points) + needs 8 + IOM 2 = 19; with OGRS 100 → 20
            ({"thinking": "severe", "attitudes": "severe"}, 99, True, 19, 2),
            ({"thinking": "severe", "attitudes": "severe"}, 100, True, 20, 3),
            # Finance and wellbeing weigh 0; a need that is not a need scores 0.
            ({"finance": "unscored", "wellbeing": "unscored", "drugs": "no_need"}, None, False, 0, 1),
        ],
    )
    def test_points_and_band(self, needs, ogrs, iom, points, level):
        result = calculate(TierInputs(needs=needs, ogrs=ogrs, iom_nominal=iom))
        assert (result.change_points, result.change) == (points, level)

    def test_ogrs_divides_to_whole_points(self):
        assert calculate(TierInputs(needs={}, ogrs=19)).change_points == 1
        assert calculate(TierInputs(needs={}, ogrs=0)).change_points == 0


class TestMandateForChange:
    def test_custody_or_licence_gives_a_mandate(self):
        assert mandate_for_change([(SentenceType.CUSTODY, [])])
        assert mandate_for_change([(SentenceType.LICENCE, [])])
        assert mandate_for_change([(SentenceType.POST_SENTENCE_SUPERVISION, [])])

    def test_only_restrictive_requirements_or_unpaid_work_give_none(self):
        assert not mandate_for_change(
            [(SentenceType.COMMUNITY_ORDER, ["curfew", "unpaid_work", "exclusion"])]
        )
        assert not mandate_for_change([(SentenceType.SUSPENDED_SENTENCE_ORDER, ["residence"])])
        assert not mandate_for_change([(SentenceType.COMMUNITY_ORDER, [])])
        assert not mandate_for_change([])

    def test_a_rehabilitative_requirement_gives_a_mandate(self):
        assert mandate_for_change(
            [(SentenceType.COMMUNITY_ORDER, ["curfew"]), (SentenceType.SUSPENDED_SENTENCE_ORDER, ["rar"])]
        )
        assert mandate_for_change([(SentenceType.COMMUNITY_ORDER, ["drug_treatment"])])


class TestRefusedInputs:
    @pytest.mark.parametrize(
        ("inputs", "field"),
        [
            ({"registrations": ("witchcraft",)}, "registrations"),
            ({"rsr": Decimal("100.01")}, "rsr"),
            ({"rsr": Decimal("-1")}, "rsr"),
            ({"ogrs": 101}, "ogrs"),
            ({"rosh": "X"}, "rosh"),
            ({"mappa_level": 4}, "mappa_level"),
            ({"needs": {"astrology": "severe"}}, "needs"),
            ({"needs": {"drugs": "awful"}}, "needs"),
        ],
    )
    def test_refused_naming_the_input(self, inputs, field):
        inputs.setdefault("needs", NO_NEEDS)
        with pytest.raises(TierInputError) as caught:
            calculate(TierInputs(**inputs))
        assert caught.value.field == field
        assert caught.value.message


def test_inputs_round_trip_through_their_stored_form():
    inputs = TierInputs(
        rosh="H",
        rsr=Decimal("6.5"),
        mappa_level=1,
        registrations=("self_harm",),
        needs={"drugs": "severe"},
        ogrs=45,
    )
    assert TierInputs.from_record(inputs.as_record()) == inputs
    assert calculate(TierInputs.from_record(inputs.as_record())).tier == calculate(inputs).tier == "B1"
