"""The service rules hold at ``pdu`` scale (2,200 people, about 50,000 contacts)."""

import pytest

from evenhand.synth.generator import Result

from . import checks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rule", [name for name in checks.RULES if name != "contact_window"])
def test_service_rules_hold(pdu: Result, rule: str) -> None:
    problems = checks.RULES[rule]()
    assert problems == [], problems[:5]


def test_every_contact_falls_inside_its_sentence(pdu: Result) -> None:
    problems = checks.contact_window_problems()
    assert problems == [], problems[:5]
