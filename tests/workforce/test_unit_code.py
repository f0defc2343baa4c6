"""One reading of a unit typed by a user, for the publication (nothing typed is national; the code must
exist) and for the comparison page (nothing typed is the viewer's starting unit; the page checks the code)."""

import pytest

from evenhand.workforce.forms import ComparisonForm, PublishForm
from evenhand.workforce.publication import unit_code
from tests.factories import PDUFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(db):
    RegionFactory(code="RUC1")
    PDUFactory(code="PUC1")


@pytest.mark.parametrize("national_if_empty", [True, False])
@pytest.mark.parametrize("must_exist", [True, False])
@pytest.mark.parametrize("typed", ["national", " National ", "NATIONAL"])
def test_national_in_any_case_is_national_either_way(units, typed, national_if_empty, must_exist):
    assert unit_code(typed, national_if_empty=national_if_empty, must_exist=must_exist) == "national"


@pytest.mark.parametrize("typed", ["", "   "])
def test_nothing_typed_is_national_only_when_asked(units, typed):
    assert unit_code(typed, national_if_empty=True) == "national"
    assert unit_code(typed, national_if_empty=False, must_exist=False) == ""


def test_a_code_is_upper_case_and_checked_only_when_it_must_exist(units):
    assert unit_code(" puc1 ", national_if_empty=True) == "PUC1"
    assert unit_code("ruc1", national_if_empty=True) == "RUC1"
    with pytest.raises(ValueError, match="There is no region or PDU with the code 'NOWHERE'"):
        unit_code("nowhere", national_if_empty=True)
    assert unit_code("nowhere", national_if_empty=False, must_exist=False) == "NOWHERE"


@pytest.mark.parametrize(
    ("typed", "asked"), [("", "PUC1"), ("national", "national"), ("ruc1", "RUC1"), ("zz9", "ZZ9")]
)
def test_the_comparison_form_defaults_to_the_starting_unit_and_leaves_the_check_to_the_page(
    units, typed, asked
):
    form = ComparisonForm({"unit": typed}, start="PUC1")
    assert form.is_valid(), form.errors
    assert form.asked()["unit"] == asked


@pytest.mark.parametrize(("typed", "unit"), [("", "national"), ("National", "national"), ("puc1", "PUC1")])
def test_the_publish_form_reads_the_unit_as_the_publication_does(units, typed, unit):
    form = PublishForm({"period": "2025", "unit": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit"] == unit


def test_the_publish_form_refuses_a_unit_that_does_not_exist(units):
    form = PublishForm({"period": "2025", "unit": "nowhere"})
    assert not form.is_valid()
    assert form.errors["unit"] == [
        "There is no region or PDU with the code 'NOWHERE': give one, or 'national'"
    ]
