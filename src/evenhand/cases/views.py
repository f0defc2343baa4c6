"""Web views for casework: record a contact and its outcome, an enforcement decision, a referral.

Thin: each page opens its record through the door (``evenhand.cases.door``), which checks that the viewer may
record casework on it, logs the view or the refusal, and returns what the page shows; ``handle_form`` calls
one service with the form's data and shows the service's errors by field.
"""

import csv
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.audit.models import Channel
from evenhand.core.concurrent import read_together
from evenhand.core.formatting import date_time_text
from evenhand.core.http import handle_form
from evenhand.core.spreadsheet import spreadsheet_safe
from evenhand.org.access import staff_of
from evenhand.people import access_log as people_access_log
from evenhand.people import door as people_door
from evenhand.people.records import PersonRecord

from . import diary, door, services
from .forms import (
    ContactForm,
    CorrectionForm,
    DecisionForm,
    EndorsementForm,
    ExtensionForm,
    OutcomeForm,
    ReferralForm,
    ReferralStatusForm,
    RegistrationEndForm,
    RegistrationForm,
    RegistrationReviewForm,
    ReleaseForm,
    RiskDecisionForm,
    RiskInformationForm,
    RiskReviewForm,
    SentenceForm,
    TerminationForm,
    correction_arguments,
    release_arguments,
    sentence_arguments,
)
from .todo import TodoKind

# A caseload, even a PDU's, is a few thousand people at most; the cap stops a runaway export.
CSV_LIMIT = 10_000


# --- a person's record and the caseload ----------------------------------------------------------------------


@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    # The caseload and the decisions on risk information at its top are read side by side (on PostgreSQL).
    caseload, risk_decisions = read_together(
        lambda: diary.caseload_with_todo(
            viewer=staff, page=request.GET.get("page"), sort=request.GET.get("sort"), channel=Channel.UI
        ),
        lambda: door.risk_decisions_waiting_for(viewer=staff, channel=Channel.UI),
    )
    title, page = caseload.title, caseload.page
    return render(
        request,
        "cases/my_cases.html",
        {
            "title": title,
            "page": page,
            "caseload": caseload,
            "todo_kinds": TodoKind.choices,
            "now": timezone.now(),
            # Its own block at the top: decisions on risk information not yet settled, most overdue first.
            "risk_decisions": risk_decisions,
            "viewer_code": staff.staff_code,
            "lens_role": staff.role,
        },
    )


@require_GET
def my_cases_csv(request: HttpRequest) -> HttpResponse:
    """The caseload as a spreadsheet. An export, so it goes in the access log."""
    staff = staff_of(request)
    _, rows = door.caseload_export(viewer=staff, channel=Channel.UI, limit=CSV_LIMIT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="caseload.csv"'
    writer = csv.writer(response)
    writer.writerow(["CRN", "Name", "Tier", "RoSH", "Next appointment", "Outstanding enforcement decisions"])
    for row in rows:
        next_appointment = row.next_appointment
        writer.writerow(
            [
                spreadsheet_safe(row.person.crn or ""),
                spreadsheet_safe(row.person.display_name),
                row.tier or "",
                row.rosh or "",
                timezone.localtime(next_appointment).strftime("%Y-%m-%d %H:%M") if next_appointment else "",
                row.outstanding_enforcement,
            ]
        )
    return response


@require_GET
def person_detail(request: HttpRequest, ref: str) -> HttpResponse:
    """The person record: summary, diversity where the role allows, sentences, timeline, enforcement, referrals.

    Staff address it by id; analysts by the opaque token the pseudonymised record links with.
    """
    staff = staff_of(request, opening_record=True)
    record = door.open_person_page(
        viewer=staff, ref=ref, channel=Channel.UI, timeline_page=request.GET.get("page")
    )
    return render(
        request,
        "cases/person_record.html",
        {
            "page": record,
            "person": record.person,
            "lens": record.lens,
            "day": diary.person_day(viewer=staff, person=record.person),
            "now": timezone.now(),
            "manages_access": people_door.manages(staff, record.person),
            # "Who looked at this record", for those who may read the access log.
            "who_looked": people_access_log.who_looked(viewer=staff, person_id=record.person.id),
        },
    )


# --- casework forms -----------------------------------------------------------------------------------------


def _person_url(person: PersonRecord, anchor: str) -> str:
    return reverse("person-detail", args=[person.ref]) + f"#{anchor}"


def _after_contact(request: HttpRequest, person: PersonRecord, result: services.ContactRecorded) -> str:
    """After an unacceptable failure go straight to the decision that is due; otherwise back to the record."""
    contact = result.contact
    if result.proposal is not None:
        messages.warning(
            request, f"Outcome recorded. An enforcement decision is due: {result.proposal.reason}"
        )
        return f"{reverse('record-decision', args=[contact.sentence_id])}?contact={contact.pk}"
    messages.success(request, "Contact recorded")
    return _person_url(person, "timeline")


@require_http_methods(["GET", "POST"])
def record_contact(request: HttpRequest, person_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = door.person_casework(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Record a contact")
    form = ContactForm(request.POST or None, sentences=page.sentences)
    done = handle_form(
        request,
        form,
        lambda data: services.record_contact(by=staff, **data),
        success=None,
        then=lambda result: _after_contact(request, page.person, result),
    )
    return done or render(
        request, "cases/record_contact.html", {"page": page, "person": page.person, "form": form}
    )


@require_http_methods(["GET", "POST"])
def record_outcome(request: HttpRequest, contact_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = door.contact_casework(
        viewer=staff, ref=contact_ref, channel=Channel.UI, purpose="Record the outcome of a contact"
    )
    form = OutcomeForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.record_contact_outcome(by=staff, contact=page.model, **data),
        success=None,
        then=lambda result: _after_contact(request, page.person, result),
    )
    return done or render(
        request,
        "cases/record_outcome.html",
        {"person": page.person, "contact": page.contact, "form": form},
    )


@require_http_methods(["GET", "POST"])
def record_decision(request: HttpRequest, sentence_ref: str) -> HttpResponse:
    """Record an enforcement decision on a sentence, or correct one (``?corrects=``), showing what the rules
    propose for the failure asked about (``?contact=``)."""
    staff = staff_of(request, opening_record=True)
    page = door.decision_casework(
        viewer=staff,
        sentence_ref=sentence_ref,
        channel=Channel.UI,
        corrects_ref=request.GET.get("corrects"),
        contact_ref=request.GET.get("contact"),
    )
    initial = {
        "triggering_contacts": page.ticked,
        "decision": page.proposal.decision if page.proposal else None,
        "decided_at": timezone.now(),
    }
    form = DecisionForm(request.POST or None, initial=initial, sentence=page.model, failures=page.failures)
    done = handle_form(
        request,
        form,
        lambda data: services.decide_enforcement(
            by=staff, sentence=page.model, corrects=page.corrects_model, **data
        ),
        success=lambda record: f"Decision recorded: {record.get_decision_display()}",
        then=lambda record: _person_url(page.person, "enforcement"),
    )
    return done or render(
        request,
        "cases/record_decision.html",
        {
            "person": page.person,
            "sentence": page.sentence,
            "corrects": page.corrects,
            "proposal": page.proposal,
            "has_failures": bool(page.ticked),
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def make_referral(request: HttpRequest, person_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = door.person_casework(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Make a referral")
    form = ReferralForm(request.POST or None, sentences=page.sentences)
    done = handle_form(
        request,
        form,
        lambda data: services.make_referral(by=staff, **data),
        success="Referral made",
        then=lambda referral: _person_url(page.person, "referrals"),
    )
    return done or render(request, "cases/make_referral.html", {"person": page.person, "form": form})


@require_http_methods(["GET", "POST"])
def update_referral(request: HttpRequest, referral_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = door.referral_casework(
        viewer=staff, ref=referral_ref, channel=Channel.UI, purpose="Update a referral"
    )
    form = ReferralStatusForm(request.POST or None, referral=page.model)
    done = handle_form(
        request,
        form,
        lambda data: services.update_referral_status(by=staff, referral=page.model, **data),
        success="Referral updated",
        then=lambda referral: _person_url(page.person, "referrals"),
    )
    return done or render(
        request,
        "cases/update_referral.html",
        {"person": page.person, "referral": page.referral, "form": form},
    )


# --- sentences: record, release, end, extend ------------------------------------------------------------------


def _sentence_recorded(sentence: Any) -> str:
    text = f"{sentence.get_type_display()} recorded"
    if not sentence.allocations.exists():
        text += ". It is in the allocation queue"
    return text


@require_http_methods(["GET", "POST"])
def record_sentence(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Record a sentence as the court passed it (a community or suspended sentence order, or custody)."""
    staff = staff_of(request, opening_record=True)
    page = door.person_casework(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Record a sentence")
    form = SentenceForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.create_sentence(by=staff, person=page.model, **sentence_arguments(data)),
        success=_sentence_recorded,
        then=lambda sentence: _person_url(page.person, "sentences"),
    )
    return done or render(request, "cases/record_sentence.html", {"person": page.person, "form": form})


def _released(release: services.Release) -> str:
    text = "Release recorded: the licence has started"
    if release.pss is not None:
        text += f", and post-sentence supervision follows it from {release.pss.start_date:%-d %B %Y}"
    return text


@require_http_methods(["GET", "POST"])
def record_release(request: HttpRequest, sentence_ref: str) -> HttpResponse:
    """Record a release from a custody sentence; the licence (and PSS where it applies) starts from it."""
    staff = staff_of(request, opening_record=True)
    page = door.sentence_casework(
        viewer=staff, ref=sentence_ref, channel=Channel.UI, purpose="Record a release from custody"
    )
    form = ReleaseForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.record_release(by=staff, custody=page.model, **release_arguments(data)),
        success=_released,
        then=lambda release: _person_url(page.person, "sentences"),
    )
    return done or render(
        request,
        "cases/record_release.html",
        {"person": page.person, "sentence": page.sentence, "form": form},
    )


@require_http_methods(["GET", "POST"])
def end_sentence(request: HttpRequest, sentence_ref: str) -> HttpResponse:
    """End a sentence with its reason: completed, revoked (after a proven breach, or a further offence) …"""
    staff = staff_of(request, opening_record=True)
    page = door.sentence_casework(
        viewer=staff, ref=sentence_ref, channel=Channel.UI, purpose="End a sentence"
    )
    form = TerminationForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.terminate_sentence(by=staff, sentence=page.model, **data),
        success=lambda sentence: f"Sentence ended: {sentence.get_termination_reason_display().lower()}",
        then=lambda sentence: _person_url(page.person, "sentences"),
    )
    return done or render(
        request, "cases/end_sentence.html", {"person": page.person, "sentence": page.sentence, "form": form}
    )


@require_http_methods(["GET", "POST"])
def extend_sentence(request: HttpRequest, sentence_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = door.sentence_casework(
        viewer=staff, ref=sentence_ref, channel=Channel.UI, purpose="Extend a sentence"
    )
    form = ExtensionForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.extend_sentence(by=staff, sentence=page.model, **data),
        success=lambda extension: f"Sentence extended to {extension.new_end_date:%-d %B %Y}",
        then=lambda extension: _person_url(page.person, "sentences"),
    )
    return done or render(
        request,
        "cases/extend_sentence.html",
        {"person": page.person, "sentence": page.sentence, "form": form},
    )


@require_http_methods(["GET", "POST"])
def correct_sentence(request: HttpRequest, sentence_ref: str) -> HttpResponse:
    """Correct details of a sentence recorded in error; the correction is kept with the reason."""
    staff = staff_of(request, opening_record=True)
    page = door.sentence_casework(
        viewer=staff, ref=sentence_ref, channel=Channel.UI, purpose="Correct a sentence"
    )
    recorded = page.model
    initial = {
        "court": recorded.court,
        "start_date": recorded.start_date,
        "length": recorded.length,
        "length_unit": recorded.length_unit,
        "expected_end_date": recorded.expected_end_date,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    done = handle_form(
        request,
        form,
        lambda data: services.correct_sentence(by=staff, sentence=recorded, **correction_arguments(data)),
        success=lambda correction: "Sentence corrected: " + ", ".join(correction.changes).replace("_", " "),
        then=lambda correction: _person_url(page.person, "sentences"),
    )
    return done or render(
        request,
        "cases/correct_sentence.html",
        {"person": page.person, "sentence": page.sentence, "form": form},
    )


# --- risk reviews and registrations -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def record_risk_review(request: HttpRequest, person_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = door.person_casework(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Record a risk of serious harm review"
    )
    form = RiskReviewForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.record_risk_review(by=staff, person=page.model, **data),
        success=lambda review: (
            f"Risk review recorded: {review.get_rosh_display().lower()} risk of serious harm"
        ),
        then=lambda review: _person_url(page.person, "risk"),
    )
    return done or render(request, "cases/record_risk_review.html", {"person": page.person, "form": form})


@require_http_methods(["GET", "POST"])
def add_registration(request: HttpRequest, person_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = door.person_casework(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Add a registration"
    )
    form = RegistrationForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.add_registration(by=staff, person=page.model, **data),
        success=lambda registration: f"Registration added: {registration.get_type_display()}",
        then=lambda registration: _person_url(page.person, "risk"),
    )
    return done or render(request, "cases/add_registration.html", {"person": page.person, "form": form})


@require_http_methods(["GET", "POST"])
def review_registration(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Review one of the person's open registrations, chosen on the form."""
    staff = staff_of(request, opening_record=True)
    page = door.registrations_casework(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Review a registration"
    )
    form = RegistrationReviewForm(request.POST or None, registrations=page.registrations)
    done = handle_form(
        request,
        form,
        lambda data: services.review_registration(by=staff, **data),
        success="Registration reviewed",
        then=lambda review: _person_url(page.person, "risk"),
    )
    return done or render(
        request, "cases/review_registration.html", {"person": page.person, "page": page, "form": form}
    )


@require_http_methods(["GET", "POST"])
def end_registration(request: HttpRequest, person_ref: str) -> HttpResponse:
    """End one of the person's open registrations, chosen on the form."""
    staff = staff_of(request, opening_record=True)
    page = door.registrations_casework(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="End a registration"
    )
    form = RegistrationEndForm(request.POST or None, registrations=page.registrations)
    done = handle_form(
        request,
        form,
        lambda data: services.end_registration(by=staff, **data),
        success="Registration ended",
        then=lambda registration: _person_url(page.person, "risk"),
    )
    return done or render(
        request, "cases/end_registration.html", {"person": page.person, "page": page, "form": form}
    )


# --- risk information: record it, decide on recall, endorse a decision not to recall --------------------------


def _recorded(information: Any) -> str:
    if not information.recall_considered:
        return "Risk information recorded. Review the risk of serious harm if it changes the picture"
    return f"Risk information recorded. Consider recall: a decision is due by {date_time_text(information.decision_due_at, tz=timezone.get_current_timezone())}"


def _after_information(page: door.PersonCasework, information: Any) -> str:
    if information.recall_considered:
        return reverse("decide-on-information", args=[information.pk])
    return _person_url(page.person, "risk-information")


@require_http_methods(["GET", "POST"])
def record_risk_information(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Record information received about a person; on a licence, go on to the decision on recall."""
    staff = staff_of(request, opening_record=True)
    page = door.person_casework(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Record risk information"
    )
    form = RiskInformationForm(request.POST or None, sentences=page.sentences)
    done = handle_form(
        request,
        form,
        lambda data: services.record_risk_information(by=staff, **data),
        success=_recorded,
        then=lambda information: _after_information(page, information),
    )
    return done or render(
        request,
        "cases/record_risk_information.html",
        {"page": page, "person": page.person, "form": form, "recall_hours": settings.RECALL_DECISION_HOURS},
    )


@require_http_methods(["GET", "POST"])
def decide_on_information(request: HttpRequest, information_ref: str) -> HttpResponse:
    """Record the decision on recall after risk information: recall, or a decision not to recall."""
    staff = staff_of(request, opening_record=True)
    page = door.information_casework(
        viewer=staff, ref=information_ref, channel=Channel.UI, purpose="Decide on risk information"
    )
    initial = {"decision": page.proposal, "decided_at": timezone.now()}
    form = RiskDecisionForm(request.POST or None, initial=initial)
    done = handle_form(
        request,
        form,
        lambda data: services.decide_enforcement(
            by=staff, sentence=page.model.sentence, risk_information=page.model, **data
        ),
        success=lambda record: (
            f"Decision recorded: {record.get_decision_display()}"
            + (". It is pending until a manager endorses it" if services.needs_endorsement(record) else "")
        ),
        then=lambda record: _person_url(page.person, "risk-information"),
    )
    return done or render(
        request,
        "cases/decide_on_information.html",
        {"person": page.person, "information": page.information, "proposal": page.proposal, "form": form},
    )


@require_http_methods(["GET", "POST"])
def endorse_decision(request: HttpRequest, decision_ref: str) -> HttpResponse:
    """A manager endorses a decision not to recall after risk information, with their own reasons."""
    staff = staff_of(request, opening_record=True)
    page = door.endorsement_casework(
        viewer=staff, ref=decision_ref, channel=Channel.UI, purpose="Endorse a decision not to recall"
    )
    form = EndorsementForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.endorse_decision(by=staff, decision=page.model, **data),
        success="Decision endorsed",
        then=lambda endorsement: _person_url(page.person, "risk-information"),
    )
    return done or render(
        request,
        "cases/endorse_decision.html",
        {
            "person": page.person,
            "decision": page.decision,
            "information": page.information,
            "form": form,
            "may_endorse": staff.role in services.ENDORSING_ROLES and staff.pk != page.model.decided_by_id,
        },
    )
