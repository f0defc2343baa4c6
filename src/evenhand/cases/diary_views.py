"""Web views for the practitioner's day: book, reschedule and cancel appointments, record an outcome from the
diary, and a practitioner's week as a list and as a calendar (rendered on the server, no JavaScript).

Thin, as ``evenhand.cases.views``: each page opens its record through the door (``evenhand.cases.diary``),
and ``handle_form`` calls one service with the form's data.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evenhand.audit.models import Channel
from evenhand.core.formatting import date_text
from evenhand.core.http import handle_form
from evenhand.org.access import staff_of
from evenhand.people.records import PersonRecord

from . import diary
from .appointment_forms import (
    AppointmentForm,
    CancelForm,
    RescheduleForm,
    booking_arguments,
    reschedule_arguments,
)
from .forms import OutcomeForm
from .services import ContactRecorded, record_contact_outcome
from .services.appointments import (
    SeriesBooked,
    book_appointment,
    book_series,
    cancel_appointment,
    reschedule_appointment,
)


def _person_url(person: PersonRecord, anchor: str) -> str:
    return reverse("person-detail", args=[person.ref]) + f"#{anchor}"


def _book(staff: Any, data: dict[str, Any]) -> SeriesBooked:
    occurrences, arguments = booking_arguments(data)
    if occurrences > 1:
        return book_series(by=staff, occurrences=occurrences, **arguments)
    return SeriesBooked([book_appointment(by=staff, **arguments)], [])


def _booked(result: SeriesBooked) -> str:
    first = result.contacts[0]
    if len(result.contacts) == 1:
        return f"Appointment booked for {date_text(timezone.localdate(first.starts_at))}"
    text = f"{len(result.contacts)} appointments booked from {date_text(timezone.localdate(first.starts_at))}"
    if result.skipped:
        text += ", skipping " + ", ".join(date_text(d) for d in result.skipped) + " (bank holiday)"
    return text


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, person_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = diary.booking_casework(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Book an appointment"
    )
    form = AppointmentForm(request.POST or None, page=page, viewer=staff)
    done = handle_form(
        request,
        form,
        lambda data: _book(staff, data),
        success=_booked,
        then=lambda result: _person_url(page.person, "appointments"),
    )
    return done or render(
        request, "cases/book_appointment.html", {"page": page, "person": page.person, "form": form}
    )


@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, contact_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = diary.appointment_casework(
        viewer=staff, ref=contact_ref, channel=Channel.UI, purpose="Reschedule an appointment"
    )
    form = RescheduleForm(request.POST or None, staff=page.staff)
    done = handle_form(
        request,
        form,
        lambda data: reschedule_appointment(by=staff, contact=page.model, **reschedule_arguments(data)),
        success=lambda new: f"Appointment moved to {date_text(timezone.localdate(new.starts_at))}",
        then=lambda new: _person_url(page.person, "appointments"),
    )
    return done or render(
        request,
        "cases/reschedule_appointment.html",
        {"person": page.person, "appointment": page.appointment, "form": form},
    )


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, contact_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    page = diary.appointment_casework(
        viewer=staff, ref=contact_ref, channel=Channel.UI, purpose="Cancel an appointment"
    )
    form = CancelForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: cancel_appointment(by=staff, contact=page.model, **data),
        success="Appointment cancelled",
        then=lambda contact: _person_url(page.person, "appointments"),
    )
    return done or render(
        request,
        "cases/cancel_appointment.html",
        {"person": page.person, "appointment": page.appointment, "form": form},
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else fallback


@require_POST
def record_outcome(request: HttpRequest, contact_ref: str) -> HttpResponse:
    """The outcome of an appointment, recorded in one action from a list (the diary, the person's page). An
    unacceptable failure goes straight to the enforcement decision it calls for; an error shows the outcome
    form with the message."""
    staff = staff_of(request, opening_record=True)
    page = diary.appointment_casework(
        viewer=staff, ref=contact_ref, channel=Channel.UI, purpose="Record the outcome of an appointment"
    )
    form = OutcomeForm(request.POST)

    def then(result: ContactRecorded) -> str:
        if result.proposal is not None:
            messages.warning(
                request, f"Outcome recorded. An enforcement decision is due: {result.proposal.reason}"
            )
            return (
                f"{reverse('record-decision', args=[result.contact.sentence_id])}?contact={result.contact.pk}"
            )
        return _safe_next(request, _person_url(page.person, "appointments"))

    done = handle_form(
        request,
        form,
        lambda data: record_contact_outcome(by=staff, contact=page.model, **data),
        success=lambda result: f"Outcome recorded: {result.contact.get_outcome_display().lower()}",
        then=then,
    )
    if done is not None:
        return done
    contact = {
        "type_label": page.appointment.type_label,
        "starts_at": page.appointment.starts_at,
        "location": page.appointment.location,
    }
    return render(
        request,
        "cases/record_outcome.html",
        {"person": page.person, "contact": contact, "form": form},
        status=200,
    )


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return timezone.localdate()


@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """A practitioner's week: ``?staff=`` (a manager looking at a colleague's), ``?week=`` (any day of it),
    ``?view=calendar`` for the calendar instead of the list."""
    staff = staff_of(request)
    page = diary.week_page(
        viewer=staff, practitioner_id=request.GET.get("staff"), day=_day(request), channel=Channel.UI
    )
    view = "calendar" if request.GET.get("view") == "calendar" else "list"
    return render(
        request,
        "cases/week.html",
        {
            "page": page,
            "view": view,
            "now": timezone.now(),
            "viewer": staff,
            "outcome_form": OutcomeForm(),
            "here": request.get_full_path(),
        },
    )
