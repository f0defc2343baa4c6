"""The shared refusal of records kept as written (core.models.ImmutableModel), through two of its users."""

import pytest

from evenhand.core.models import RecordChangeError
from evenhand.review.models import ImmutableRoundReleaseError, RoundRelease
from evenhand.workforce.models import Declaration, ImmutableWorkforceRecordError


def test_an_unsaved_record_is_not_refused_and_a_saved_one_names_itself() -> None:
    release = RoundRelease()
    assert (
        release.refusal("changed")
        == "A published round report cannot be changed; it stays as it was published."
    )
    release.pk = 7
    with pytest.raises(ImmutableRoundReleaseError, match=r"^A published round report cannot be changed; "):
        release.save()
    with pytest.raises(ImmutableRoundReleaseError, match=r"^A published round report cannot be deleted; "):
        release.delete()


def test_each_app_keeps_its_own_error_under_the_shared_one() -> None:
    declaration = Declaration(pk=3)
    with pytest.raises(
        ImmutableWorkforceRecordError, match=r"^An equality declaration cannot be deleted; make a new"
    ):
        declaration.delete()
    assert issubclass(ImmutableRoundReleaseError, RecordChangeError)
    assert issubclass(ImmutableWorkforceRecordError, RecordChangeError)
