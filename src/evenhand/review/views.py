"""The reviewer's pages: the queue, a review (the blind case and its key questions), one key question's
form, and submitting. Thin: every page opens its review through the door; writes call one service. No
JavaScript: each key question is a form posted to the server."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.audit.models import Channel
from evenhand.core.http import handle_form
from evenhand.org.access import staff_of

from . import door, services
from .forms import KeyQuestionForm, SubmitForm


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The signed-in member of staff's reviews."""
    staff = staff_of(request)
    return render(request, "review/queue.html", {"rows": door.review_queue(viewer=staff)})


@require_GET
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    """A review: the case, blind, and each key question with its progress."""
    staff = staff_of(request)
    page = door.open_review(viewer=staff, review_id=review_id, channel=Channel.UI, purpose="Case review")
    return render(request, "review/review.html", {"page": page, "form": SubmitForm()})


@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, review_id: int, question: str) -> HttpResponse:
    """One key question: each prompt answered sufficient, not sufficient or not applicable, with a note."""
    staff = staff_of(request)
    page = door.open_review(viewer=staff, review_id=review_id, channel=Channel.UI, purpose="Case review")
    key = page.question(question)
    form = KeyQuestionForm(request.POST if request.method == "POST" else None, question=key)
    numbers = [q.number for q in page.questions]
    following = numbers.index(key.number) + 1
    then = (
        reverse("review-question", args=[review_id, numbers[following]])
        if following < len(numbers)
        else reverse("review", args=[review_id])
    )
    done = handle_form(
        request,
        form,
        lambda data: services.record_answers(reviewer=staff, review_id=review_id, answers=form.answers()),
        success=f"{key.number} answered",
        then=lambda _: then,
    )
    if done:
        return done
    return render(request, "review/question.html", {"page": page, "key": key, "form": form})


@require_http_methods(["POST"])
def submit(request: HttpRequest, review_id: int) -> HttpResponse:
    """Submit the review once every key question is answered; otherwise the review page says what is left."""
    staff = staff_of(request)
    page = door.open_review(
        viewer=staff, review_id=review_id, channel=Channel.UI, purpose="Submit a case review"
    )
    form = SubmitForm(request.POST)
    done = handle_form(
        request,
        form,
        lambda _: services.submit_review(reviewer=staff, review_id=review_id),
        success="Review submitted",
        then=lambda _: reverse("review-queue"),
    )
    if done:
        return done
    return render(request, "review/review.html", {"page": page, "form": form}, status=400)
