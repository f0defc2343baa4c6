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
from . import report_document as document
from . import sections as S
from .forms import ConfirmForm, PredictorsForm, SectionForm, StartForm, TopicForm
from .models import ReportSection, Topic
from .report_forms import ConfirmReportForm, ReportSectionForm, StartReportForm, SubmitReportForm
from .services import reports as report_services


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


# --- pre-sentence reports ---------------------------------------------------------------------------------


def _report_home(ref: str) -> str:
    return reverse("report", args=[ref])


@require_GET
def reports(request: HttpRequest, person_ref: str) -> HttpResponse:
    """A person's pre-sentence reports, and "Write a pre-sentence report" for casework roles."""
    staff = staff_of(request, opening_record=True)
    page = door.open_reports(viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Pre-sentence reports")
    return render(
        request, "assessment/reports.html", {"page": page, "person": page.person, "lens": page.lens}
    )


@require_http_methods(["GET", "POST"])
def start_report(request: HttpRequest, person_ref: str) -> HttpResponse:
    """Write a pre-sentence report: the court, the hearing, the format and the offences from the record."""
    staff = staff_of(request, opening_record=True)
    work = door.person_for_report(
        viewer=staff, ref=person_ref, channel=Channel.UI, purpose="Write a pre-sentence report"
    )
    form = StartReportForm(request.POST if request.method == "POST" else None, offences=work.offences)
    done = handle_form(
        request,
        form,
        lambda data: report_services.start_report(by=staff, person=work.model, **form.arguments()),
        success="Pre-sentence report started",
        then=lambda started: _report_home(str(started.pk)),
    )
    return done or render(
        request, "assessment/report_start.html", {"work": work, "person": work.person, "form": form}
    )


@require_GET
def report(request: HttpRequest, report_ref: str) -> HttpResponse:
    """The report's task list: the court case, each section and its state, and what can be done next."""
    staff = staff_of(request, opening_record=True)
    page = door.open_report(viewer=staff, ref=report_ref, channel=Channel.UI, purpose="Pre-sentence report")
    return render(
        request,
        "assessment/report.html",
        {"page": page, "person": page.person, "lens": page.lens, "r": page.report},
    )


def _section_initial(r: Any, section: str) -> dict[str, Any]:
    if section == ReportSection.DIVERSITY:
        return {f"diversity_{f.key}": f.text or "" for f in r.factors}
    return {
        "sources": r.sources,
        "sources_other": r.sources_other or "",
        "offence_analysis": r.offence_analysis or "",
        "circumstances": r.circumstances or "",
        "risk_analysis": r.risk_analysis or "",
        "protective_factors": r.protective_factors or "",
        "proposal": r.proposal,
        "requirements": r.requirements,
        "rationale": r.rationale or "",
        "alternatives": r.alternatives or "",
    }


@require_http_methods(["GET", "POST"])
def report_section(request: HttpRequest, report_ref: str, report_part: str) -> HttpResponse:
    """One section on its own page: save and come back, or save as complete; what was typed is kept on an
    error."""
    if report_part not in ReportSection.values:
        raise Http404("No such section.")
    title = ReportSection(report_part).label
    staff = staff_of(request, opening_record=True)
    work = door.report_for_work(
        viewer=staff, ref=report_ref, channel=Channel.UI, purpose=f"Pre-sentence report: {title}"
    )
    r = work.page.report
    if request.method == "POST":
        form = ReportSectionForm(request.POST, section=report_part)
    else:
        form = ReportSectionForm(section=report_part, initial=_section_initial(r, report_part))
    complete = request.POST.get("action") == "complete"
    done = handle_form(
        request,
        form,
        lambda data: report_services.save_report_section(
            by=staff,
            report=work.model,
            section=report_part,
            data=form.data_for_service(),
            complete=complete,
        ),
        success=f"{title}: {'completed' if complete else 'saved'}",
        then=lambda _: _report_home(r.ref),
    )
    return done or render(
        request,
        "assessment/report_section.html",
        {
            "page": work.page,
            "person": work.page.person,
            "r": r,
            "section": report_part,
            "title": title,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def report_submit(request: HttpRequest, report_ref: str) -> HttpResponse:
    """Check the report and submit it: for sign-off (naming the SPO where it addresses dangerousness), or
    delivered by its author where no sign-off is needed."""
    staff = staff_of(request, opening_record=True)
    work = door.report_for_work(
        viewer=staff, ref=report_ref, channel=Channel.UI, purpose="Pre-sentence report: submit"
    )
    r = work.page.report
    form = SubmitReportForm(
        request.POST if request.method == "POST" else None,
        spos=work.page.spo_choices,
        initial={"dangerousness": "yes" if r.dangerousness else None},
    )
    done = handle_form(
        request,
        form,
        lambda data: report_services.submit_report(by=staff, report=work.model, **form.arguments()),
        success=lambda done: (
            "Report delivered"
            if done.status == "delivered"
            else "Sent to a senior probation officer to sign off"
        ),
        then=lambda _: _report_home(r.ref),
    )
    return done or render(
        request,
        "assessment/report_submit.html",
        {"page": work.page, "person": work.page.person, "r": r, "form": form},
    )


def _report_action(
    request: HttpRequest, report_ref: str, purpose: str, action: Any, success: str, template: str
) -> HttpResponse:
    staff = staff_of(request, opening_record=True)
    work = door.report_for_work(viewer=staff, ref=report_ref, channel=Channel.UI, purpose=purpose)
    r = work.page.report
    form = ConfirmReportForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: action(by=staff, report=work.model),
        success=success,
        then=lambda result: _report_home(str(result.pk)),
    )
    return done or render(
        request, template, {"page": work.page, "person": work.page.person, "r": r, "form": form}
    )


@require_http_methods(["GET", "POST"])
def report_sign_off(request: HttpRequest, report_ref: str) -> HttpResponse:
    """An SPO signs off a report (never their own; the SPO it names where it addresses dangerousness)."""
    return _report_action(
        request,
        report_ref,
        "Pre-sentence report: sign off",
        report_services.sign_off_report,
        "Report signed off and delivered",
        "assessment/report_sign_off.html",
    )


@require_http_methods(["GET", "POST"])
def report_return(request: HttpRequest, report_ref: str) -> HttpResponse:
    """Send a report waiting for sign-off back to draft, to change it."""
    return _report_action(
        request,
        report_ref,
        "Pre-sentence report: return to draft",
        report_services.return_report,
        "Report returned to draft",
        "assessment/report_sign_off.html",
    )


@require_http_methods(["GET", "POST"])
def report_correct(request: HttpRequest, report_ref: str) -> HttpResponse:
    """Correct a delivered report: a new version, prefilled with everything it said, signed off again."""
    return _report_action(
        request,
        report_ref,
        "Pre-sentence report: correct",
        report_services.correct_report,
        "Correction started: change what needs correcting and submit it",
        "assessment/report_correct.html",
    )


@require_GET
def report_document(request: HttpRequest, report_ref: str) -> HttpResponse:
    """The report as an accessible HTML document (to read or print); the view and the export are logged."""
    staff = staff_of(request, opening_record=True)
    page = door.report_document(
        viewer=staff, ref=report_ref, channel=Channel.UI, purpose="Pre-sentence report: HTML"
    )
    return HttpResponse(document.render_html(page))


@require_GET
def report_pdf(request: HttpRequest, report_ref: str) -> HttpResponse:
    """The report as a PDF (the same document, through the publication's PDF library)."""
    staff = staff_of(request, opening_record=True)
    page = door.report_document(
        viewer=staff, ref=report_ref, channel=Channel.UI, purpose="Pre-sentence report: PDF"
    )
    response = HttpResponse(document.render_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.file_name(page)}"'
    return response
