"""Filling in an assessment through the services, for the tests of every layer."""

from evenhand.assessment import sections as S
from evenhand.assessment.models import Assessment, Topic, TopicStatus
from evenhand.assessment.services import TopicAnswer, save_conversation, save_section
from evenhand.org.models import StaffMember

# Answers that make accommodation a need (3 of 7), thinking and behaviour a severe need (7), nothing else.
NEEDS = {
    "accommodation": {"3.3": 2, "3.4": 1},
    "thinking": {"11.2": 2, "11.3": 1, "11.4": 2, "11.5": 1, "11.6": 1},
}


def every_section(by: StaffMember, assessment: Assessment, answers: dict | None = None) -> None:
    """Every section saved as complete: the needs above, no problems elsewhere."""
    answers = NEEDS if answers is None else answers
    for sec in S.SECTIONS:
        given = {item.code: answers.get(sec.key, {}).get(item.code, 0) for item in sec.items}
        save_section(
            by=by,
            assessment=assessment,
            section=sec.key,
            answers=given,
            analysis=f"Analysis of {sec.title.lower()}",
            linked_to_harm=sec.key == "thinking",
            linked_to_reoffending=sec.key in answers,
            complete=True,
        )


def every_topic(by: StaffMember, assessment: Assessment, **overrides: TopicAnswer) -> None:
    answers = {
        topic.value: TopicAnswer(status=TopicStatus.DISCUSSED, in_their_words=f"About {topic.value}")
        for topic in Topic
    }
    answers.update(overrides)
    save_conversation(by=by, assessment=assessment, answers=answers)
