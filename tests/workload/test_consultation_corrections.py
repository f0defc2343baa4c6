"""Corrections a practitioner reported in the sensitive-case protocol (issue 13 item 4): a consultation form sent
as it came recorded one with the first practitioner listed; the practitioner asked was not told why."""

import re

import pytest
from django.urls import reverse

from evenhand.workload import services
from evenhand.workload.models import Consultation, StaffSensitivity
from tests.workload.conftest import unallocated
from tests.workload.test_views import client_for, date_parts, text, today

pytestmark = pytest.mark.django_db

RACIAL = [{"is_main": True, "racially_or_religiously_aggravated": True}]


def test_the_consultation_form_chooses_no_practitioner_until_the_manager_does(spo, po, pso, pdu):
    sentence = unallocated(pdu, offences=RACIAL)
    url = reverse("record-consultation", args=[sentence.pk])
    html = text(client_for(spo).get(url))
    # Radios, none checked: a list would show (and send) its first practitioner.
    radios = re.findall(r'<input[^>]*name="practitioner"[^>]*>', html)
    assert len(radios) >= 2 and all('type="radio"' in r and "checked" not in r for r in radios)
    assert '<select class="govuk-select" id="id_practitioner"' not in html


def test_a_consultation_sent_blank_is_refused_naming_the_field(spo, po, pdu):
    sentence = unallocated(pdu, offences=RACIAL)
    response = client_for(spo).post(
        reverse("record-consultation", args=[sentence.pk]),
        {"notes": "", **date_parts(today(), "consulted_on")},
    )
    assert response.status_code == 200
    assert "Select who was consulted" in text(response)
    assert "This field is required" not in text(response)
    assert not Consultation.objects.exists()


def test_the_practitioner_is_told_the_flag_that_calls_for_the_consultation_and_nothing_about_sensitivities(
    spo, po, pdu
):
    sentence = unallocated(pdu, offences=[{"is_main": True, "racially_or_religiously_aggravated": True}])
    StaffSensitivity.objects.create(staff=po, kind="domestic_abuse", note="Private to me: my own history")
    consultation = services.record_consultation(
        by=spo, sentence=sentence, practitioner=po, consulted_on=today()
    )
    html = text(client_for(po).get(reverse("answer-consultation", args=[consultation.pk])))
    assert "the case is flagged: <strong>racially or religiously aggravated</strong>" in html
    assert "domestic abuse" not in html.lower() and "my own history" not in html.lower()
    assert "sensitivit" not in html.lower()


def test_a_case_that_matches_the_practitioners_own_sensitivity_names_the_cases_flag(spo, po, pdu):
    sentence = unallocated(pdu, offences=[{"is_main": True, "domestic_abuse": True}])
    StaffSensitivity.objects.create(staff=po, kind="domestic_abuse", note="Private to me")
    consultation = services.record_consultation(
        by=spo, sentence=sentence, practitioner=po, consulted_on=today()
    )
    html = text(client_for(po).get(reverse("answer-consultation", args=[consultation.pk])))
    assert "the case is flagged: <strong>domestic abuse</strong>" in html
    assert "private to me" not in html.lower()
    # The manager's pages never name the practitioner's sensitivity either.
    assert "Private to me" not in text(client_for(spo).get(reverse("allocate-case", args=[sentence.pk])))
