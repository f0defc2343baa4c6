"""Actions from case review findings: raising them from a round (the head of PDU), the PDU's open and overdue
actions, and closing one (its owner or the head). Thin: reads through the selectors, writes through one
service each. No JavaScript."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.core.http import handle_form
from evenhand.org.access import staff_of

from . import selectors, services
from .forms import CloseActionForm, RaiseActionForm
from .models import ActionStatus


@require_http_methods(["GET", "POST"])
def round_actions(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round's actions, and the form to raise one from its findings."""
    staff = staff_of(request)
    page = selectors.round_for(staff, round_id)
    findings = selectors.case_findings(page.round)
    form = RaiseActionForm(
        request.POST if request.method == "POST" else None,
        findings=[
            (f"case:{f.sampled_id}:{f.number}", f"Case {f.case}: {f.number} not sufficient") for f in findings
        ],
        choices=selectors.action_choices(page.round),
    )
    done = handle_form(
        request,
        form,
        lambda _: services.raise_action(by=staff, round_id=round_id, **form.action()),
        success="Action raised",
        then=lambda _: reverse("review-round-actions", args=[round_id]),
    )
    if done:
        return done
    return render(
        request,
        "review/round_actions.html",
        {"page": page, "actions": selectors.round_actions(page.round), "form": form},
    )


@require_GET
def actions(request: HttpRequest) -> HttpResponse:
    """The signed-in member of staff's open actions; for a head of PDU, the PDU's, overdue first."""
    staff = staff_of(request)
    return render(request, "review/actions.html", {"found": selectors.pdu_actions(staff)})


@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, action_id: int) -> HttpResponse:
    """One action, and closing it: done, or cancelled with the reason."""
    staff = staff_of(request)
    found = selectors.action_for(staff, action_id)
    form = CloseActionForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: (
            services.complete_action(by=staff, action_id=action_id)
            if data["outcome"] == ActionStatus.DONE
            else services.cancel_action(by=staff, action_id=action_id, reason=data["reason"])
        ),
        success=lambda closed: f"Action {closed.get_status_display().lower()}",
        then=lambda _: reverse("review-action", args=[action_id]),
    )
    if done:
        return done
    return render(request, "review/action.html", {"action": found, "form": form})
