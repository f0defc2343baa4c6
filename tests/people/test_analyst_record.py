"""An analyst's pseudonymised record shows dates to the month and no staff names, on every part of the page
(issue 13 item 4: it showed exact dates and staff names)."""

import datetime as dt
import re

import pytest

from evenhand.cases import services as cases
from evenhand.cases.models import ContactOutcome, Decision, InformationSource, Reliability
from evenhand.org.models import Grade
from evenhand.people.access import record_token
from tests.factories import (
    ContactFactory,
    PersonFactory,
    RiskSummaryFactory,
    StaffMemberFactory,
    local_datetime,
    today,
)

from .test_views import allocated, client_for, page_text

pytestmark = pytest.mark.django_db

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
A_DAY = re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b")


def test_every_date_is_to_the_month_and_no_member_of_staff_is_named():
    po = StaffMemberFactory(grade=Grade.PO, first_name="Philippa", last_name="Ormerod", with_user=True)
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=po.team.pdu, first_name="Sebastian", last_name="Pemberton")
    person = PersonFactory(pdu=po.team.pdu, date_of_birth=dt.date(1990, 5, 17))
    sentence = allocated(person, po)
    RiskSummaryFactory(person=person, recorded_by=po)
    failure = ContactFactory(
        sentence=sentence,
        recorded_by=po,
        outcome=ContactOutcome.FAILED_UNACCEPTABLE,
        starts_at=local_datetime(today() - dt.timedelta(days=3), 14, 37),
    )
    cases.decide_enforcement(
        by=po, sentence=sentence, decision=Decision.WARNING, rationale="A" * 30, triggering_contacts=[failure]
    )
    cases.make_referral(
        by=po,
        sentence=sentence,
        service_area="ete",
        reason="Needs work",
        made_on=today() - dt.timedelta(days=4),
    )
    cases.record_risk_information(
        by=po,
        sentence=sentence,
        source=InformationSource.POLICE,
        summary="Seen with a co-defendant.",
        received_at=local_datetime(today() - dt.timedelta(days=1)),
        reliability=Reliability.LIKELY,
    )
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    html = page_text(client_for(analyst).get(f"/people/{record_token('person', person.pk)}/"))
    visible = re.sub(r"<[^>]+>", " ", html)
    assert not A_DAY.findall(visible), A_DAY.findall(visible)[:5]
    for name in ("Philippa", "Ormerod", "Sebastian", "Pemberton"):
        assert name not in html
    assert spo.pk  # a manager in the PDU, who allocated the case
