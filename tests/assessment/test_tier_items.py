"""The women's factors read from the latest completed assessment's items: an answer of 0 ("no") is not the factor
on either database (SQLite hands the JSON number back as a number, PostgreSQL as text)."""

import pytest

from evenhand.assessment.models import SectionAnswer
from evenhand.assessment.services.tiers import inputs_for
from evenhand.people.models import Sex
from tests.factories import AssessmentFactory, PersonFactory, SentenceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("answer", "factor"), [(0, False), (2, True)])
def test_parenting_and_temper_items_count_only_when_answered_yes(answer, factor):
    person = PersonFactory(sex=Sex.FEMALE)
    assessment = AssessmentFactory(sentence=SentenceFactory(person=person))
    # Written whole, as the generator writes a completed assessment (a row's save refuses a finished one).
    SectionAnswer.objects.bulk_create(
        [
            SectionAnswer(
                assessment=assessment,
                section="relationships",
                answers={"6.1": 0, "6.3": 0, "6.4": 0, "6.7": 0, "6.9": answer},
                score=0,
                severity="no_need",
                complete=True,
            ),
            SectionAnswer(
                assessment=assessment,
                section="thinking",
                answers={"11.2": 0, "11.3": 0, "11.4": answer // 2, "11.5": 0, "11.6": 0, "11.7": 0},
                score=answer // 2,
                severity="no_need",
                complete=True,
            ),
        ]
    )
    given = inputs_for(person)
    assert given.needs == {}
    assert (given.parenting_responsibilities, given.impulsivity_or_temper) == (factor, factor)
