"""The sentence plan pages: the plan (from the person page and from the assessment), making it, adding and
changing goals, adding steps and moving them on, recording the person's agreement, setting the review date.

Thin: each page opens the plan through its door (``evenhand.assessment.plan_door``), which checks the viewer,
logs the view or refusal and shapes what the page shows; writes call one service, whose errors are shown by
field on the form as typed. No JavaScript: every action is a form posted to the server.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.audit.models import Channel
from evenhand.core.http import handle_form
from evenhand.org.access import staff_of

from . import plan_door, services
from .forms import AgreementForm, ConfirmForm, GoalForm, ReviewForm, StepForm, StepStatusForm


def _plan_url(ref: str) -> str:
    return reverse("sentence-plan", args=[ref])


def _context(work: plan_door.PlanWork | plan_door.PlanPage, **more: Any) -> dict[str, Any]:
    page = work.page if isinstance(work, plan_door.PlanWork) else work
    return {"page": page, "person": page.person, "lens": page.lens, "plan": page.plan, **more}


@require_GET
def person_plan(request: HttpRequest, person_ref: str) -> HttpResponse:
    """From the person page: their current plan, or where to make one."""
    staff = staff_of(request, opening_record=True)
    found = plan_door.person_plan(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Sentence plan")
    if found.current_ref is not None:
        return redirect(_plan_url(found.current_ref))
    return render(request, "assessment/plan_none.html", {"found": found, "person": found.person})


@require_GET
def plan(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    """The plan answering an assessment: goals and steps, needs without a goal, agreement, history."""
    staff = staff_of(request, opening_record=True)
    page = plan_door.open_plan(viewer=staff, ref=assessment_ref, channel=Channel.UI, purpose="Sentence plan")
    return render(request, "assessment/plan.html", _context(page))


def _work(request: HttpRequest, ref: str, purpose: str) -> tuple[Any, plan_door.PlanWork]:
    staff = staff_of(request, opening_record=True)
    return staff, plan_door.plan_for_work(
        viewer=staff, ref=ref, channel=Channel.UI, purpose=f"Sentence plan: {purpose}"
    )


def _no_plan(request: HttpRequest, work: plan_door.PlanWork) -> HttpResponse:
    """A form of a plan not made yet: back to the plan page, which offers to make it."""
    messages.info(request, plan_door.NO_PLAN)
    return redirect(_plan_url(work.page.ref))


@require_http_methods(["GET", "POST"])
def make(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    staff, work = _work(request, assessment_ref, "make")
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: services.make_plan(by=staff, assessment=work.assessment),
        success="Sentence plan made",
        then=lambda _: _plan_url(work.page.ref),
    )
    return done or render(request, "assessment/plan_make.html", _context(work, form=form))


@require_http_methods(["GET", "POST"])
def add_goal(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    staff, work = _work(request, assessment_ref, "add a goal")
    plan = work.plan
    if plan is None:
        return _no_plan(request, work)
    initial = {"status": "active"}
    topic = request.GET.get("topic", "")
    if any(f.topic == topic for f in work.page.findings):
        initial["topic"] = topic
    need = request.GET.get("need", "")
    if need:
        initial["need"] = need
    form = GoalForm(
        request.POST if request.method == "POST" else None, findings=work.page.findings, initial=initial
    )
    done = handle_form(
        request,
        form,
        lambda data: services.add_goal(by=staff, plan=plan, **form.arguments()),
        success="Goal added",
        then=lambda _: _plan_url(work.page.ref),
    )
    return done or render(request, "assessment/plan_goal.html", _context(work, form=form, goal=None))


@require_http_methods(["GET", "POST"])
def change_goal(request: HttpRequest, assessment_ref: str, goal_ref: str) -> HttpResponse:
    staff, work = _work(request, assessment_ref, "change a goal")
    plan = work.plan
    if plan is None:
        return _no_plan(request, work)
    goal = plan_door.goal_of(work, goal_ref)
    shown = next(g for g in work.page.plan.goals if g.id == goal.pk) if work.page.plan else None
    initial = {
        "title": goal.title,
        "need": goal.need,
        "related_needs": goal.related_needs,
        "status": goal.status,
        "target_date": goal.target_date,
        "topic": goal.topic.topic if goal.topic is not None else "",
        "note": goal.status_note,
    }
    form = GoalForm(
        request.POST if request.method == "POST" else None,
        findings=work.page.findings,
        changing=True,
        initial=initial,
    )
    done = handle_form(
        request,
        form,
        lambda data: services.change_goal(by=staff, plan=plan, goal=goal, **form.arguments()),
        success="Goal changed",
        then=lambda _: _plan_url(work.page.ref),
    )
    return done or render(request, "assessment/plan_goal.html", _context(work, form=form, goal=shown))


@require_http_methods(["GET", "POST"])
def add_step(request: HttpRequest, assessment_ref: str, goal_ref: str) -> HttpResponse:
    staff, work = _work(request, assessment_ref, "add a step")
    plan = work.plan
    if plan is None:
        return _no_plan(request, work)
    goal = plan_door.goal_of(work, goal_ref)
    shown = next(g for g in work.page.plan.goals if g.id == goal.pk) if work.page.plan else None
    form = StepForm(
        request.POST if request.method == "POST" else None,
        referrals=work.page.referrals,
        initial={"status": "not_started"},
    )
    done = handle_form(
        request,
        form,
        lambda data: services.add_step(by=staff, plan=plan, goal=goal, **form.arguments()),
        success="Step added",
        then=lambda _: _plan_url(work.page.ref),
    )
    return done or render(request, "assessment/plan_step.html", _context(work, form=form, goal=shown))


@require_http_methods(["GET", "POST"])
def change_step(request: HttpRequest, assessment_ref: str, step_ref: str) -> HttpResponse:
    staff, work = _work(request, assessment_ref, "move a step on")
    plan = work.plan
    if plan is None:
        return _no_plan(request, work)
    step = plan_door.step_of(work, step_ref)
    form = StepStatusForm(
        request.POST if request.method == "POST" else None, initial={"status": step.current_status}
    )
    done = handle_form(
        request,
        form,
        lambda data: services.change_step(by=staff, plan=plan, step=step, status=data["status"]),
        success="Step updated",
        then=lambda _: _plan_url(work.page.ref),
    )
    shown = next(
        (s for g in (work.page.plan.goals if work.page.plan else []) for s in g.steps if s.id == step.pk),
        None,
    )
    return done or render(request, "assessment/plan_step_status.html", _context(work, form=form, step=shown))


@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    staff, work = _work(request, assessment_ref, "the person's agreement")
    plan = work.plan
    if plan is None:
        return _no_plan(request, work)
    form = AgreementForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: services.record_agreement(by=staff, plan=plan, **data),
        success="The person's answer to the plan is recorded",
        then=lambda _: _plan_url(work.page.ref),
    )
    return done or render(request, "assessment/plan_agreement.html", _context(work, form=form))


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, assessment_ref: str) -> HttpResponse:
    staff, work = _work(request, assessment_ref, "review date")
    plan = work.plan
    if plan is None:
        return _no_plan(request, work)
    form = ReviewForm(
        request.POST if request.method == "POST" else None, initial={"review_on": plan.review_on}
    )
    done = handle_form(
        request,
        form,
        lambda data: services.set_review_date(by=staff, plan=plan, review_on=data["review_on"]),
        success="Review date set",
        then=lambda _: _plan_url(work.page.ref),
    )
    return done or render(request, "assessment/plan_review.html", _context(work, form=form))
