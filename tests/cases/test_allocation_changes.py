"""What the workload issue changed in cases: the allocation reasons (and the migration that maps old ones), the
capacity kept on an allocation, the grade rule as one function, and offence flags as an enumeration."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evenhand.cases.models import Allocation, Offence, OffenceFlag, needs_probation_officer
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("evenhand.cases.migrations.0002_allocation_reasons_and_capacity")


def test_old_reasons_map_to_the_new_list_and_back():
    old = ["new_sentence", "workload", "risk", "practitioner_left", "continuity", "transfer_in", "other"]
    allocations = [AllocationFactory(rationale="Agreed at the meeting.") for _ in old]
    for allocation, reason in zip(allocations, old, strict=True):
        Allocation.objects.filter(pk=allocation.pk).update(reason=reason)

    migration.forward(apps, None)
    after = [Allocation.objects.get(pk=a.pk) for a in allocations]
    assert [a.reason for a in after] == [
        "new_case",
        "caseload_adjustment",
        "tier_or_risk",
        "officer_left",
        "other",
        "transfer_in",
        "other",
    ]
    assert after[4].rationale == "Continuity with a previous practitioner. Agreed at the meeting."
    assert after[6].rationale == "Agreed at the meeting."

    migration.backward(apps, None)
    assert [Allocation.objects.get(pk=a.pk).reason for a in allocations] == old
    assert Allocation.objects.get(pk=allocations[4].pk).rationale == "Agreed at the meeting."


def test_capacity_is_kept_before_and_after_or_not_at_all():
    allocation = AllocationFactory()
    allocation.capacity_before = 87
    with pytest.raises(ValidationError):
        allocation.full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        allocation.save()
    allocation.capacity_after = 94
    allocation.full_clean()
    allocation.save()


@pytest.mark.parametrize(
    ("rosh", "mappa_level", "expected"),
    [
        ("L", None, False),
        ("M", None, False),
        ("H", None, True),
        ("V", None, True),
        ("L", 1, False),  # MAPPA level 1 is ordinary agency management: a PSO may hold it
        ("L", 2, True),
        ("M", 3, True),
        (None, None, False),
    ],
)
def test_the_grade_rule(rosh, mappa_level, expected):
    assert needs_probation_officer(rosh, mappa_level) is expected


def test_every_offence_flag_is_a_field_of_offence():
    assert all(
        Offence._meta.get_field(flag).get_internal_type() == "BooleanField" for flag in OffenceFlag.values
    )
    assert Offence(hate_crime=True, domestic_abuse=True).flags == ["Hate crime", "Domestic abuse"]
