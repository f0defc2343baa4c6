"""The assessment's services: sections, the diversity conversation, completion, countersignature, reviews,
immutability and the tier recomputed as a record."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.assessment.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    DiversityTopic,
    ImmutableAssessmentError,
    SectionAnswer,
    SectionSource,
    TierCalculation,
    Topic,
    TopicStatus,
)
from evenhand.assessment.services import (
    TopicAnswer,
    complete_assessment,
    confirm_no_change,
    countersign_assessment,
    record_predictors,
    save_conversation,
    save_section,
    start_assessment,
)
from evenhand.cases.models import RegistrationType, RequirementType, RoshLevel
from evenhand.cases.services import add_registration
from evenhand.org.models import Grade
from evenhand.people.models import (
    Characteristic,
    DiversityEntry,
    DiversityProfile,
    Ethnicity,
    IdentifiedBy,
)
from tests.assessment.helpers import every_section, every_topic
from tests.factories import (
    AllocationFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    # A rehabilitation activity requirement: a mandate for change (unpaid work alone would give none).
    sentence = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
    allocation = AllocationFactory(sentence=sentence)
    return sentence.person, allocation.practitioner


def completed(person, by):
    assessment = start_assessment(by=by, person=person)
    every_section(by, assessment)
    every_topic(by, assessment)
    record_predictors(by=by, assessment=assessment, ogrs=45, rsr="3.50")
    return complete_assessment(by=by, assessment=assessment)


def test_a_section_is_scored_and_its_need_worked_out(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    row = save_section(
        by=po,
        assessment=assessment,
        section="accommodation",
        answers={"3.3": 2, "3.4": 2, "3.5": 2, "3.6": 1},
        linked_to_harm=False,
        linked_to_reoffending=True,
        complete=True,
    )
    assert (row.score, row.severity) == (7, "severe")
    assert row.typed_fields == 6  # four items and the two links
    assessment.refresh_from_db()
    assert (assessment.typed_fields, assessment.prefilled_fields) == (6, 0)


@pytest.mark.parametrize(
    ("answers", "complete", "field"),
    [
        ({"3.4": 3}, False, "q3_4"),  # off the scale
        ({"3.3": 1}, False, "q3_3"),  # a yes/no item is 0 or 2
        ({"3.3": 2, "3.4": 1}, True, "q3_5"),  # required items missing
        ({"9.9": 1}, False, "q9_9"),  # no such item
    ],
)
def test_bad_answers_are_refused_on_the_item_and_nothing_is_written(case, answers, complete, field):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    with pytest.raises(ValidationError) as refused:
        save_section(
            by=po,
            assessment=assessment,
            section="accommodation",
            answers=answers,
            linked_to_harm=False,
            linked_to_reoffending=False,
            complete=complete,
        )
    assert field in refused.value.message_dict
    assert not SectionAnswer.objects.filter(assessment=assessment).exists()


def test_a_complete_section_needs_its_links_to_harm_and_reoffending(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    with pytest.raises(ValidationError) as refused:
        save_section(
            by=po,
            assessment=assessment,
            section="lifestyle",
            answers={"7.2": 0, "7.3": 0, "7.4": 0, "7.5": 0},
            complete=True,
        )
    assert "linked_to_harm" in refused.value.message_dict


@pytest.mark.parametrize(
    ("ogrs", "rsr", "field"),
    [
        (101, None, "ogrs"),
        (None, "-1", "rsr"),
        ("x", None, "ogrs"),
        (12.5, None, "ogrs"),
        (None, "100.01", "rsr"),
    ],
)
def test_predictors_outside_0_to_100_are_refused(case, ogrs, rsr, field):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    with pytest.raises(ValidationError) as refused:
        record_predictors(by=po, assessment=assessment, ogrs=ogrs, rsr=rsr)
    assert field in refused.value.message_dict
    assessment.refresh_from_db()
    assert assessment.ogrs is None and assessment.rsr is None


def test_completing_with_a_topic_not_yet_discussed_and_no_reason_is_refused(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    every_section(po, assessment)
    every_topic(po, assessment, discrimination=TopicAnswer(status=TopicStatus.NOT_YET))
    with pytest.raises(ValidationError) as refused:
        complete_assessment(by=po, assessment=assessment)
    assert list(refused.value.message_dict) == ["discrimination-not_yet_reason"]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.IN_PROGRESS
    # With the reason it completes.
    save_conversation(
        by=po,
        assessment=assessment,
        answers={"discrimination": TopicAnswer(status=TopicStatus.NOT_YET, not_yet_reason="In crisis today")},
    )
    assert complete_assessment(by=po, assessment=assessment).status == AssessmentStatus.COMPLETE


def test_completing_names_every_unfinished_section(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    every_topic(po, assessment)
    with pytest.raises(ValidationError) as refused:
        complete_assessment(by=po, assessment=assessment)
    assert {"accommodation", "offence_analysis", "health"} <= set(refused.value.message_dict)


def test_a_discussed_topic_needs_the_persons_words(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    with pytest.raises(ValidationError) as refused:
        save_conversation(
            by=po,
            assessment=assessment,
            answers={
                "culture": TopicAnswer(status=TopicStatus.DISCUSSED, in_their_words="Fine"),
                "religion": TopicAnswer(status=TopicStatus.DISCUSSED),
            },
        )
    assert list(refused.value.message_dict) == ["religion-in_their_words"]
    assert not DiversityTopic.objects.filter(assessment=assessment).exists()  # nothing half-written


def test_a_self_identified_ethnicity_updates_the_profile_with_provenance(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    save_conversation(
        by=po,
        assessment=assessment,
        answers={
            "ethnicity": TopicAnswer(
                status=TopicStatus.DISCUSSED,
                in_their_words="My dad is from Accra, my mum from Leeds",
                identified_value=Ethnicity.MIXED_WHITE_BLACK_AFRICAN,
            )
        },
    )
    profile = DiversityProfile.objects.get(person=person)
    assert profile.ethnicity == Ethnicity.MIXED_WHITE_BLACK_AFRICAN
    assert profile.ethnicity_identified_by == IdentifiedBy.SELF
    assert profile.ethnicity_identified_on == today()
    entry = DiversityEntry.objects.get(
        person=person, characteristic=Characteristic.ETHNICITY, carried_over=False
    )
    assert (entry.identified_by, entry.recorded_by) == (IdentifiedBy.SELF, po)
    assert DiversityTopic.objects.get(assessment=assessment, topic=Topic.ETHNICITY).profile_entry == entry
    # Saying it again adds no second row.
    save_conversation(
        by=po,
        assessment=assessment,
        answers={
            "ethnicity": TopicAnswer(
                status=TopicStatus.DISCUSSED,
                in_their_words="Same as I said",
                identified_value=Ethnicity.MIXED_WHITE_BLACK_AFRICAN,
            )
        },
    )
    assert (
        DiversityEntry.objects.filter(person=person, characteristic="ethnicity", carried_over=False).count()
        == 1
    )


def test_a_declined_topic_cannot_identify_anything(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    with pytest.raises(ValidationError) as refused:
        save_conversation(
            by=po,
            assessment=assessment,
            answers={"religion": TopicAnswer(status=TopicStatus.DECLINED, identified_value="muslim")},
        )
    assert "religion-identified_value" in refused.value.message_dict


def test_a_completed_assessment_is_immutable(case):
    person, po = case
    assessment = completed(person, po)
    assert assessment.status == AssessmentStatus.COMPLETE
    with pytest.raises(ValidationError):
        save_section(by=po, assessment=assessment, section="drugs", answers={"8.4": 1})
    with pytest.raises(ValidationError):
        record_predictors(by=po, assessment=assessment, ogrs=10)
    with pytest.raises(ValidationError):
        save_conversation(by=po, assessment=assessment, answers={"culture": TopicAnswer(status="declined")})
    # And the rows themselves refuse, whoever writes them.
    stored = Assessment.objects.get(pk=assessment.pk)
    stored.ogrs = 1
    with pytest.raises(ImmutableAssessmentError):
        stored.save()
    with pytest.raises(ImmutableAssessmentError):
        stored.delete()
    section = SectionAnswer.objects.filter(assessment=assessment).first()
    section.analysis = "changed"
    with pytest.raises(ImmutableAssessmentError):
        section.save()
    topic = DiversityTopic.objects.filter(assessment=assessment).first()
    with pytest.raises(ImmutableAssessmentError):
        topic.delete()
    assert Assessment.objects.get(pk=assessment.pk).ogrs == 45


def test_a_review_is_prefilled_from_the_last_assessment_and_shows_what_changed(case):
    person, po = case
    first = completed(person, po)
    review = start_assessment(by=po, person=person)
    assert (review.kind, review.previous) == (AssessmentKind.REVIEW, first)
    carried = {s.section: s for s in review.sections.all()}
    assert carried["accommodation"].answers == {"3.3": 2, "3.4": 1, "3.5": 0, "3.6": 0}
    assert carried["accommodation"].source == SectionSource.PREFILLED
    assert not carried["accommodation"].complete
    assert review.topics.count() == len(Topic)
    assert (review.ogrs, review.rsr) == (45, first.rsr)
    assert review.prefilled_fields > 0 and review.typed_fields == 0
    # "No change" in one action for a section; a change to another.
    row = confirm_no_change(by=po, assessment=review, section="accommodation")
    assert (row.complete, row.source, row.typed_fields) == (True, SectionSource.NO_CHANGE, 0)
    changed = save_section(
        by=po,
        assessment=review,
        section="drugs",
        answers={"8.4": 2, "8.5": 1, "8.6": 0, "8.8": 0, "8.9": 0},
        analysis="Analysis of drug misuse",
        linked_to_harm=False,
        linked_to_reoffending=True,
        complete=True,
    )
    assert changed.source == SectionSource.TYPED
    assert changed.typed_fields == 3  # 8.4, 8.5 and the link to reoffending changed
    review.refresh_from_db()
    assert review.typed_fields == 3


def test_completing_a_review_locks_the_one_before(case):
    person, po = case
    first = completed(person, po)
    review = start_assessment(by=po, person=person)
    for sec in review.sections.all():
        confirm_no_change(by=po, assessment=review, section=sec.section)
    complete_assessment(by=po, assessment=review)
    first.refresh_from_db()
    review.refresh_from_db()
    assert (first.status, review.status) == (AssessmentStatus.LOCKED, AssessmentStatus.COMPLETE)


def test_one_open_assessment_at_a_time(case):
    person, po = case
    start_assessment(by=po, person=person)
    with pytest.raises(ValidationError):
        start_assessment(by=po, person=person)
    # Another PDU's person is not theirs to assess.
    with pytest.raises(PermissionDenied):
        start_assessment(by=po, person=SentenceFactory().person)


def test_a_review_needs_a_completed_assessment(case):
    person, po = case
    with pytest.raises(ValidationError) as refused:
        start_assessment(by=po, person=person, kind=AssessmentKind.REVIEW)
    assert "kind" in refused.value.message_dict


def test_a_pso_on_a_high_rosh_case_waits_for_an_spo_who_is_not_themselves(case):
    person, _ = case
    pso = StaffMemberFactory(grade=Grade.PSO, pdu=person.pdu)
    RiskSummaryFactory(person=person, rosh=RoshLevel.HIGH)
    assessment = completed(person, pso)
    assert assessment.status == AssessmentStatus.AWAITING_COUNTERSIGNATURE
    assert not TierCalculation.objects.filter(person=person, assessment=assessment).exists()
    with pytest.raises(ValidationError):  # no changes while it waits
        record_predictors(by=pso, assessment=assessment, ogrs=1)
    with pytest.raises(PermissionDenied):
        countersign_assessment(by=pso, assessment=assessment)
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    signed = countersign_assessment(by=spo, assessment=assessment)
    assert (signed.status, signed.countersigned_by) == (AssessmentStatus.COMPLETE, spo)
    assert TierCalculation.objects.filter(person=person, assessment=assessment).exists()


def test_an_spo_cannot_countersign_their_own(case):
    person, _ = case
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu)
    assessment = start_assessment(by=spo, person=person)
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.AWAITING_COUNTERSIGNATURE)
    with pytest.raises(ValidationError) as refused:
        countersign_assessment(by=spo, assessment=assessment)
    assert "own" in str(refused.value)


def test_a_po_on_a_high_rosh_case_needs_no_countersignature(case):
    person, po = case
    RiskSummaryFactory(person=person, rosh=RoshLevel.VERY_HIGH)
    assert completed(person, po).status == AssessmentStatus.COMPLETE


def test_completing_stores_the_tier_with_its_working(case):
    person, po = case
    assessment = completed(person, po)
    stored = TierCalculation.objects.get(person=person)
    # RSR 3.5 gives 10 protect points (C); accommodation 1 + severe thinking 2x2 + OGRS 45//10 = 9: change 1.
    assert (stored.tier, stored.protect_points, stored.change_points) == ("C1", 10, 9)
    assert stored.assessment == assessment
    assert stored.inputs["needs"]["thinking"] == "severe"
    assert any(line["label"].startswith("Severe need: thinking") for line in stored.lines)


def test_unpaid_work_alone_gives_no_mandate_for_change():
    sentence = SentenceFactory(requirements=[{"type": RequirementType.UNPAID_WORK}])
    po = AllocationFactory(sentence=sentence).practitioner
    completed(sentence.person, po)
    stored = TierCalculation.objects.get(person=sentence.person)
    assert (stored.tier, stored.change_points) == ("C0", None)
    assert stored.inputs["mandate_for_change"] is False


def test_a_registration_added_changes_the_stored_tier_with_a_new_row(
    case, django_capture_on_commit_callbacks
):
    person, po = case
    completed(person, po)
    before = TierCalculation.objects.get(person=person)
    with django_capture_on_commit_callbacks(execute=True):
        add_registration(
            by=po,
            person=person,
            type=RegistrationType.MENTAL_HEALTH,
            start_date=today() - dt.timedelta(days=1),
            next_review_date=today() + dt.timedelta(days=90),
        )
    rows = list(TierCalculation.objects.filter(person=person).order_by("computed_at", "id"))
    assert len(rows) == 2 and rows[0] == before
    assert (rows[1].protect_points, rows[1].trigger) == (12, "registration_added")
    assert rows[1].inputs["registrations"] == ["mental_health"]
    # Nothing changed: no new row.
    from evenhand.assessment.services import recompute_tier

    assert recompute_tier(person=person, trigger="recompute") is None


def test_recomputing_everyone_stores_only_changes(case):
    from django.core.management import call_command

    from evenhand.assessment.services import recompute_all

    person, po = case
    completed(person, po)
    others = [SentenceFactory().person for _ in range(3)]
    report = recompute_all(block=2)
    assert (report.people, report.changed) == (4, 3)  # the assessed person's tier is already stored
    for other in others:
        # No assessment: change level 2; a community order with unpaid work only: no mandate, so 0.
        assert TierCalculation.objects.get(person=other).tier == "D0"
    assert recompute_all().changed == 0
    call_command("tier", "--recompute")
    assert TierCalculation.objects.count() == 4


def test_a_risk_review_and_an_ended_registration_each_store_a_new_tier(
    case, django_capture_on_commit_callbacks
):
    from evenhand.cases.models import ReviewReason, Tier, TierSource
    from evenhand.cases.services import end_registration, record_risk_review

    person, po = case
    completed(person, po)
    with django_capture_on_commit_callbacks(execute=True):
        record_risk_review(
            by=po,
            person=person,
            assessed_on=today(),
            rosh_children=RoshLevel.LOW,
            rosh_public=RoshLevel.VERY_HIGH,
            rosh_known_adult=RoshLevel.LOW,
            rosh_staff=RoshLevel.LOW,
            next_review_due=today() + dt.timedelta(days=90),
            review_reason=ReviewReason.SIGNIFICANT_CHANGE,
            tier=Tier.B2,
            tier_source=TierSource.PRACTITIONER,
            mappa_category=2,
            mappa_level=2,
        )
    latest = TierCalculation.objects.order_by("-computed_at", "-id").first()
    # Very high RoSH 150 (RSR 3.5 scores less, so not counted) + MAPPA level 2 150 = 300: A.
    assert (latest.tier, latest.protect_points, latest.trigger) == ("A1", 300, "risk_review")
    rsr_line = next(line for line in latest.lines if line["label"].startswith("RSR"))
    assert rsr_line["counted"] is False
    with django_capture_on_commit_callbacks(execute=True):
        registration = add_registration(
            by=po,
            person=person,
            type=RegistrationType.SELF_HARM,
            start_date=today() - dt.timedelta(days=5),
            next_review_date=today() + dt.timedelta(days=60),
        )
    with django_capture_on_commit_callbacks(execute=True):
        end_registration(by=po, registration=registration, end_date=today(), reason="No longer a concern")
    rows = list(TierCalculation.objects.filter(person=person).order_by("computed_at", "id"))
    assert [r.trigger for r in rows] == [
        "assessment",
        "risk_review",
        "registration_added",
        "registration_ended",
    ]
    assert rows[-1].protect_points == 300 and rows[-2].protect_points == 302


def test_the_womens_factors_are_read_from_the_assessment():
    from evenhand.people.models import Sex

    sentence = SentenceFactory(person__sex=Sex.FEMALE, requirements=[{"type": RequirementType.RAR}])
    po = AllocationFactory(sentence=sentence).practitioner
    answers = {"relationships": {"6.9": 2}, "thinking": {"11.4": 1}}
    assessment = start_assessment(by=po, person=sentence.person)
    every_section(po, assessment, answers)
    every_topic(po, assessment)
    complete_assessment(by=po, assessment=assessment)
    stored = TierCalculation.objects.get(person=sentence.person)
    assert stored.inputs["parenting_responsibilities"] is True
    assert stored.inputs["impulsivity_or_temper"] is True
    assert stored.protect_points == 4  # two women's factors, 2 each
    # Neither counts for a man with the same answers.
    man = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
    po = AllocationFactory(sentence=man).practitioner
    assessment = start_assessment(by=po, person=man.person)
    every_section(po, assessment, answers)
    every_topic(po, assessment)
    complete_assessment(by=po, assessment=assessment)
    assert TierCalculation.objects.get(person=man.person).protect_points == 0
