"""Web views for finding and registering people, their diversity profile and who may see their record.
Thin: the door (``evenhand.people.door``) checks, logs and shapes; the services hold the rules.

A person's whole record and the caseload ("My cases") show their sentences and contacts, so they are case
pages: ``evenhand.cases.views``.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.audit.models import Channel
from evenhand.core.http import add_service_errors, handle_form
from evenhand.org.access import staff_of
from evenhand.people.access import can_record_casework, can_see_identity

from . import access_log, door, services
from .forms import AccessForm, AccessLogFilterForm, AddressForm, DetailsForm, DiversityForm, RegisterForm
from .models import VALUES_OF, Characteristic
from .selectors import staff_by_code


@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    query = request.GET.get("q", "").strip()[:100]
    page = door.search_people(viewer=staff, query=query, page=request.GET.get("page"), channel=Channel.UI)
    return render(
        request,
        "people/search.html",
        {
            "query": query,
            "page": page,
            "can_search": can_see_identity(staff),
            "can_register": can_record_casework(staff),
        },
    )


def _addresses(data: dict[str, Any]) -> list[services.AddressIn]:
    """The one address the form takes, if any part of it was given (the service checks it whole)."""
    parts = [data.get(f"address_{k}") for k in ("line_1", "line_2", "town", "postcode", "from")]
    if not any(parts):
        return []
    if data.get("address_from") is None:
        raise ValidationError({"address_from": "Enter the date they have lived there from"})
    return [
        services.AddressIn(
            line_1=data["address_line_1"],
            line_2=data["address_line_2"],
            town=data["address_town"],
            postcode=data["address_postcode"],
            start_date=data["address_from"],
        )
    ]


# The service names an address's fields by their place in the list; the form has one address.
ADDRESS_FIELDS = {
    "addresses.0.line_1": "address_line_1",
    "addresses.0.line_2": "address_line_2",
    "addresses.0.town": "address_town",
    "addresses.0.postcode": "address_postcode",
    "addresses.0.start_date": "address_from",
    "addresses.0.end_date": "address_from",
}


@require_http_methods(["GET", "POST"])
def register_person(request: HttpRequest) -> HttpResponse:
    """Register a person: the duplicate check runs before anything is saved; possible duplicates are shown,
    to link to (open their record) or to say why this is a different person. Then on to their diversity
    profile."""
    staff = staff_of(request)
    if not can_record_casework(staff):
        raise PermissionDenied(
            "Only practitioners, senior probation officers and heads of PDU can register people."
        )
    form = RegisterForm(request.POST or None)
    candidates: list[Any] = []
    hidden = 0
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.create_person(
                by=staff,
                crn=data["crn"] if data["crn_source"] == "entered" else None,
                first_name=data["first_name"],
                middle_names=data["middle_names"],
                last_name=data["last_name"],
                preferred_name=data["preferred_name"],
                date_of_birth=data["date_of_birth"],
                sex=data["sex"],
                pnc=data["pnc"],
                first_language=data["first_language"],
                interpreter_required=data["interpreter_required"] == "yes",
                phone=data["phone"],
                email=data["email"],
                gender_identity=data["gender_identity"],
                gender_identity_words=data["gender_identity_words"],
                addresses=_addresses(data),
                distinct_reason=data["distinct_reason"],
            )
        except services.PossibleDuplicates as found:
            candidates, hidden = door.shape_candidates(
                viewer=staff, candidates=found.candidates, channel=Channel.UI, purpose="Duplicate check"
            )
            add_service_errors(form, found)
        except ValidationError as error:
            renamed = (
                ValidationError({ADDRESS_FIELDS.get(k, k): v for k, v in error.message_dict.items()})
                if hasattr(error, "error_dict")
                else error
            )
            add_service_errors(form, renamed)
        else:
            # Next, how they identify: the diversity profile, which links back to the whole record.
            messages.success(
                request,
                f"{person.full_name} registered with CRN {person.crn}. Record their diversity profile.",
            )
            return redirect("person-diversity", person.pk)
    return render(
        request, "people/register.html", {"form": form, "candidates": candidates, "hidden_candidates": hidden}
    )


@require_GET
def diversity_profile(request: HttpRequest, person_ref: str) -> HttpResponse:
    """The diversity profile in force today and its whole history (special-category data: the roles that may
    see it only; the view is logged)."""
    staff = staff_of(request, opening_record=True)
    page = door.open_diversity(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Diversity profile")
    return render(
        request,
        "people/diversity.html",
        {"page": page, "person": page.person, "characteristics": Characteristic.choices},
    )


@require_http_methods(["GET", "POST"])
def record_diversity(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Record a new value of one characteristic (``?characteristic=``, ethnicity by default), or correct a row
    entered in error (``?corrects=<id>``)."""
    staff = staff_of(request, opening_record=True)
    person = door.person_for_diversity(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Record diversity"
    )
    corrects = door.diversity_entry_to_correct(person=person, ref=request.GET.get("corrects"))
    if request.GET.get("corrects") is not None and corrects is None:
        raise Http404("No such value in this person's diversity history.")
    characteristic = corrects.characteristic if corrects else request.GET.get("characteristic", "")
    if characteristic not in VALUES_OF:
        characteristic = Characteristic.ETHNICITY
    form = DiversityForm(
        request.POST or None,
        characteristic=characteristic,
        correcting=corrects is not None,
        initial={"identified_on": corrects.identified_on if corrects else timezone.localdate()},
    )

    def save(data: dict[str, Any]) -> Any:
        if corrects is not None:
            return services.correct_diversity_entry(
                by=staff,
                entry=corrects,
                value=data["value"],
                identified_by=data["identified_by"],
                identified_on=data["identified_on"],
                detail=data["detail"],
                reason=data["reason"],
            )
        return services.record_diversity_value(
            by=staff,
            person=person,
            characteristic=characteristic,
            value=data["value"],
            identified_by=data["identified_by"],
            identified_on=data["identified_on"],
            detail=data["detail"],
        )

    label = Characteristic(characteristic).label
    done = handle_form(
        request,
        form,
        save,
        success=f"{label} {'corrected' if corrects else 'recorded'}",
        then=lambda entry: reverse("person-diversity", args=[person.pk]),
    )
    if done is not None:
        return done
    return render(
        request,
        "people/record_diversity.html",
        {"form": form, "person": person, "characteristic_label": label, "corrects": corrects},
    )


@require_http_methods(["GET", "POST"])
def correct_details(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Correct or update a person's details; every change is kept with the value before and why."""
    staff = staff_of(request, opening_record=True)
    page = door.person_details(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Change details")
    person = page.model
    initial = {field: getattr(person, field) for field in services.CORRECTABLE}
    initial["interpreter_required"] = "yes" if person.interpreter_required else "no"
    form = DetailsForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> Any:
        changes = {field: data[field] for field in services.CORRECTABLE}
        changes["interpreter_required"] = data["interpreter_required"] == "yes"
        # The service keeps a change for each field that differs, and refuses a form that changes nothing.
        return services.correct_person(by=staff, person=person, reason=data["reason"], **changes)

    done = handle_form(
        request,
        form,
        save,
        success="Details changed",
        then=lambda rows: reverse("person-detail", args=[person.pk]),
    )
    if done is not None:
        return done
    return render(request, "people/details.html", {"form": form, "page": page, "person": page.person})


@require_http_methods(["GET", "POST"])
def add_address(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Add an address with its dates (a move ends the one they lived at)."""
    staff = staff_of(request, opening_record=True)
    person = door.person_for_casework(
        viewer=staff,
        person_id=person_ref,
        channel=Channel.UI,
        purpose="Add an address",
    )
    form = AddressForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.add_address(
            by=staff,
            person=person,
            address=services.AddressIn(
                line_1=data["line_1"],
                line_2=data["line_2"],
                town=data["town"],
                postcode=data["postcode"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            ),
            replaces_current=data["replaces_current"] == "yes",
        ),
        success="Address added",
        then=lambda address: reverse("person-details", args=[person.pk]),
    )
    if done is not None:
        return done
    return render(request, "people/add_address.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
def manage_access(request: HttpRequest, person_ref: str) -> HttpResponse:
    """A record's exclusion and restriction lists, for a head of its PDU (or an administrator where the service
    allows): add someone, or take someone off, with a reason."""
    staff = staff_of(request, opening_record=True)
    person = door.person_for_access(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Manage access")
    form = AccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = staff_by_code(data["staff_code"])
        try:
            if member is None:
                raise ValidationError({"staff_code": "There is no member of staff with this code"})
            if data["action"] == "remove":
                services.remove_from_access_list(
                    by=staff,
                    person=person,
                    list_name=data["list_name"],
                    staff=member,
                    reason=data["reason"],
                    channel=Channel.UI,
                )
                messages.success(request, f"{member.full_name} taken off the {data['list_name']} list")
            else:
                services.add_to_access_list(
                    by=staff,
                    person=person,
                    list_name=data["list_name"],
                    staff=member,
                    reason=data["reason"],
                    review_on=data["review_on"],
                    channel=Channel.UI,
                )
                messages.success(request, f"{member.full_name} added to the {data['list_name']} list")
            return redirect("person-access", person.pk)
        except ValidationError as error:
            renamed = (
                ValidationError(
                    {
                        {"staff": "staff_code", "list": "list_name"}.get(k, k): v
                        for k, v in error.message_dict.items()
                    }
                )
                if hasattr(error, "error_dict")
                else error
            )
            add_service_errors(form, renamed)
    page = door.access_page(viewer=staff, person=person)
    return render(request, "people/access.html", {"form": form, "page": page, "person": page.person})


@require_GET
def read_access_log(request: HttpRequest) -> HttpResponse:
    """The access log (administrators): each entry by CRN and name, filtered by CRN, name, staff and dates."""
    staff = staff_of(request)
    if not access_log.can_read_access_log(staff):
        raise PermissionDenied("Only administrators can read the access log.")
    form = AccessLogFilterForm(request.GET or None)
    query = access_log.AccessLogQuery()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        query = access_log.AccessLogQuery(
            crn=data["crn"],
            name=data["name"],
            staff_code=data["staff"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    page = access_log.access_log_page(viewer=staff, query=query, page=request.GET.get("page"))
    return render(request, "audit/access_log.html", {"page": page, "form": form, "nav_section": "access-log"})
