"""The assessment pages: a person's assessments and tier, the task list, each section on its own page, the
diversity conversation, the predictors, completing and countersigning; the tier with its working.

Thin: each page opens its record through the door (``evenhand.assessment.door``), which checks the viewer,
logs the view or refusal and shapes what the page shows; writes call one service, whose errors are shown by
field on the form as typed. No JavaScript: every action is a form posted to the server.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.audit.models import Channel
from evenhand.core.http import add_service_errors, handle_form
from evenhand.org.access import staff_of

from . import door, services
from . import sections as S
from .forms import ConfirmForm, PredictorsForm, SectionForm, StartForm, TopicForm
from .models import Topic


def _task_list(ref: str) -> str:
    return reverse("assessment", args=[ref])


@require_GET
def assessments(request: HttpRequest, person_ref: str) -> HttpResponse:
    """A person's assessments and computed tier, for everyone who may see the person."""
    staff = staff_of(request, opening_record=True)
    page = door.open_assessments(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Assessments")
    return render(
        request, "assessment/assessments.html", {"page": page, "person": page.person, "lens": page.lens}
    )


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Start an assessment (a casework role): a review, prefilled, when there is one to review."""
    staff = staff_of(request, opening_record=True)
    work = door.person_for_assessment(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Start an assessment"
    )
    form = StartForm(request.POST if request.method == "POST" else None, sentences=work.sentences)
    done = handle_form(
        request,
        form,
        lambda data: services.start_assessment(
            by=staff, person=work.model, sentence=data.get("sentence"), kind=data.get("kind") or None
        ),
        success="Assessment started",
        then=lambda started: _task_list(str(started.pk)),
    )
    return done or render(
        request,
        "assessment/start.html",
        {"work": work, "person": work.person, "form": form, "last": work.last_finished},
    )


@require_GET
def assessment(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    """The task list: what the record holds, each section and its state, the counts of prefilled and typed."""
    staff = staff_of(request, opening_record=True)
    page = door.open_assessment(viewer=staff, ref=assessment_ref, channel=Channel.UI, purpose="Assessment")
    return render(
        request,
        "assessment/task_list.html",
        {"page": page, "person": page.person, "lens": page.lens, "a": page.assessment},
    )


@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, assessment_ref: str, section_key: str) -> HttpResponse:
    """One section on its own page: save and come back, save as complete, or (on a review) confirm that
    nothing changed since the last assessment, in one action."""
    try:
        sec = S.section(section_key)
    except S.AnswerError:
        raise Http404("No such section.") from None
    staff = staff_of(request, opening_record=True)
    work = door.assessment_for_work(
        viewer=staff, ref=assessment_ref, channel=Channel.UI, purpose=f"Assessment: {sec.title}"
    )
    shown = next(s for s in work.page.assessment.sections if s.key == sec.key)
    ref = work.page.assessment.ref
    form = SectionForm(request.POST or None, section=sec)
    if request.method != "POST":
        answers = {i.code: i.value for i in shown.items}
        form = SectionForm(
            section=sec,
            initial=SectionForm.initial_of(
                sec, answers, shown.analysis, shown.linked_to_harm, shown.linked_to_reoffending
            ),
        )
    elif request.POST.get("action") == "no_change":
        try:
            services.confirm_no_change(by=staff, assessment=work.model, section=sec.key)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{sec.title}: confirmed, no change")
            return redirect(_task_list(ref))
    else:
        complete = request.POST.get("action") == "complete"
        done = handle_form(
            request,
            form,
            lambda data: services.save_section(
                by=staff, assessment=work.model, section=sec.key, complete=complete, **form.arguments()
            ),
            success=f"{sec.title}: {'completed' if complete else 'saved'}",
            then=lambda _: _task_list(ref),
        )
        if done:
            return done
    return render(
        request,
        "assessment/section.html",
        {
            "page": work.page,
            "person": work.page.person,
            "a": work.page.assessment,
            "sec": sec,
            "shown": shown,
            "form": form,
        },
    )


def _topic_errors(forms: dict[str, TopicForm], error: ValidationError) -> None:
    """A service error keyed ``<topic>-<field>`` shown on that topic's form and field."""
    for key, texts in (
        error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    ).items():
        topic, _, field = key.partition("-")
        form = forms.get(topic) or next(iter(forms.values()))
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    """The diversity conversation: the eight topics on one page, saved together (save as you go)."""
    staff = staff_of(request, opening_record=True)
    work = door.assessment_for_work(
        viewer=staff, ref=assessment_ref, channel=Channel.UI, purpose="Assessment: diversity conversation"
    )
    shown = {t.topic: t for t in work.page.assessment.topics}
    data = request.POST if request.method == "POST" else None
    forms: dict[str, TopicForm] = {}
    for topic in Topic:
        held = shown[topic.value]
        initial: dict[str, Any] = (
            {
                "status": held.status,
                "not_yet_reason": held.not_yet_reason or "",
                "in_their_words": held.in_their_words or "",
                "bearing_on_plan": held.bearing_on_plan or "",
            }
            if held.held
            else {}
        )
        forms[topic.value] = TopicForm(data, topic=topic, initial=initial)
    if data is not None and all(f.is_valid() for f in forms.values()):
        try:
            services.save_conversation(
                by=staff,
                assessment=work.model,
                answers={key: f.answer() for key, f in forms.items() if f.cleaned_data.get("status")},
            )
        except ValidationError as error:
            _topic_errors(forms, error)
        else:
            messages.success(request, "Diversity conversation saved")
            return redirect(_task_list(work.page.assessment.ref))
    return render(
        request,
        "assessment/conversation.html",
        {
            "page": work.page,
            "person": work.page.person,
            "a": work.page.assessment,
            "topics": [(forms[t.value], shown[t.value]) for t in Topic],
            "errors": [(f, f.errors) for f in forms.values() if f.errors],
            "has_errors": any(f.errors for f in forms.values()),
        },
    )


@require_http_methods(["GET", "POST"])
def predictors(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    work = door.assessment_for_work(
        viewer=staff, ref=assessment_ref, channel=Channel.UI, purpose="Assessment: predictors"
    )
    a = work.page.assessment
    initial = {"ogrs": "" if a.ogrs is None else str(a.ogrs), "rsr": "" if a.rsr is None else str(a.rsr)}
    form = PredictorsForm(request.POST or None, initial=initial)
    done = handle_form(
        request,
        form,
        lambda data: services.record_predictors(by=staff, assessment=work.model, **data),
        success="Predictor scores saved",
        then=lambda _: _task_list(a.ref),
    )
    return done or render(
        request,
        "assessment/predictors.html",
        {"page": work.page, "person": work.page.person, "a": a, "form": form},
    )


@require_http_methods(["GET", "POST"])
def complete(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    """Check and complete: what still stops it, by section and topic; then complete (or send to an SPO)."""
    staff = staff_of(request, opening_record=True)
    work = door.assessment_for_work(
        viewer=staff, ref=assessment_ref, channel=Channel.UI, purpose="Assessment: complete"
    )
    a = work.page.assessment
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: services.complete_assessment(by=staff, assessment=work.model),
        success=lambda done: (
            "Assessment completed"
            if done.status == "complete"
            else "Sent to a senior probation officer to countersign"
        ),
        then=lambda _: _task_list(a.ref),
    )
    return done or render(
        request,
        "assessment/complete.html",
        {"page": work.page, "person": work.page.person, "a": a, "form": form, "sections": S.BY_KEY},
    )


@require_http_methods(["GET", "POST"])
def countersign(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    """An SPO countersigns a PSO's assessment of a high risk of serious harm case (never their own)."""
    staff = staff_of(request, opening_record=True)
    work = door.assessment_for_work(
        viewer=staff, ref=assessment_ref, channel=Channel.UI, purpose="Assessment: countersign"
    )
    a = work.page.assessment
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: services.countersign_assessment(by=staff, assessment=work.model),
        success="Assessment countersigned and complete",
        then=lambda _: _task_list(a.ref),
    )
    return done or render(
        request,
        "assessment/countersign.html",
        {"page": work.page, "person": work.page.person, "a": a, "form": form},
    )


@require_GET
def tier(request: HttpRequest, person_ref: str) -> HttpResponse:
    """The person's computed tier, its working line by line, and every change to it."""
    staff = staff_of(request, opening_record=True)
    page = door.open_tier(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Tier")
    return render(request, "assessment/tier.html", {"page": page, "person": page.person, "lens": page.lens})
