"""The workload and allocation pages: what each role sees, the protocol in the browser's terms, and bounded
query counts on the team and PDU views."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import Allocation, SentenceType
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Ethnicity, Exclusion
from evenhand.workload import services
from evenhand.workload.models import (
    CapacityReduction,
    Consultation,
    ReductionReason,
    StaffSensitivity,
    TaskType,
)
from evenhand.workload.urls import urlpatterns
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory, names
from tests.workload.conftest import case_for, unallocated

pytestmark = pytest.mark.django_db


def client_for(staff: StaffMember) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def text(response: Any) -> str:
    """The page with entities decoded (Faker's names include O'Connor, which the page writes as O&#39;Connor)
    and white space collapsed."""
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def today() -> dt.date:
    return timezone.localdate()


def element_text(html: str, element_id: str) -> str:
    """The text inside the element with this id (tags removed, spaces collapsed)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html)
    assert match, f"no element with id {element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def summary_value(html: str, key: str) -> str:
    match = re.search(rf"{key}\s*</dt>\s*<dd[^>]*>(.*?)</dd>", html)
    assert match, f"no summary row {key}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def date_parts(day: dt.date, prefix: str) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


# --- my workload ------------------------------------------------------------------------------------------


def test_a_practitioner_sees_their_figure_explained_with_trend_and_forecast(po):
    first = case_for(po, "B2", start=today() - dt.timedelta(days=100), end=today() + dt.timedelta(days=300))
    case_for(
        po,
        "A3",
        type=SentenceType.LICENCE,
        start=today() - dt.timedelta(days=50),
        end=today() + dt.timedelta(days=30),
    )
    services.record_task(
        by=po,
        practitioner=po,
        task_type=TaskType.STANDARD_COURT_REPORT,
        assigned_on=today(),
        due_date=today() + dt.timedelta(days=10),
        reference="Leeds Magistrates, 12 March",
    )
    response = client_for(po).get(reverse("my-workload"))
    assert response.status_code == 200
    html = text(response)
    # 115 + 219 + 138 = 472 of 2176: 21.7%
    assert element_text(html, "capacity") == "21.7%"
    assert "472 points of 2,176 available" in html
    assert first.sentence.person.crn in html
    assert "Leeds Magistrates, 12 March" in html
    trend = re.search(r'id="trend-table">(.*?)</table>', html).group(1)
    forecast = re.search(r'id="forecast-table">(.*?)</table>', html).group(1)
    assert trend.count('<tr class="govuk-table__row">') == 13  # header and 12 dates
    assert forecast.count('<tr class="govuk-table__row">') == 13
    # Any date can be opened: a month before the first case started, nothing counted.
    earlier = client_for(po).get(
        reverse("my-workload") + f"?on={(today() - dt.timedelta(days=150)).isoformat()}"
    )
    assert "0 points of 2,176 available" in text(earlier)


def test_managers_and_analysts_go_to_the_team_and_region_views(spo):
    assert client_for(spo).get(reverse("my-workload")).url == reverse("team-workload")
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    assert client_for(analyst).get(reverse("my-workload")).url == reverse("region-workload")
    admin = StaffMemberFactory(grade=Grade.ADMIN, with_user=True)
    assert client_for(admin).get(reverse("my-workload")).status_code == 403


def test_a_practitioner_sees_only_their_own_workload(po, pso, spo):
    url = reverse("staff-workload", args=[pso.pk])
    assert client_for(po).get(url).status_code == 403
    assert client_for(pso).get(url).status_code == 200
    assert client_for(spo).get(url).status_code == 200
    elsewhere = StaffMemberFactory(grade=Grade.SPO, pdu=PDUFactory(), with_user=True)
    assert client_for(elsewhere).get(url).status_code == 403
    assert client_for(po).get(reverse("team-workload")).status_code == 403
    assert client_for(po).get(reverse("pdu-workload")).status_code == 403


def test_navigation_by_role(po, spo):
    po_nav = text(client_for(po).get(reverse("my-workload")))
    spo_nav = text(client_for(spo).get(reverse("team-workload")))
    assert 'href="/workload/"' in po_nav and 'href="/allocations/"' not in po_nav
    assert 'href="/workload/"' in spo_nav and 'href="/allocations/"' in spo_nav


# --- team and PDU -----------------------------------------------------------------------------------------


def test_the_team_view_shows_over_capacity_and_sorts(team, po, pso, spo):
    for _ in range(11):
        case_for(po, "A3", type=SentenceType.LICENCE)
    case_for(pso, "C2")
    html = text(client_for(spo).get(reverse("team-workload")))
    assert "1 over capacity" in html
    rows = re.findall(
        r'<tr class="govuk-table__row">(.*?)</tr>', re.search(r'id="team-table">(.*?)</table>', html).group(1)
    )
    body = rows[1:]
    assert po.full_name in body[0] and "110.7%" in body[0] and "Over capacity" in body[0]
    assert pso.full_name in body[1] and "Over capacity" not in body[1]
    by_name = text(client_for(spo).get(reverse("team-workload") + "?sort=name"))
    names = sorted([po.full_name, pso.full_name], key=str.lower)
    assert by_name.index(names[0]) < by_name.index(names[1])


def test_a_head_of_pdu_starts_on_a_team_that_holds_cases(pdu, team, po):
    management = TeamFactory(pdu=pdu, name="A management team")
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, team=management, with_user=True)
    html = text(client_for(head).get(reverse("team-workload")))
    assert f'<h1 class="govuk-heading-l">{team.name}</h1>' in html
    assert po.full_name in html


def build_team(team, practitioners: int) -> None:
    for n in range(practitioners):
        member = StaffMemberFactory(grade=Grade.PO if n % 2 else Grade.PSO, team=team)
        case_for(member, "C2")
        case_for(member, "B1", type=SentenceType.LICENCE)
        CapacityReduction.objects.create(
            staff=member,
            reason=ReductionReason.OTHER,
            percentage=Decimal(10),
            start_date=dt.date(2026, 1, 1),
            recorded_by=member,
        )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_team_view_takes_the_same_few_queries_for_3_or_30_practitioners(team, spo):
    client = client_for(spo)
    build_team(team, 3)
    few = count_queries(client, reverse("team-workload"))
    build_team(team, 27)
    many = count_queries(client, reverse("team-workload"))
    assert few == many <= 14


def test_the_pdu_rollup_takes_the_same_few_queries_for_1_or_8_teams(pdu, team, spo):
    client = client_for(spo)
    build_team(team, 3)
    few = count_queries(client, reverse("pdu-workload"))
    for _ in range(7):
        build_team(TeamFactory(pdu=pdu), 4)
    many = count_queries(client, reverse("pdu-workload"))
    assert few == many <= 14
    html = text(client.get(reverse("pdu-workload")))
    assert "31 practitioners" in html


def test_an_analyst_sees_roll_ups_anywhere_but_never_allocates(pdu, team, po):
    case_for(po, "C2")
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    client = client_for(analyst)
    assert client.get(reverse("region-workload") + f"?region={pdu.region_id}").status_code == 200
    assert client.get(reverse("pdu-workload") + f"?pdu={pdu.pk}").status_code == 200
    assert client.get(reverse("allocation-queue")).status_code == 403


def test_the_weighting_tables_are_open_to_everyone(po):
    html = text(client_for(po).get(reverse("weightings")))
    assert "Version 1, in force from 1 January 2000" in html
    assert "2,176 points" in html


# --- reductions -------------------------------------------------------------------------------------------


def test_a_reduction_over_100_percent_is_refused_on_the_form(spo, po):
    url = reverse("record-reduction", args=[po.pk])
    response = client_for(spo).post(
        url, {"reason": ReductionReason.TRADE_UNION, "percentage": "150", **date_parts(today(), "start_date")}
    )
    assert response.status_code == 200
    assert "A reduction cannot be more than 100%" in text(response)
    assert CapacityReduction.objects.count() == 0
    assert client_for(po).get(url).status_code == 403
    ok = client_for(spo).post(
        url, {"reason": ReductionReason.TRADE_UNION, "hours": "3.7", **date_parts(today(), "start_date")}
    )
    assert ok.status_code == 302
    assert CapacityReduction.objects.get().hours == Decimal("3.7")


def test_a_pqip_schedule_from_the_form(spo, pso):
    response = client_for(spo).post(
        reverse("record-training-reduction", args=[pso.pk]),
        {"kind": "pqip", "training_months": "15", **date_parts(dt.date(2026, 1, 12), "start_date")},
    )
    assert response.status_code == 302
    assert list(CapacityReduction.objects.order_by("start_date").values_list("percentage", flat=True)) == [
        80,
        60,
        40,
    ]


# --- sensitivities ----------------------------------------------------------------------------------------


def test_a_practitioner_sees_only_their_own_sensitivities(po, pso, spo, pdu):
    client = client_for(pso)
    response = client.post(reverse("my-sensitivities"), {"kind": "domestic_abuse", "note": "My own history"})
    assert response.status_code == 302
    mine = StaffSensitivity.objects.get(staff=pso)
    assert "My own history" in text(client.get(reverse("my-sensitivities")))
    # Nobody else's page shows it, and nobody else can remove it.
    assert "My own history" not in text(client_for(po).get(reverse("my-sensitivities")))
    assert client_for(po).post(reverse("remove-sensitivity", args=[mine.pk])).status_code == 404
    assert client_for(spo).get(reverse("my-sensitivities")).status_code == 403
    # On the allocation screen the manager sees only "consult first" against the practitioner.
    sentence = unallocated(pdu, offences=[{"is_main": True, "domestic_abuse": True}])
    html = text(client_for(spo).get(reverse("allocate-case", args=[sentence.pk])))
    assert "Consult first" in html
    assert "My own history" not in html
    assert StaffSensitivity.objects.filter(pk=mine.pk).exists()


# --- allocation -------------------------------------------------------------------------------------------


def test_the_queue_lists_unheld_sentences_of_the_pdu_for_managers_only(spo, po, pdu):
    waiting = unallocated(pdu, tier="B2", offences=[{"is_main": True, "hate_crime": True}])
    held = case_for(po, "C2")
    unallocated(PDUFactory())  # another PDU's
    response = client_for(spo).get(reverse("allocation-queue"))
    html = text(response)
    assert waiting.person.crn in html and held.sentence.person.crn not in html
    assert "Hate crime" in html and "Consult first" in html
    assert "1 waiting" in html
    assert client_for(po).get(reverse("allocation-queue")).status_code == 403
    assert client_for(po).get(reverse("allocate-case", args=[waiting.pk])).status_code == 403


def test_the_protocol_end_to_end_in_the_web_ui(spo, po, pdu):
    sentence = unallocated(
        pdu, tier="C2", offences=[{"is_main": True, "racially_or_religiously_aggravated": True}]
    )
    manager = client_for(spo)
    url = reverse("allocate-case", args=[sentence.pk])
    page = text(manager.get(url))
    assert "Under the sensitive-case protocol" in page
    assert "Record a consultation" in page
    decision = {
        "practitioner": str(po.pk),
        "reason": "new_case",
        "rationale": "Capacity, and the right experience for this case.",
        **date_parts(today(), "start_date"),
    }

    refused = manager.post(url, decision)
    assert refused.status_code == 200
    assert f"Consult {po.full_name} first" in text(refused)
    assert Allocation.objects.count() == 0

    recorded = manager.post(
        reverse("record-consultation", args=[sentence.pk]),
        {
            "practitioner": str(po.pk),
            "notes": "Discussed at supervision",
            **date_parts(today(), "consulted_on"),
        },
    )
    assert recorded.status_code == 302
    consultation = Consultation.objects.get()
    assert "Waiting for their confirmation" in text(manager.get(url))
    assert manager.post(url, decision).status_code == 200
    assert Allocation.objects.count() == 0

    # The manager cannot reach the practitioner's answer page; the practitioner answers in their own account.
    answer_url = reverse("answer-consultation", args=[consultation.pk])
    assert manager.get(answer_url).status_code == 403
    practitioner = client_for(po)
    assert "Consultations waiting for your answer" in text(practitioner.get(reverse("my-workload")))
    assert practitioner.post(answer_url, {"agreed": "yes"}).status_code == 302

    done = manager.post(url, decision)
    assert done.status_code == 302 and done.url == reverse("allocation-queue")
    allocation = Allocation.objects.get()
    # 63 points of 2176: from 0% to 2.9%
    assert (allocation.practitioner, allocation.capacity_before, allocation.capacity_after) == (
        po,
        Decimal("0.0"),
        Decimal("2.9"),
    )
    assert "capacity from 0.0% to 2.9%" in text(manager.get(reverse("allocation-queue")))


def test_opening_a_case_to_allocate_is_a_view_of_the_record(spo, pdu):
    sentence = unallocated(pdu)
    client_for(spo).get(reverse("allocate-case", args=[sentence.pk]))
    entry = AccessLogEntry.objects.get(person_id=sentence.person_id)
    assert (entry.staff, entry.action, entry.detail) == (spo, Action.VIEW, "Allocation")


def test_the_recommendation_page_shows_grade_capacity_and_continuity(spo, po, pso, pdu):
    sentence = unallocated(pdu, tier="A2", rosh="H")
    html = text(client_for(spo).get(reverse("allocate-case", args=[sentence.pk])))
    assert summary_value(html, "Grade needed") == "PO"
    # 158 points (community A2) of 2176: from 0.0% to 7.3%
    assert "Capacity from 0.0% to 7.3%" in html
    assert element_text(html, "grade-only") == "1 PSO is not listed: the case needs a probation officer."
    offered = re.findall(r'<input[^>]*name="practitioner"[^>]*value="(\d+)"', html)
    assert offered and str(pso.pk) not in offered


def test_a_big_pdu_shows_a_shortlist_and_all_on_request(spo, team, pdu):
    for _ in range(35):
        StaffMemberFactory(grade=Grade.PSO, team=team)
    excluded = StaffMemberFactory(grade=Grade.PO, team=team)
    sentence = unallocated(pdu)
    Exclusion.objects.create(person=sentence.person, staff=excluded, reason="Relative")
    url = reverse("allocate-case", args=[sentence.pk])
    html = text(client_for(spo).get(url))
    assert html.count('name="practitioner"') == 30
    assert "Showing 30 of 35" in html
    ineligible = re.search(r'id="ineligible">(.*?)</table>', html).group(1)
    assert excluded.full_name in ineligible and "On the exclusion list for this person" in ineligible
    assert text(client_for(spo).get(url + "?all=1")).count('name="practitioner"') == 35


def test_the_fairness_report(spo, po, pso, pdu):
    for ethnicity, practitioner in [(Ethnicity.BLACK_AFRICAN, pso), (Ethnicity.WHITE_BRITISH, po)]:
        sentence = unallocated(pdu, tier="B2", start_date=today() - dt.timedelta(days=10))
        sentence.person.diversity.ethnicity = ethnicity
        sentence.person.diversity.ethnicity_identified_by = "self"
        sentence.person.diversity.ethnicity_identified_on = today()
        sentence.person.diversity.save()
        services.allocate_case(
            by=spo, sentence=sentence, practitioner=practitioner, reason="new_case", rationale="Capacity."
        )
    html = text(client_for(spo).get(reverse("allocation-fairness")))
    waits = re.search(r'id="waits">(.*?)</table>', html).group(1)
    assert re.search(r"Black, Black British.*?</th> <td[^>]*>1</td> <td[^>]*>10.0</td>", waits)
    grades = re.search(r'id="grades">(.*?)</table>', html).group(1)
    b2 = re.search(r"<th[^>]*>B2</th>(.*?)</tr>", grades).group(1)
    assert "0% of 1" in b2 and "100% of 1" in b2
    assert client_for(po).get(reverse("allocation-fairness")).status_code == 403


# --- the door: who is shown, what is logged ---------------------------------------------------------------


def consulted(spo, po, pdu) -> Consultation:
    """A sensitive case of the PDU, and a consultation with ``po`` about it waiting for their answer."""
    sentence = unallocated(pdu, offences=[{"is_main": True, "hate_crime": True}])
    return services.record_consultation(
        by=spo, sentence=sentence, practitioner=po, consulted_on=today(), notes="Discussed the family"
    )


def test_an_exclusion_after_a_consultation_hides_the_person_on_the_answer_page(spo, po, pdu):
    consultation = consulted(spo, po, pdu)
    person = consultation.sentence.person
    url = reverse("answer-consultation", args=[consultation.pk])
    assert person.crn in text(client_for(po).get(url))

    Exclusion.objects.create(person=person, staff=po, reason="A relative")
    response = client_for(po).get(url)
    assert response.status_code == 403
    assert not names(text(response), person)
    refused = AccessLogEntry.objects.filter(staff=po, person_id=person.pk, action=Action.REFUSED)
    assert refused.count() == 1
    # Nor can they answer it.
    assert client_for(po).post(url, {"agreed": "yes"}).status_code == 403
    assert Consultation.objects.get().response == "pending"
    assert refused.count() == 2


def test_an_exclusion_after_a_consultation_hides_the_person_on_the_workload_page(spo, po, pdu):
    consultation = consulted(spo, po, pdu)
    person = consultation.sentence.person
    shown = text(client_for(po).get(reverse("my-workload")))
    assert "Consultations waiting for your answer" in shown and person.crn in shown

    Exclusion.objects.create(person=person, staff=po, reason="A relative")
    page = text(client_for(po).get(reverse("my-workload")))
    # The waiting list still says a consultation waits, but not who it is about, and does not link to it.
    assert "Consultations waiting for your answer" in page
    assert "A case whose record you can no longer open" in page
    assert person.crn not in page and person.full_name not in page
    assert reverse("answer-consultation", args=[consultation.pk]) not in page


def test_an_excluded_practitioners_own_case_shows_without_the_person(spo, po, pdu):
    held = case_for(po, "C2")
    person = held.sentence.person
    Exclusion.objects.create(person=person, staff=po, reason="A relative")
    page = text(client_for(po).get(reverse("my-workload")))
    lines = re.search(r'id="case-lines">(.*?)</table>', page).group(1)
    assert "Restricted record" in lines and person.crn not in page
    # The manager, who may open the record, sees who it is; only the people shown are logged.
    managed = text(client_for(spo).get(reverse("staff-workload", args=[po.pk])))
    assert person.crn in managed
    exports = AccessLogEntry.objects.filter(action=Action.EXPORT, person_id=person.pk)
    assert list(exports.values_list("staff", flat=True)) == [spo.pk]


def test_the_allocation_queue_logs_one_export_row_per_person_on_the_page(spo, pdu):
    waiting = [unallocated(pdu, start_date=today() - dt.timedelta(days=100 - n)) for n in range(27)]
    client = client_for(spo)
    client.get(reverse("allocation-queue"))
    exports = AccessLogEntry.objects.filter(staff=spo, action=Action.EXPORT)
    assert sorted(exports.values_list("person_id", flat=True)) == sorted(s.person_id for s in waiting[:25])
    assert set(exports.values_list("channel", "detail")) == {("ui", "Allocation queue")}
    client.get(reverse("allocation-queue") + "?page=2")
    assert exports.count() == 27
    assert sorted(exports.values_list("person_id", flat=True)[:2]) == sorted(
        s.person_id for s in waiting[25:]
    )


def test_a_queued_sentence_out_of_reach_is_refused_and_logged(spo, pdu):
    elsewhere = unallocated(PDUFactory())
    excluded = unallocated(pdu)
    Exclusion.objects.create(person=excluded.person, staff=spo, reason="Known to them")
    client = client_for(spo)
    for sentence in (elsewhere, excluded):
        for name in ("allocate-case", "record-consultation"):
            response = client.get(reverse(name, args=[sentence.pk]))
            assert response.status_code == 403
            assert sentence.person.crn not in text(response)
    for sentence in (elsewhere, excluded):
        entries = AccessLogEntry.objects.filter(person_id=sentence.person_id)
        assert list(entries.values_list("staff", "action", "channel")) == [(spo.pk, "refused", "ui")] * 2
    assert client.get(reverse("allocate-case", args=[10**9])).status_code == 404


def test_a_leaver_is_refused_every_workload_page(spo, po, pdu):
    sentence = unallocated(pdu)
    consultation = consulted(spo, po, pdu)
    reduction = services.record_reduction(
        by=spo, staff=po, reason=ReductionReason.TRADE_UNION, hours=Decimal("3.7"), start_date=today()
    )
    task = services.record_task(
        by=po,
        practitioner=po,
        task_type=TaskType.STANDARD_COURT_REPORT,
        assigned_on=today(),
        due_date=today(),
    )
    sensitivity = services.record_sensitivity(by=po, kind="sexual")
    args = {
        "staff_id": po.pk,
        "reduction_id": reduction.pk,
        "task_id": task.pk,
        "sensitivity_id": sensitivity.pk,
        "consultation_id": consultation.pk,
        "sentence_id": sentence.pk,
    }
    for leaver in (spo, po):
        leaver.end_date = today() - dt.timedelta(days=1)
        leaver.save(update_fields=["end_date"])
    for leaver in (spo, po):
        client = client_for(leaver)
        for pattern in urlpatterns:
            url = reverse(pattern.name, kwargs={k: args[k] for k in pattern.pattern.converters})
            # 405 is the other method of a GET-only or POST-only page, refused before it runs.
            answers = {client.get(url).status_code, client.post(url).status_code}
            assert 403 in answers and answers <= {403, 405}, (url, answers)
    assert not AccessLogEntry.objects.filter(action__in=[Action.VIEW, Action.EXPORT]).exists()


@pytest.mark.parametrize("view", ["team-workload", "pdu-workload", "region-workload"])
def test_a_unit_id_beyond_64_bits_is_no_unit(spo, view):
    # SQLite cannot take such a number: the chooser must find nothing rather than fail with a 500.
    parameter = view.split("-")[0]
    response = client_for(spo).get(reverse(view), {parameter: "9" * 25})
    assert response.status_code == 404
