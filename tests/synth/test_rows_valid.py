"""Every generated row passes the validation a row entered through the services would, and obeys their rules
(``tiny`` scale, every row)."""

import pytest
from django.apps import apps

from evenhand.synth.generator import Result

from . import checks

pytestmark = pytest.mark.django_db


def test_every_table_the_generator_reports_is_loaded_in_full(tiny: Result) -> None:
    counts = {
        model._meta.db_table: model._default_manager.count()
        for label in ("org", "people", "cases")
        for model in apps.get_app_config(label).get_models()
    }
    # The generator leaves empty the access lists, sentence extensions and corrections, which the demo and the services write; and corrections of details,
    # the CRN counter (the generator's CRNs are its own) and duplicate-check notes. The checks below see every
    # other kind.
    empty = {table for table, count in counts.items() if count == 0}
    assert empty == {
        "people_exclusion",
        "people_restriction",
        "people_personchange",
        "people_crncounter",
        "people_distinctpersonnote",
        "cases_sentenceextension",
        "cases_sentencecorrection",
    }
    assert {table: counts[table] for table in tiny.rows if table in counts} == {
        table: rows for table, rows in tiny.rows.items() if table in counts
    }


def test_every_row_passes_full_clean(tiny: Result) -> None:
    problems = checks.full_clean_all()
    assert problems == [], problems[:5]


@pytest.mark.parametrize("rule", list(checks.RULES))
def test_service_rules_hold(tiny: Result, rule: str) -> None:
    problems = checks.RULES[rule]()
    assert problems == [], problems[:5]
