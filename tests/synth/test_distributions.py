"""Marginal distributions at ``pdu`` scale (2,200 people) against the targets in ``synth/params.py``.

Each share is checked to within four standard errors of a binomial share at this sample size,
4 * sqrt(p * (1 - p) / n): a correct generator fails one such check about once in 16,000 seeds, while an error in
a target of a few points (about 2.5 standard errors for the larger shares) is caught.
"""

import datetime as dt
import math
import statistics

import numpy as np
import pytest
from django.db.models import Count, Exists, OuterRef, QuerySet

from evenhand.cases.models import Sentence, SentenceType
from evenhand.people.models import DiversityProfile, EthnicGroup, Ethnicity, Person
from evenhand.synth import params
from evenhand.synth.generator import Result

pytestmark = pytest.mark.django_db


def assert_share(count: int, n: int, target: float) -> None:
    tolerance = 4 * math.sqrt(target * (1 - target) / n)
    share = count / n
    assert abs(share - target) <= tolerance, f"{share:.4f} vs target {target} ± {tolerance:.4f} (n={n})"


def test_the_pdu_scale_is_one_pdu_outside_london(pdu: Result) -> None:
    # The targets below are the "elsewhere" ones; this says why.
    assert pdu.region_codes == ["YH"] and len(pdu.pdu_codes) == 1
    assert Person.objects.count() == 2200


def test_sex(pdu: Result) -> None:
    assert_share(Person.objects.filter(sex="M").count(), Person.objects.count(), params.MALE_SHARE)


def test_ethnicity_not_recorded(pdu: Result) -> None:
    n = DiversityProfile.objects.count()
    assert_share(
        DiversityProfile.objects.filter(ethnicity=Ethnicity.NOT_RECORDED).count(),
        n,
        params.NOT_RECORDED_SHARE,
    )


def test_ethnicity_prefer_not_to_say(pdu: Result) -> None:
    n = DiversityProfile.objects.count()
    assert_share(
        DiversityProfile.objects.filter(ethnicity=Ethnicity.PREFER_NOT_TO_SAY).count(),
        n,
        params.PREFER_NOT_TO_SAY_SHARE,
    )


def test_ethnic_groups_among_people_with_ethnicity_recorded(pdu: Result) -> None:
    recorded = DiversityProfile.objects.exclude(
        ethnic_group__in=[EthnicGroup.NOT_RECORDED, EthnicGroup.PREFER_NOT_TO_SAY]
    )
    n = recorded.count()
    counts = dict(recorded.values_list("ethnic_group").annotate(n=Count("id")))
    for group, target in params.GROUP_SHARES["elsewhere"].items():
        assert_share(counts.get(group, 0), n, target)
    assert_share(counts[EthnicGroup.WHITE], n, 0.86)


def test_religion_and_disability_recorded_for_most(pdu: Result) -> None:
    n = DiversityProfile.objects.count()
    assert_share(
        DiversityProfile.objects.filter(religion="not_recorded").count(), n, params.RELIGION_NOT_RECORDED
    )
    assert_share(
        DiversityProfile.objects.filter(disability="not_recorded").count(),
        n,
        params.DISABILITY_SHARES["not_recorded"],
    )


def _current_sentences() -> QuerySet[Sentence]:
    """Each person's current sentence: the one no later sentence of theirs follows."""
    later = Sentence.objects.filter(person=OuterRef("person"), start_date__gt=OuterRef("start_date"))
    return Sentence.objects.exclude(Exists(later))


def test_sentence_types(pdu: Result) -> None:
    current = _current_sentences()
    n = current.count()
    assert n == Person.objects.count()
    counts = dict(current.values_list("type").annotate(n=Count("id")))
    assert set(counts) == set(params.SENTENCE_SHARES)
    for kind, target in params.SENTENCE_SHARES.items():
        assert_share(counts[kind], n, target)


def test_previous_sentences_and_custody_before_release(pdu: Result) -> None:
    people = Person.objects.count()
    after_custody = _current_sentences().filter(
        type__in=[SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION]
    )
    assert after_custody.filter(custody__isnull=True).count() == 0
    # Everyone on licence or PSS has their custody sentence; PSS people also the licence before it.
    custody = Sentence.objects.filter(type=SentenceType.CUSTODY, termination_reason="released").count()
    assert custody == after_custody.count()
    earlier_orders = Sentence.objects.filter(
        type__in=[SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER],
        termination_date__lt=pdu.end_date - dt.timedelta(days=365),
    ).count()
    # A share of the people had an earlier order (fewer than drawn: only those who were adults by then).
    assert (
        0.5 * params.PREVIOUS_SENTENCE_SHARE * people
        < earlier_orders
        <= params.PREVIOUS_SENTENCE_SHARE * people * 1.1
    )


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _expected_ages(size: int) -> np.ndarray:
    """Whole-year ages drawn straight from the documented model (18 + Gamma(2, 8), shifted by group, clipped
    to 18-80), with an independent random generator."""
    rng = np.random.default_rng(2024)
    shares = params.GROUP_SHARES["elsewhere"]
    group = rng.choice(list(shares), size=size, p=list(shares.values()))
    shift = np.array([params.AGE_SHIFT[g] for g in group])
    raw = params.AGE_MIN + rng.gamma(params.AGE_GAMMA_SHAPE, params.AGE_GAMMA_SCALE, size) + shift
    return np.clip(raw, params.AGE_MIN, params.AGE_MAX).astype(int)


def test_ages_are_adult_and_skewed_young(pdu: Result) -> None:
    ages = [_age(born, pdu.end_date) for born in Person.objects.values_list("date_of_birth", flat=True)]
    assert min(ages) >= params.AGE_MIN and max(ages) <= params.AGE_MAX
    expected = _expected_ages(400_000)
    target = float(np.median(expected))
    # The standard error of a sample median is about 1 / (2 f sqrt(n)), f the density at the median (here the
    # share of people in the median's year of age); half a year more for the rounding to whole years.
    density = float(np.mean(expected == int(target)))
    tolerance = 4 / (2 * density * math.sqrt(len(ages))) + 0.5
    assert abs(statistics.median(ages) - target) <= tolerance, (statistics.median(ages), target, tolerance)
    assert 29 <= target <= 33  # "median about 31" (params.py)
    assert statistics.mean(ages) > statistics.median(ages)  # a long tail of older people
