"""The declaration rule as a relation a reader knows: a breakdown shown means at least 60% of the unit's staff
declared, so the declared total is at least 0.6 of the staff; the auditor attacks with that (it can narrow a
suppressed count), and the workforce publication declares it for every characteristic it breaks down."""

import datetime as dt

import numpy as np
import pytest

from evenhand.disclosure import CellSystem, ranges
from evenhand.org.models import Grade
from evenhand.workforce import publication
from evenhand.workforce.models import Declaration, EventKind, HrEvent
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory


def lowest_group(with_rule: bool) -> float:
    """20 staff (published), 10 declared White (published) and 3 declared Black (suppressed), their 13 in
    all suppressed: from the tables alone the Black count is 1 to 10; knowing that at least 12 declared
    (60% of 20), at least 2."""
    system = CellSystem()
    system.cell(("unit",), 20)
    system.cell(("white",), 10)
    system.cell(("black",), 3)
    system.cell(("declared",), 13)
    system.add(("declared",), [("white",), ("black",)])
    system.at_most([("declared",)], [("unit",)])
    if with_rule:
        system.at_least_share(("declared",), ("unit",), 0.6)
    cells = system.freeze()
    known = np.array([key in {("unit",), ("white",)} for key in cells.keys])
    low, high, _ = ranges(cells, known, cells.values.astype(float))
    black = cells.index[("black",)]
    assert high[black] == pytest.approx(10)
    return float(low[black])


def test_the_rule_narrows_what_a_reader_can_work_out():
    assert lowest_group(with_rule=False) == pytest.approx(1)
    assert lowest_group(with_rule=True) == pytest.approx(2, abs=1e-6)


def test_a_count_exactly_at_the_share_keeps_the_relation():
    """3 of 5 is 60% exactly; 0.6 * 5 is 3.0000000000000004 in floating point, which must not break it."""
    system = CellSystem()
    system.cell(("unit",), 5)
    system.cell(("declared",), 3)
    system.at_least_share(("declared",), ("unit",), 0.6)
    system.freeze()
    system.cell(("short",), 2)
    system.at_least_share(("short",), ("unit",), 0.6)
    with pytest.raises(ValueError, match="break 1 of the relations"):
        system.freeze()
    with pytest.raises(ValueError, match="a share is from 0 to 1"):
        system.at_least_share(("declared",), ("unit",), 1.5)


@pytest.mark.django_db
def test_the_publication_declares_the_rule_for_each_breakdown_it_shows():
    """PDU PWDR: 24 White and 6 Black staff declare their ethnicity, none their sex (withheld)."""
    team = TeamFactory(pdu=PDUFactory(code="PWDR"))
    joined = dt.date(2020, 1, 1)
    for ethnicity, count in (("W1", 24), ("B1", 6)):
        people = StaffMemberFactory.create_batch(count, grade=Grade.PSO, team=team, start_date=joined)
        Declaration.objects.bulk_create(
            Declaration(
                staff=p,
                characteristic="ethnicity",
                value=ethnicity,
                declared_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            )
            for p in people
        )
        HrEvent.objects.bulk_create(
            HrEvent(staff=p, kind=EventKind.JOINED, occurred_on=joined, grade=Grade.PSO, route="direct")
            for p in people
        )
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, team=None)
    built = publication.build(publication.PublicationPeriod.parse("2025"), by=hr, unit="PWDR")
    cells = built.protection.cells
    names = list(cells.names)
    assert "ethnic_group: the declaration rule" in names and "sex: the declaration rule" not in names
    row = cells.inequalities[[names.index("ethnic_group: the declaration rule") - cells.equalities.shape[0]]]
    weights = dict(zip(row.indices, row.data, strict=True))
    assert weights[cells.index[("ethnic_group", "staff", publication.DECLARED)]] == -1
    assert weights[cells.index[("unit", "staff")]] == pytest.approx(0.6)
    assert built.protection.audit.passed
