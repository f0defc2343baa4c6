"""Moderation pages: the round's disagreements awaiting moderation, and one key question's moderation form.
Thin: reads through the selectors, the write through one service. No JavaScript. The reviewers are never
named: the two markings are shown as the first and the second."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.core.http import handle_form
from evenhand.org.access import staff_of

from . import selectors, services
from .forms import ModerationForm
from .services.moderation import OWN_MARKING


@require_GET
def disagreements(request: HttpRequest, round_id: int) -> HttpResponse:
    """The double-marked cases' disagreements, awaiting moderation first."""
    staff = staff_of(request)
    round_ = selectors.moderation_round(staff, round_id)
    found = selectors.disagreements(round_)
    awaiting = [d for d in found if d.awaiting]
    done = [d for d in found if not d.awaiting]
    return render(
        request,
        "review/moderation.html",
        {"round": round_, "awaiting": awaiting, "done": done, "viewer": staff.pk},
    )


@require_http_methods(["GET", "POST"])
def moderate(request: HttpRequest, round_id: int, sampled_id: int, question: str) -> HttpResponse:
    """One key question of one case: both markings' answers and notes, and the agreed judgement with reasons."""
    staff = staff_of(request)
    round_ = selectors.moderation_round(staff, round_id)
    found = [d for d in selectors.disagreements(round_, sampled_id=sampled_id) if d.number == question]
    if not found:
        raise Http404("No disagreement on this question of this case.")
    disagreement = found[0]
    if staff.pk in disagreement.markers:
        messages.error(request, OWN_MARKING)
        return redirect("review-moderation", round_id)
    if disagreement.moderation is not None:
        messages.info(request, f"{question} of this case is already moderated.")
        return redirect("review-moderation", round_id)
    form = ModerationForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: services.moderate(
            moderator=staff,
            round_id=round_id,
            sampled_id=sampled_id,
            question=question,
            agreed=data["agreed"],
            rationale=data["rationale"],
        ),
        success=f"{question} moderated",
        then=lambda _: reverse("review-moderation", args=[round_id]),
    )
    if done:
        return done
    return render(request, "review/moderate.html", {"round": round_, "d": disagreement, "form": form})
