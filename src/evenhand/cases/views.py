"""Web views for casework: record a contact and its outcome, an enforcement decision, a referral.

Each view reads through selectors, writes through one service call, and shows the service's errors by field.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from evenhand.core.http import add_service_errors
from evenhand.org.access import staff_of
from evenhand.people.access import ensure_can_record
from evenhand.people.selectors import person_for

from . import selectors, services
from .forms import ContactForm, DecisionForm, OutcomeForm, ReferralForm, ReferralStatusForm
from .models import Contact, Decision, Referral, Sentence


def _person_url(person_id: int, anchor: str = "") -> str:
    return reverse("person-detail", args=[person_id]) + (f"#{anchor}" if anchor else "")


def _after_contact(request: HttpRequest, result: services.ContactRecorded) -> HttpResponse:
    """After an unacceptable failure go straight to the decision that is due; otherwise back to the record."""
    contact = result.contact
    if result.proposal is not None:
        messages.warning(
            request, f"Outcome recorded. An enforcement decision is due: {result.proposal.reason}"
        )
        return redirect(f"{reverse('record-decision', args=[contact.sentence_id])}?contact={contact.pk}")
    messages.success(request, "Contact recorded")
    return redirect(_person_url(contact.person_id, "timeline"))


@require_http_methods(["GET", "POST"])
def record_contact(request: HttpRequest, person_id: int) -> HttpResponse:
    staff = staff_of(request)
    person = person_for(staff, person_id)
    ensure_can_record(staff, person)
    sentences = selectors.active_sentences(person)
    form = ContactForm(request.POST or None, sentences=sentences)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.record_contact(by=staff, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_contact(request, result)
    return render(request, "cases/record_contact.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
def record_outcome(request: HttpRequest, contact_id: int) -> HttpResponse:
    staff = staff_of(request)
    contact = get_object_or_404(Contact.objects.select_related("sentence"), pk=contact_id)
    person = person_for(staff, contact.person_id)
    ensure_can_record(staff, person)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.record_contact_outcome(by=staff, contact=contact, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_contact(request, result)
    return render(request, "cases/record_outcome.html", {"person": person, "contact": contact, "form": form})


@require_http_methods(["GET", "POST"])
def record_decision(request: HttpRequest, sentence_id: int) -> HttpResponse:
    """Record an enforcement decision on a sentence, showing what the rules propose for each failure."""
    staff = staff_of(request)
    sentence = get_object_or_404(Sentence, pk=sentence_id)
    person = person_for(staff, sentence.person_id)
    ensure_can_record(staff, person)
    corrects = None
    if "corrects" in request.GET:
        if not request.GET["corrects"].isdigit():
            raise Http404("No such decision")
        corrects = get_object_or_404(sentence.enforcement_decisions, pk=request.GET["corrects"])
        failures = corrects.triggering_contacts.all()
    else:
        failures = selectors.outstanding_failures(person).filter(sentence=sentence)
    failure_list = list(failures)
    selected = request.GET.get("contact")
    proposal = None
    for failure in failure_list:
        if str(failure.pk) == selected or proposal is None:
            proposal = services.propose_enforcement(failure)
    initial = {
        "triggering_contacts": [c.pk for c in failure_list if str(c.pk) == selected]
        or [c.pk for c in failure_list],
        "decision": proposal.decision if proposal else None,
    }
    form = DecisionForm(request.POST or None, initial=initial, sentence=sentence, failures=failures)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.decide_enforcement(
                by=staff, sentence=sentence, corrects=corrects, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Decision recorded: {record.get_decision_display()}")
            return redirect(_person_url(person.pk, "enforcement"))
    return render(
        request,
        "cases/record_decision.html",
        {
            "person": person,
            "sentence": sentence,
            "form": form,
            "proposal": proposal,
            "corrects": corrects,
            "failures": failure_list,
            "recall_decisions": [d.value for d in Decision if d.value.startswith("recall")],
        },
    )


@require_http_methods(["GET", "POST"])
def make_referral(request: HttpRequest, person_id: int) -> HttpResponse:
    staff = staff_of(request)
    person = person_for(staff, person_id)
    ensure_can_record(staff, person)
    form = ReferralForm(request.POST or None, sentences=selectors.active_sentences(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.make_referral(by=staff, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Referral made")
            return redirect(_person_url(person.pk, "referrals"))
    return render(request, "cases/make_referral.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
def update_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    staff = staff_of(request)
    referral = get_object_or_404(Referral, pk=referral_id)
    person = person_for(staff, referral.person_id)
    ensure_can_record(staff, person)
    form = ReferralStatusForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_referral_status(by=staff, referral=referral, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Referral updated")
            return redirect(_person_url(person.pk, "referrals"))
    return render(
        request, "cases/update_referral.html", {"person": person, "referral": referral, "form": form}
    )
