"""Workload writes: reductions (and what is refused), training schedules, tasks, weighting tables, the
sensitive-case protocol and the allocation decision."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evenhand.cases.models import Allocation, AllocationReason, SentenceType
from evenhand.org.models import Grade
from evenhand.people.models import Exclusion
from evenhand.workload import services
from evenhand.workload.models import (
    CapacityReduction,
    Consultation,
    ConsultationResponse,
    CountedTask,
    ReductionReason,
    StaffSensitivity,
    TaskType,
    WeightingVersion,
)
from evenhand.workload.rules import PUBLISHED_WEIGHTINGS
from evenhand.workload.selectors import recommendation
from tests.factories import PDUFactory, RiskSummaryFactory, StaffMemberFactory
from tests.workload.conftest import case_for, unallocated

pytestmark = pytest.mark.django_db
D = dt.date
RATIONALE = "Has capacity and has worked with the family before."


def today() -> dt.date:
    return timezone.localdate()


# --- reductions -------------------------------------------------------------------------------------------


JANUARY_5 = D(2026, 1, 5)


def reduce(spo, staff, start=JANUARY_5, end=None, **amount):
    return services.record_reduction(
        by=spo,
        staff=staff,
        reason=amount.pop("reason", ReductionReason.OTHER),
        start_date=start,
        end_date=end,
        **amount,
    )


def test_a_manager_records_a_reduction(spo, po):
    reduction = reduce(spo, po, percentage=Decimal("25"), end=D(2026, 6, 30), notes=" Project work ")
    stored = CapacityReduction.objects.get()
    assert (stored.staff, stored.percentage, stored.hours, stored.recorded_by, stored.notes) == (
        po,
        Decimal("25.00"),
        None,
        spo,
        "Project work",
    )
    assert reduction == stored


@pytest.mark.parametrize("reason", [ReductionReason.LONG_TERM_SICKNESS, ReductionReason.MATERNITY_ADOPTION])
def test_sickness_and_maternity_default_to_100_percent(spo, po, reason):
    assert reduce(spo, po, reason=reason).percentage == 100


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ({"percentage": Decimal("100.5")}, "percentage"),
        ({"percentage": Decimal("0")}, "percentage"),
        ({"hours": Decimal("37.5")}, "hours"),  # more than 37 contracted hours
        ({"percentage": Decimal("10"), "hours": Decimal("2")}, "percentage"),
        ({}, "percentage"),  # "other" needs an amount
    ],
)
def test_a_reduction_over_100_percent_or_malformed_is_refused_and_nothing_written(spo, po, amount, field):
    with pytest.raises(ValidationError) as caught:
        reduce(spo, po, **amount)
    assert field in caught.value.message_dict
    assert CapacityReduction.objects.count() == 0


def test_overlapping_reductions_beyond_100_percent_are_refused_and_nothing_written(spo, po):
    reduce(spo, po, start=D(2026, 1, 5), end=D(2026, 3, 31), percentage=Decimal("60"))
    with pytest.raises(ValidationError) as caught:
        reduce(spo, po, start=D(2026, 3, 1), end=D(2026, 4, 30), hours=Decimal("15"))  # 22.2 + 15 = 37.2 > 37
    assert "more than 100%" in caught.value.message_dict["hours"][0]
    assert "1 March 2026" in caught.value.message_dict["hours"][0]
    assert CapacityReduction.objects.count() == 1
    # Exactly 100% is allowed, and so is the same reduction once the first has ended.
    reduce(spo, po, start=D(2026, 3, 1), end=D(2026, 4, 30), hours=Decimal("14.8"))
    reduce(spo, po, start=D(2026, 5, 1), percentage=Decimal("100"))
    assert CapacityReduction.objects.count() == 3


def test_the_highest_total_counts_where_a_later_reduction_starts(spo, po):
    # January 50% and March 50% never overlap each other; a new 50% across both is 100% at its worst.
    reduce(spo, po, start=D(2026, 1, 1), end=D(2026, 1, 31), percentage=Decimal("50"))
    reduce(spo, po, start=D(2026, 3, 1), end=None, percentage=Decimal("50"))
    reduce(spo, po, start=D(2026, 1, 15), end=D(2026, 3, 15), percentage=Decimal("50"))
    with pytest.raises(ValidationError):
        # Starts in February (50% with the last one) but meets the March reduction: 150%.
        reduce(spo, po, start=D(2026, 2, 1), end=D(2026, 4, 1), percentage=Decimal("1"))
    assert CapacityReduction.objects.count() == 3


def test_only_a_manager_of_the_practitioners_pdu_records_reductions(po, pso, spo):
    elsewhere = StaffMemberFactory(grade=Grade.SPO, pdu=PDUFactory())
    for by in (po, pso, elsewhere):
        with pytest.raises(PermissionDenied):
            reduce(by, po, percentage=Decimal("10"))
    with pytest.raises(ValidationError):
        reduce(spo, spo, percentage=Decimal("10"))  # SPOs hold no cases
    assert CapacityReduction.objects.count() == 0


def test_pqip_schedule_steps_down_by_months_in_training(spo, pso):
    stages = services.record_pqip_reductions(
        by=spo, staff=pso, training_start=D(2026, 1, 12), training_months=18
    )
    assert [(r.percentage, r.start_date, r.end_date, r.reason) for r in stages] == [
        (Decimal("80"), D(2026, 1, 12), D(2026, 7, 11), ReductionReason.PQIP),
        (Decimal("60"), D(2026, 7, 12), D(2027, 1, 11), ReductionReason.PQIP),
        (Decimal("40"), D(2027, 1, 12), D(2027, 7, 11), ReductionReason.PQIP),
    ]


def test_pqip_schedule_is_all_or_nothing(spo, pso):
    reduce(spo, pso, start=D(2027, 2, 1), end=D(2027, 2, 28), percentage=Decimal("70"))  # with 40%: 110%
    with pytest.raises(ValidationError):
        services.record_pqip_reductions(by=spo, staff=pso, training_start=D(2026, 1, 12))
    assert CapacityReduction.objects.count() == 1
    with pytest.raises(ValidationError):
        services.record_pqip_reductions(by=spo, staff=pso, training_start=D(2026, 1, 12), training_months=12)


def test_newly_qualified_officer_has_20_percent_for_9_months(spo, po):
    r = services.record_nqo_reduction(by=spo, staff=po, qualified_on=D(2026, 5, 31))
    assert (r.percentage, r.start_date, r.end_date, r.reason) == (
        Decimal("20"),
        D(2026, 5, 31),
        D(2027, 2, 27),
        ReductionReason.NEWLY_QUALIFIED,
    )


def test_a_reduction_can_be_brought_forward_not_extended(spo, po):
    r = reduce(spo, po, start=D(2026, 1, 5), end=D(2026, 6, 30), percentage=Decimal("100"))
    with pytest.raises(ValidationError):
        services.end_reduction(by=spo, reduction=r, end_date=D(2026, 7, 31))
    with pytest.raises(ValidationError):
        services.end_reduction(by=spo, reduction=r, end_date=D(2026, 1, 4))
    services.end_reduction(by=spo, reduction=r, end_date=D(2026, 2, 13))
    r.refresh_from_db()
    assert r.end_date == D(2026, 2, 13)


# --- counted tasks ----------------------------------------------------------------------------------------


def test_a_practitioner_records_and_completes_their_own_report(po, pso):
    t = services.record_task(
        by=po,
        practitioner=po,
        task_type=TaskType.STANDARD_COURT_REPORT,
        assigned_on=D(2026, 3, 2),
        due_date=D(2026, 3, 20),
    )
    with pytest.raises(PermissionDenied):
        services.complete_task(by=pso, task=t, completed_on=D(2026, 3, 10))
    with pytest.raises(ValidationError):
        services.complete_task(by=po, task=t, completed_on=D(2026, 3, 1))
    services.complete_task(by=po, task=t, completed_on=D(2026, 3, 10))
    assert CountedTask.objects.get().completed_on == D(2026, 3, 10)
    with pytest.raises(ValidationError):
        services.complete_task(by=po, task=t, completed_on=D(2026, 3, 11))


def test_someone_elses_tasks_need_their_manager(po, pso, spo):
    with pytest.raises(PermissionDenied):
        services.record_task(
            by=pso,
            practitioner=po,
            task_type=TaskType.PAROLE_REPORT,
            assigned_on=D(2026, 3, 2),
            due_date=D(2026, 4, 2),
        )
    services.record_task(
        by=spo,
        practitioner=po,
        task_type=TaskType.PAROLE_REPORT,
        assigned_on=D(2026, 3, 2),
        due_date=D(2026, 4, 2),
    )
    assert CountedTask.objects.count() == 1


# --- weighting tables -------------------------------------------------------------------------------------


def table(**overrides):
    return {
        "nominal_target": 2200,
        "source": "Workload review 2027",
        "cases": PUBLISHED_WEIGHTINGS.cases,
        "tasks": PUBLISHED_WEIGHTINGS.tasks,
        **overrides,
    }


def test_an_administrator_publishes_a_new_version_from_a_future_date():
    admin = StaffMemberFactory(grade=Grade.ADMIN)
    version = services.publish_weighting_version(
        by=admin, effective_from=today() + dt.timedelta(days=30), **table()
    )
    assert (
        version.number,
        version.nominal_target,
        version.case_weightings.count(),
        version.task_weightings.count(),
    ) == (
        2,
        2200,
        48,
        3,
    )


def test_a_new_version_cannot_rewrite_the_past_or_come_from_anyone_else(spo):
    admin = StaffMemberFactory(grade=Grade.ADMIN)
    with pytest.raises(PermissionDenied):
        services.publish_weighting_version(by=spo, effective_from=today() + dt.timedelta(days=1), **table())
    with pytest.raises(ValidationError) as caught:
        services.publish_weighting_version(by=admin, effective_from=today() - dt.timedelta(days=1), **table())
    assert "effective_from" in caught.value.message_dict
    incomplete = {"community": {"A3": 1}}
    with pytest.raises(ValidationError):
        services.publish_weighting_version(
            by=admin, effective_from=today() + dt.timedelta(days=1), **table(cases=incomplete)
        )
    assert WeightingVersion.objects.count() == 1


# --- sensitivities ----------------------------------------------------------------------------------------


def test_practitioners_record_and_remove_their_own_sensitivities(po, pso, spo):
    mine = services.record_sensitivity(by=po, kind="hate_crime", note="Personal experience")
    with pytest.raises(ValidationError):
        services.record_sensitivity(by=po, kind="hate_crime")
    with pytest.raises(PermissionDenied):
        services.record_sensitivity(by=spo, kind="hate_crime")
    with pytest.raises(PermissionDenied):
        services.remove_sensitivity(by=pso, sensitivity=mine)
    services.remove_sensitivity(by=po, sensitivity=mine)
    assert StaffSensitivity.objects.count() == 0


# --- allocation -------------------------------------------------------------------------------------------


def allocate(by, sentence, practitioner, **kwargs):
    return services.allocate_case(
        by=by,
        sentence=sentence,
        practitioner=practitioner,
        reason=kwargs.pop("reason", AllocationReason.NEW_CASE),
        rationale=kwargs.pop("rationale", RATIONALE),
        **kwargs,
    )


def test_an_allocation_is_a_decision_record_with_capacity_before_and_after(spo, po, pdu):
    for _ in range(6):
        case_for(po, "A3", type=SentenceType.LICENCE)  # 6 x 219 = 1314
    sentence = unallocated(pdu, tier="B2")  # community B2: 115
    allocation = allocate(spo, sentence, po, reason=AllocationReason.CASELOAD_ADJUSTMENT)
    stored = Allocation.objects.get(pk=allocation.pk)
    assert (stored.practitioner, stored.allocated_by, stored.reason, stored.rationale, stored.start_date) == (
        po,
        spo,
        AllocationReason.CASELOAD_ADJUSTMENT,
        RATIONALE,
        today(),
    )
    # 1314 / 2176 = 60.39%; with 115 more, 1429 / 2176 = 65.67%
    assert (stored.capacity_before, stored.capacity_after) == (Decimal("60.4"), Decimal("65.7"))


@pytest.mark.parametrize("grade", [Grade.PO, Grade.PSO, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
def test_only_an_spo_or_head_of_pdu_allocates(pdu, po, grade):
    by = StaffMemberFactory(grade=grade, pdu=pdu if grade in (Grade.PO, Grade.PSO) else None)
    with pytest.raises(PermissionDenied):
        allocate(by, unallocated(pdu), po)
    assert Allocation.objects.count() == 0


def test_a_head_of_pdu_allocates(pdu, po):
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu)
    assert allocate(head, unallocated(pdu), po).allocated_by == head


def test_a_rationale_is_required(spo, po, pdu):
    with pytest.raises(ValidationError) as caught:
        allocate(spo, unallocated(pdu), po, rationale="  ")
    assert "rationale" in caught.value.message_dict
    assert Allocation.objects.count() == 0


@pytest.mark.parametrize(
    ("rosh", "mappa_level", "needs_po"),
    [
        ("L", None, False),
        ("M", None, False),
        ("H", None, True),
        ("V", None, True),
        ("L", 1, False),
        ("L", 2, True),
        ("M", 3, True),
    ],
)
def test_the_grade_rule(spo, po, pso, pdu, rosh, mappa_level, needs_po):
    sentence = unallocated(pdu, tier="B2", rosh=rosh)
    if mappa_level:
        RiskSummaryFactory(
            person=sentence.person,
            rosh=rosh,
            tier="B2",
            mappa_category=2,
            mappa_level=mappa_level,
            recorded_by=None,
        )
    advice = recommendation(sentence)
    assert advice.grade_needed == ("PO" if needs_po else "PO or PSO")
    by_id = {c.staff_id: c for c in advice.candidates}
    assert by_id[po.pk].eligible
    assert by_id[pso.pk].eligible is not needs_po
    if needs_po:
        assert by_id[pso.pk].conflicts == ["The case needs a probation officer"]
        with pytest.raises(ValidationError) as caught:
            allocate(spo, sentence, pso)
        assert "probation officer" in caught.value.message_dict["practitioner"][0]
        assert Allocation.objects.count() == 0
    assert allocate(spo, sentence, po if needs_po else pso).practitioner_id in (po.pk, pso.pk)


def test_an_excluded_practitioner_is_a_conflict_and_refused(spo, po, pso, pdu):
    sentence = unallocated(pdu)
    Exclusion.objects.create(person=sentence.person, staff=pso, reason="Neighbour")
    candidate = {c.staff_id: c for c in recommendation(sentence).candidates}[pso.pk]
    assert (candidate.eligible, candidate.conflicts) == (False, ["On the exclusion list for this person"])
    with pytest.raises(ValidationError):
        allocate(spo, sentence, pso)
    assert Allocation.objects.count() == 0


def test_continuity_who_supervised_this_person_before(spo, po, pso, pdu):
    earlier = case_for(pso, "C2", start=D(2024, 1, 8), end=D(2025, 1, 7))
    earlier.end_date = D(2025, 1, 7)
    earlier.save()
    sentence = unallocated(pdu)
    sentence.person = earlier.sentence.person
    sentence.save()
    advice = recommendation(sentence)
    assert advice.candidates[0].staff_id == pso.pk
    assert advice.candidates[0].continuity == D(2024, 1, 8)
    assert [c.continuity for c in advice.candidates[1:]] == [None]
    assert [p.name for p in advice.previous] == [pso.full_name]


# --- the sensitive-case protocol --------------------------------------------------------------------------


def flagged(pdu, **flag):
    return unallocated(
        pdu, offences=[{"is_main": True, **(flag or {"racially_or_religiously_aggravated": True})}]
    )


def test_a_racially_aggravated_case_waits_for_the_practitioners_own_agreement(spo, po, pso, pdu):
    sentence = flagged(pdu)
    assert all(c.consult_first for c in recommendation(sentence).candidates)

    with pytest.raises(ValidationError) as caught:
        allocate(spo, sentence, po)
    assert caught.value.message_dict["practitioner"] == [
        f"Consult {po.full_name} first: record that they were consulted and agreed before allocating"
    ]
    assert Allocation.objects.count() == 0

    consultation = services.record_consultation(
        by=spo, sentence=sentence, practitioner=po, consulted_on=today(), notes="Talked it through"
    )
    with pytest.raises(ValidationError) as caught:
        allocate(spo, sentence, po)
    assert "not yet confirmed" in caught.value.message_dict["practitioner"][0]

    # The manager cannot answer for the practitioner, nor can anyone else.
    for someone_else in (spo, pso):
        with pytest.raises(PermissionDenied):
            services.answer_consultation(by=someone_else, consultation=consultation, agreed=True)
    services.answer_consultation(by=po, consultation=consultation, agreed=False, comment="Not this one")
    with pytest.raises(ValidationError) as caught:
        allocate(spo, sentence, po)
    assert caught.value.message_dict["practitioner"] == [f"{po.full_name} did not agree to take this case"]
    with pytest.raises(ValidationError):
        services.answer_consultation(by=po, consultation=consultation, agreed=True)  # answered once

    again = services.record_consultation(by=spo, sentence=sentence, practitioner=po, consulted_on=today())
    services.answer_consultation(by=po, consultation=again, agreed=True)
    allocation = allocate(spo, sentence, po)
    again.refresh_from_db()
    assert (again.response, again.allocation) == (ConsultationResponse.AGREED, allocation)
    assert Allocation.objects.count() == 1


@pytest.mark.parametrize("flag", ["racially_or_religiously_aggravated", "hate_crime"])
def test_the_protocol_always_covers_racial_and_religious_aggravation_and_hate_crime(spo, po, pdu, flag):
    with pytest.raises(ValidationError):
        allocate(spo, flagged(pdu, **{flag: True}), po)


def test_a_service_adds_flags_to_the_protocol(spo, po, pdu, settings):
    sentence = flagged(pdu, domestic_abuse=True)
    settings.SENSITIVE_CASE_FLAGS = ["domestic_abuse"]
    with pytest.raises(ValidationError):
        allocate(spo, sentence, po)
    settings.SENSITIVE_CASE_FLAGS = []
    assert allocate(spo, sentence, po).practitioner == po


def test_a_private_sensitivity_asks_for_consultation_without_saying_why(spo, po, pso, pdu):
    services.record_sensitivity(by=pso, kind="domestic_abuse", note="Something only I should know")
    sentence = flagged(pdu, domestic_abuse=True)
    by_id = {c.staff_id: c for c in recommendation(sentence).candidates}
    assert (by_id[pso.pk].consult_first, by_id[po.pk].consult_first) == (True, False)
    with pytest.raises(ValidationError) as caught:
        allocate(spo, sentence, pso)
    message = caught.value.message_dict["practitioner"][0]
    # The same words as for a protocol case: nothing about the kind of case or the note.
    assert (
        message
        == f"Consult {pso.full_name} first: record that they were consulted and agreed before allocating"
    )
    assert allocate(spo, sentence, po).practitioner == po


def test_a_consultation_is_with_a_practitioner_of_the_pdu(spo, pdu):
    sentence = flagged(pdu)
    outsider = StaffMemberFactory(grade=Grade.PO, pdu=PDUFactory())
    with pytest.raises(ValidationError):
        services.record_consultation(by=spo, sentence=sentence, practitioner=outsider, consulted_on=today())
    with pytest.raises(ValidationError):
        services.record_consultation(
            by=spo, sentence=sentence, practitioner=spo, consulted_on=today() + dt.timedelta(days=1)
        )
    assert Consultation.objects.count() == 0
