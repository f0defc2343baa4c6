"""The diversity conversation: each topic discussed, declined, or not yet discussed (with the reason), in the
person's words; what the person self-identifies goes to their diversity profile through its own service."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.services import SHORT_TEXT, TEXT, plain_text
from evenhand.org.models import StaffMember
from evenhand.people.access import ensure_can_record
from evenhand.people.models import VALUES_OF, IdentifiedBy
from evenhand.people.selectors import entries_in_force
from evenhand.people.services import NOT_RECORDED, record_diversity_value

from ..models import CHARACTERISTIC_OF_TOPIC, Assessment, DiversityTopic, Topic, TopicStatus
from .assessments import _open, _recount


@dataclass(frozen=True)
class TopicAnswer:
    """What the practitioner records of one topic."""

    status: str
    not_yet_reason: str = ""
    in_their_words: str = ""
    bearing_on_plan: str = ""
    # For ethnicity, religion and gender identity: the value the person gives, and their own words.
    identified_value: str = ""
    identified_detail: str = ""


def identity_choices(topic: str) -> list[tuple[str, str]]:
    """The values a person may self-identify for a topic that is a characteristic of the profile (none
    for the others); "not recorded" is no one's answer."""
    characteristic = CHARACTERISTIC_OF_TOPIC.get(topic)
    if characteristic is None:
        return []
    values = VALUES_OF[characteristic]
    return [(v, label) for v, label in values.choices if v != NOT_RECORDED[characteristic]]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _checked(topic: Topic, answer: TopicAnswer) -> tuple[TopicAnswer, dict[str, list[str]]]:
    """One topic's answer cleaned, and its problems by form field (``<topic>-<field>``)."""
    errors: dict[str, list[str]] = {}
    name = _lower(topic.label)

    def text(value: str, field: str, what: str, kind=TEXT) -> str:  # type: ignore[no-untyped-def]
        try:
            return plain_text(value, field, what, kind=kind)
        except ValidationError as error:
            errors.setdefault(f"{topic.value}-{field}", []).extend(error.messages)
            return ""

    reason = text(answer.not_yet_reason, "not_yet_reason", "the reason", kind=SHORT_TEXT)
    words = text(answer.in_their_words, "in_their_words", "what the person said")
    bearing = text(answer.bearing_on_plan, "bearing_on_plan", "how it bears on the plan")
    detail = text(answer.identified_detail, "identified_detail", "the person's own words", kind=SHORT_TEXT)
    if answer.status not in TopicStatus.values:
        errors.setdefault(f"{topic.value}-status", []).append(f"Select whether {name} was discussed")
    elif answer.status == TopicStatus.DISCUSSED and not words:
        errors.setdefault(f"{topic.value}-in_their_words", []).append(
            f"Enter what the person said about {name}, in their words"
        )
    value = answer.identified_value or ""
    if value:
        allowed = {v for v, _ in identity_choices(topic)}
        if value not in allowed:
            errors.setdefault(f"{topic.value}-identified_value", []).append(
                f"Select how the person identifies ({name}) from the list"
            )
        elif answer.status != TopicStatus.DISCUSSED:
            errors.setdefault(f"{topic.value}-identified_value", []).append(
                "Only what the person said in a conversation that was held can go to their profile"
            )
    cleaned = TopicAnswer(
        status=answer.status,
        not_yet_reason=reason if answer.status == TopicStatus.NOT_YET else "",
        in_their_words=words if answer.status == TopicStatus.DISCUSSED else "",
        bearing_on_plan=bearing,
        identified_value=value,
        identified_detail=detail,
    )
    return cleaned, errors


@transaction.atomic
def save_conversation(
    *, by: StaffMember, assessment: Assessment, answers: Mapping[str, TopicAnswer]
) -> list[DiversityTopic]:
    """Save the topics given (save as you go: any of the eight, each whole). A topic not yet discussed may be
    saved without a reason; the assessment cannot be completed so. What the person self-identifies for
    ethnicity, religion or gender identity is recorded in their diversity profile by its own service
    (identified by the person, today), when it differs from what is in force. All or nothing."""
    assessment = _open(assessment)
    person = assessment.person
    ensure_can_record(by, person)
    errors: dict[str, list[str]] = {}
    cleaned: dict[Topic, TopicAnswer] = {}
    for key, answer in answers.items():
        if key not in Topic.values:
            errors.setdefault("__all__", []).append(f"There is no topic called {key!r}")
            continue
        cleaned[Topic(key)], problems = _checked(Topic(key), answer)
        errors.update(problems)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    in_force = entries_in_force(person, today)
    saved = []
    for topic, answer in cleaned.items():
        row = DiversityTopic.objects.filter(assessment=assessment, topic=topic).first()
        if row is None:
            row = DiversityTopic(assessment=assessment, topic=topic)
        before = (row.status, row.not_yet_reason, row.in_their_words, row.bearing_on_plan)
        row.status = answer.status
        row.not_yet_reason = answer.not_yet_reason
        row.in_their_words = answer.in_their_words
        row.bearing_on_plan = answer.bearing_on_plan
        if before != (row.status, row.not_yet_reason, row.in_their_words, row.bearing_on_plan):
            row.carried = False
        characteristic = CHARACTERISTIC_OF_TOPIC.get(topic)
        if characteristic is not None and answer.identified_value:
            held = in_force.get(characteristic)
            unchanged = (
                held is not None
                and held.value == answer.identified_value
                and held.identified_by == IdentifiedBy.SELF
                and (held.detail or "") == answer.identified_detail
            )
            if not unchanged:
                try:
                    row.profile_entry = record_diversity_value(
                        by=by,
                        person=person,
                        characteristic=characteristic,
                        value=answer.identified_value,
                        identified_by=IdentifiedBy.SELF,
                        identified_on=today,
                        detail=answer.identified_detail,
                    )
                except ValidationError as error:
                    field = "identified_detail" if "detail" in getattr(error, "error_dict", {}) else ""
                    raise ValidationError(
                        {f"{topic.value}-{field or 'identified_value'}": error.messages}
                    ) from error
        row.save()
        saved.append(row)
    _recount(assessment)
    return saved
