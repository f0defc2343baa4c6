"""A completed assessment to plan from, through the services, for the sentence plan's tests of every layer."""

from evenhand.assessment.models import Assessment, TopicStatus
from evenhand.assessment.services import TopicAnswer, complete_assessment, start_assessment
from evenhand.org.models import StaffMember
from evenhand.people.models import Person
from tests.assessment.helpers import every_section, every_topic

DISCRIMINATION_WORDS = "Stopped by the police on the way to every appointment; does not trust the office"
BEARING = "Meet at the community centre; a mentor with lived experience"


def completed(by: StaffMember, person: Person) -> Assessment:
    """An initial assessment, complete: accommodation a need and thinking and behaviour a severe need; every
    topic of the diversity conversation discussed but religion, which the person declined."""
    assessment = start_assessment(by=by, person=person)
    every_section(by, assessment)
    every_topic(
        by,
        assessment,
        discrimination=TopicAnswer(
            status=TopicStatus.DISCUSSED, in_their_words=DISCRIMINATION_WORDS, bearing_on_plan=BEARING
        ),
        religion=TopicAnswer(status=TopicStatus.DECLINED),
    )
    return complete_assessment(by=by, assessment=assessment)
