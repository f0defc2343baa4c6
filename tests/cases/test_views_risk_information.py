"""Risk information on the web (issue 13 item 3): recorded from the person page, the decision on recall with
its deadline, a decision not to recall pending until a manager endorses it, and the manager's list of
overdue decisions at the top of "My cases"."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases import services as cases
from evenhand.cases.models import (
    Decision,
    DecisionEndorsement,
    EnforcementDecision,
    InformationSource,
    Reliability,
    RiskInformation,
    Sentence,
    SentenceType,
)
from evenhand.org.models import Grade, StaffMember
from evenhand.people.access import record_token
from evenhand.people.models import Person
from tests.factories import AllocationFactory, PDUFactory, PersonFactory, SentenceFactory, today

from .test_views import assert_error, client_for, datetime_parts, page_text, staff

pytestmark = pytest.mark.django_db

RATIONALE = "The police report is unconfirmed; contact goes up to twice weekly with a home visit."
ENDORSED = "Agreed at supervision: the increased contact manages the risk while the police check."


@dataclass
class Case:
    person: Person
    licence: Sentence
    po: StaffMember
    spo: StaffMember
    head: StaffMember


@pytest.fixture
def case() -> Case:
    pdu = PDUFactory()
    po = staff(Grade.PO, pdu=pdu)
    spo = staff(Grade.SPO, pdu=pdu, team=po.team)
    head = staff(Grade.HEAD_OF_PDU, pdu=pdu)
    person = PersonFactory(pdu=pdu)
    licence = SentenceFactory(
        person=person,
        type=SentenceType.LICENCE,
        start_date=today() - dt.timedelta(days=100),
        expected_end_date=today() + dt.timedelta(days=300),
        requirements=[],
    )
    AllocationFactory(sentence=licence, practitioner=po)
    return Case(person, licence, po, spo, head)


def information_form(case: Case, **overrides: str) -> dict[str, str]:
    data = {
        "sentence": str(case.licence.pk),
        "source": InformationSource.POLICE,
        "source_detail": "",
        "summary": "Stopped by police near the victim's home at 2am.",
        "reliability": Reliability.LIKELY,
        "urgency": "standard",
        **datetime_parts(timezone.now() - dt.timedelta(hours=1), "received_at"),
    }
    data.update(overrides)
    return data


def informed(case: Case, received: dt.datetime | None = None) -> RiskInformation:
    return cases.record_risk_information(
        by=case.po,
        sentence=case.licence,
        source=InformationSource.PARTNER_AGENCY,
        source_detail="Women's Aid",
        summary="The partner reports threats made last week.",
        received_at=received or timezone.now() - dt.timedelta(hours=2),
        reliability=Reliability.CONFIRMED,
    )


def test_the_whole_flow_on_the_web(case: Case) -> None:
    po = client_for(case.po)
    # The person page offers it.
    record_page = reverse("record-risk-information", args=[case.person.pk])
    assert record_page in page_text(po.get(reverse("person-detail", args=[case.person.pk])))
    # Recorded on a licence, it goes straight to the decision, with the deadline.
    response = po.post(record_page, information_form(case))
    information = RiskInformation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("decide-on-information", args=[information.pk])
    assert information.decision_due_at == information.received_at + dt.timedelta(hours=24)
    decision_page = page_text(po.get(response["Location"]))
    assert "Evenhand proposes that recall be considered: recall requested: standard" in decision_page
    assert "Decision due by" in decision_page
    # A decision not to recall is recorded, and is pending.
    response = po.post(
        response["Location"],
        {
            "decision": Decision.INCREASED_CONTACT,
            "rationale": RATIONALE,
            **datetime_parts(timezone.now(), "decided_at"),
        },
        follow=True,
    )
    decision = EnforcementDecision.objects.get()
    assert decision.risk_information == information and decision.proposed == Decision.RECALL_STANDARD
    assert "pending until a manager endorses it" in page_text(response)
    assert "Pending endorsement" in page_text(response)
    # The SPO sees it at the top of their list and endorses it.
    spo = client_for(case.spo)
    listing = page_text(spo.get(reverse("my-cases")))
    caseload = [
        i for i in (listing.find('id="caseload"'), listing.find('data-module="moj-sortable-table"')) if i >= 0
    ]
    assert caseload and listing.index('id="risk-decisions"') < min(caseload)
    endorse = reverse("endorse-decision", args=[decision.pk])
    assert endorse in listing
    response = spo.post(endorse, {"rationale": ENDORSED})
    assert response.status_code == 302
    endorsement = DecisionEndorsement.objects.get()
    assert (endorsement.endorsed_by, endorsement.rationale) == (case.spo, ENDORSED)
    # Settled: off the list.
    assert 'id="risk-decisions"' not in page_text(spo.get(reverse("my-cases")))


def test_overdue_decisions_go_to_the_top_of_the_managers_list_most_overdue_first(case: Case) -> None:
    later = informed(case, timezone.now() - dt.timedelta(hours=30))
    earlier = informed(case, timezone.now() - dt.timedelta(hours=50))
    not_yet = informed(case, timezone.now() - dt.timedelta(hours=1))
    html = page_text(client_for(case.spo).get(reverse("my-cases")))
    assert "2 overdue" in html
    links = [reverse("decide-on-information", args=[i.pk]) for i in (earlier, later, not_yet)]
    positions = [html.index(link) for link in links]
    assert positions == sorted(positions)
    # The head of PDU sees the PDU's; an analyst has no list and no such block.
    assert links[0] in page_text(client_for(case.head).get(reverse("my-cases")))
    assert 'id="risk-decisions"' not in page_text(client_for(staff(Grade.ANALYST)).get(reverse("my-cases")))


def test_a_manager_cannot_endorse_their_own_decision(case: Case) -> None:
    information = informed(case)
    decision = cases.decide_enforcement(
        by=case.spo,
        sentence=case.licence,
        decision=Decision.NO_FURTHER_ACTION,
        rationale=RATIONALE,
        risk_information=information,
    )
    response = client_for(case.spo).post(
        reverse("endorse-decision", args=[decision.pk]), {"rationale": ENDORSED}
    )
    assert response.status_code == 200
    assert "another senior probation officer or head of PDU must endorse it" in page_text(response)
    assert not DecisionEndorsement.objects.exists()


def test_a_practitioner_cannot_endorse(case: Case) -> None:
    information = informed(case)
    decision = cases.decide_enforcement(
        by=case.po,
        sentence=case.licence,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        risk_information=information,
    )
    other_po = staff(Grade.PO, pdu=case.person.pdu)
    response = client_for(other_po).post(
        reverse("endorse-decision", args=[decision.pk]), {"rationale": ENDORSED}
    )
    assert response.status_code == 403
    assert not DecisionEndorsement.objects.exists()


@pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
def test_roles_without_casework_are_refused_every_form_and_the_refusal_logged(case: Case, grade: str) -> None:
    information = informed(case)
    decision = cases.decide_enforcement(
        by=case.po,
        sentence=case.licence,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        risk_information=information,
    )
    viewer = staff(grade)
    client = client_for(viewer)
    analyst = grade == Grade.ANALYST
    refs = {
        "person": record_token("person", case.person.pk) if analyst else case.person.pk,
        "information": record_token("risk_information", information.pk) if analyst else information.pk,
        "decision": record_token("decision", decision.pk) if analyst else decision.pk,
    }
    for name, ref in [
        ("record-risk-information", refs["person"]),
        ("decide-on-information", refs["information"]),
        ("endorse-decision", refs["decision"]),
    ]:
        assert client.get(reverse(name, args=[ref])).status_code == 403, name
    assert AccessLogEntry.objects.filter(staff=viewer, action=Action.REFUSED).count() == 3
    assert RiskInformation.objects.count() == 1


def test_a_practitioner_of_another_pdu_is_refused(case: Case) -> None:
    outsider = client_for(staff(Grade.PO))
    assert outsider.get(reverse("record-risk-information", args=[case.person.pk])).status_code == 403
    assert (
        outsider.post(
            reverse("record-risk-information", args=[case.person.pk]), information_form(case)
        ).status_code
        == 403
    )
    assert not RiskInformation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        ({"summary": ""}, "id_summary", "Enter what was learned"),
        ({"source": ""}, "id_source", "Select where the information came from"),
        ({"source": "gossip"}, "id_source", "Select where the information came from"),
        ({"reliability": ""}, "id_reliability", "Select how reliable the information is"),
        ({"source": InformationSource.OTHER}, "id_source_detail", "Enter who the information came from"),
        (
            datetime_parts(timezone.now() + dt.timedelta(days=3), "received_at"),
            "id_received_at-day",
            "The date the information was received must be today or in the past",
        ),
        (
            {"received_at-day": "", "received_at-month": "", "received_at-year": "", "received_at-time": ""},
            "id_received_at-day",
            "Enter date and time received",
        ),
    ],
    ids=["no-summary", "no-source", "unknown-source", "no-reliability", "other-unnamed", "future", "no-date"],
)
def test_bad_information_is_refused_naming_what_to_enter(case: Case, overrides, anchor, message) -> None:
    response = client_for(case.po).post(
        reverse("record-risk-information", args=[case.person.pk]), information_form(case, **overrides)
    )
    assert_error(response, anchor, message)
    assert not RiskInformation.objects.exists()


@pytest.mark.parametrize(
    ("data", "anchor", "message"),
    [
        (
            {"decision": Decision.NO_FURTHER_ACTION, "rationale": ""},
            "id_rationale",
            "Enter the reasons for the decision",
        ),
        ({"decision": "", "rationale": RATIONALE}, "id_decision", "Select the decision"),
        (
            {"decision": Decision.BREACH, "rationale": RATIONALE},
            "id_decision",
            "Select the decision",
        ),
    ],
    ids=["no-rationale", "no-decision", "breach"],
)
def test_bad_decisions_are_refused(case: Case, data, anchor, message) -> None:
    information = informed(case)
    response = client_for(case.po).post(reverse("decide-on-information", args=[information.pk]), data)
    assert_error(response, anchor, message)
    assert not EnforcementDecision.objects.exists()


def test_an_endorsement_without_reasons_is_refused(case: Case) -> None:
    information = informed(case)
    decision = cases.decide_enforcement(
        by=case.po,
        sentence=case.licence,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        risk_information=information,
    )
    response = client_for(case.spo).post(reverse("endorse-decision", args=[decision.pk]), {"rationale": " "})
    assert_error(response, "id_rationale", "Enter the reasons for endorsing the decision")
    assert not DecisionEndorsement.objects.exists()


def test_an_order_records_the_information_and_goes_back_to_the_record(case: Case) -> None:
    order = SentenceFactory(person=case.person, start_date=today() - dt.timedelta(days=30))
    response = client_for(case.po).post(
        reverse("record-risk-information", args=[case.person.pk]),
        information_form(case, sentence=str(order.pk)),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#risk-information")
    assert RiskInformation.objects.get().decision_due_at is None


def test_an_analyst_sees_no_free_text_and_months_only(case: Case) -> None:
    informed(case)
    html = page_text(
        client_for(staff(Grade.ANALYST)).get(
            reverse("person-detail", args=[record_token("person", case.person.pk)])
        )
    )
    assert 'id="risk-information-table"' in html
    assert "threats made last week" not in html and "Women's Aid" not in html
