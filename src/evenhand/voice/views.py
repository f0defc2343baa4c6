"""Safe voice pages.

The reporter's pages (under ``/voice/``) need no sign-in and never see who is signed in
(``middleware.ReporterAnonymityMiddleware``); nothing they do is logged by address. Between pages the reporter
holds a short-lived cookie sealed under a server key (the concern and its content key); the server keeps
nothing. They never use Django's messages, which would go through the session.

The handlers' and custodians' pages (under ``/voice-team/``) need a signed-in current member of staff who is
a handler or custodian. A handler unlocks their key with their passphrase: the key is kept in the session
only sealed under a random key held in a cookie of its own, for 30 minutes; neither half alone opens it.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evenhand.core.http import add_service_errors
from evenhand.disclosure import DisclosureError
from evenhand.org.access import staff_of
from evenhand.org.models import StaffMember

from . import crypto, limiter, selectors, services, summary, surveys
from .forms import (
    RATING_LABELS,
    ConcernForm,
    ConflictForm,
    CustodianDecisionForm,
    DisclosureAnswerForm,
    GrantForm,
    HandlerActionForm,
    InviteForm,
    NewPassphraseForm,
    PassphraseForm,
    RatingForm,
    ReceiptForm,
    ReplyForm,
    SurveyForm,
)
from .models import (
    Attachment,
    Concern,
    DisclosureRequest,
    FairnessRating,
    SummaryRelease,
    Survey,
    SurveyResponse,
)

ACCESS_COOKIE = "evenhand_voice_access"
ACCESS_SECONDS = 20 * 60
UNLOCK_COOKIE = "evenhand_voice_key"
UNLOCK_SECONDS = 30 * 60
UNLOCK_SESSION = "voice_unlocked"


def _posted(request: HttpRequest) -> tuple[Any, Any]:
    """The form's data and files on a POST (even an empty one, which must be a bound form), else none."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


# --- the reporter's access cookie --------------------------------------------------------------------------


def _set_access(response: HttpResponse, access: services.ReporterAccess) -> None:
    payload = json.dumps(
        {
            "c": str(access.concern_id),
            "k": base64.b64encode(access.key).decode(),
            "e": int(time.time()) + ACCESS_SECONDS,
        }
    ).encode()
    response.set_cookie(
        ACCESS_COOKIE,
        base64.urlsafe_b64encode(crypto.seal_for_server(payload)).decode(),
        max_age=ACCESS_SECONDS,
        path="/voice/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def _access(request: HttpRequest) -> services.ReporterAccess | None:
    raw = request.COOKIES.get(ACCESS_COOKIE)
    if not raw:
        return None
    try:
        payload = json.loads(crypto.open_for_server(base64.urlsafe_b64decode(raw.encode())))
        if int(payload["e"]) < time.time():
            return None
        return services.ReporterAccess(UUID(payload["c"]), base64.b64decode(payload["k"]))
    except (crypto.DecryptionFailed, ValueError, KeyError, TypeError):
        return None


def _reporter_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {"reporter_page": True, **context}, status=status)


def _back_to_return(request: HttpRequest) -> HttpResponse:
    return _reporter_page(request, "voice/return.html", {"form": ReceiptForm(), "expired": True}, status=200)


# --- the reporter ------------------------------------------------------------------------------------------


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return _reporter_page(request, "voice/start.html", {})


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def raise_concern(request: HttpRequest) -> HttpResponse:
    form = ConcernForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pdu = data["pdu_obj"]
        answers = {field: data.get(field, "") for field in services.QUESTIONS if field != "where"}
        answers["where"] = pdu.name if pdu else ""
        try:
            limiter.count_submission(request.META.get("REMOTE_ADDR", ""))
        except limiter.TooManyAttempts:
            form.add_error(None, limiter.SUBMISSION_MESSAGE)
            return _reporter_page(request, "voice/raise.html", {"form": form}, status=429)
        try:
            submitted = services.raise_concern(
                kind=selectors.kind_by_code(data["kind"]),
                region=data["region_obj"],
                answers=answers,
                anonymous=data["anonymous"] == "yes",
                identity=data.get("identity", ""),
                attachments=data.get("attachments") or [],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The receipt is shown on this response only: no redirect could carry it without storing it.
            response = _reporter_page(
                request,
                "voice/receipt.html",
                {
                    "receipt": submitted.receipt,
                    "words": submitted.receipt.split(),
                    "concern": submitted.concern,
                },
            )
            _set_access(response, submitted.access)
            return response
    return _reporter_page(request, "voice/raise.html", {"form": form})


@require_GET
def proof(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    if access is None:
        return _back_to_return(request)
    try:
        text = selectors.proof_of_submission(access)
    except services.ReceiptRefused:
        return _back_to_return(request)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="proof-of-submission.txt"'
    return response


@sensitive_post_parameters("receipt")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def return_with_receipt(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST if request.method == "POST" else None)
    refused = ""
    if request.method == "POST" and form.is_valid():
        try:
            limiter.count_attempt(request.META.get("REMOTE_ADDR", ""))
            access = services.open_with_receipt(receipt=form.cleaned_data["receipt"])
        except limiter.TooManyAttempts:
            return _reporter_page(
                request,
                "voice/return.html",
                {"form": ReceiptForm(), "refused": limiter.TooManyAttempts.MESSAGE},
                status=429,
            )
        except services.ReceiptRefused:
            refused = services.ReceiptRefused.MESSAGE
        else:
            response = redirect("voice-concern")
            _set_access(response, access)
            return response
    return _reporter_page(request, "voice/return.html", {"form": form, "refused": refused}, status=200)


def _concern_page(request: HttpRequest, access: services.ReporterAccess, **forms: Any) -> HttpResponse:
    view = selectors.reporter_view(access)
    context = {
        "concern": view,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "disclosure_form": forms.get("disclosure_form") or DisclosureAnswerForm(),
        "form": forms.get("reply_form") or forms.get("disclosure_form"),
    }
    return _reporter_page(request, "voice/concern.html", context)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    if access is None:
        return _back_to_return(request)
    try:
        if request.method == "POST":
            form = ReplyForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.reporter_reply(
                        access=access,
                        text=form.cleaned_data["message"],
                        attachments=form.cleaned_data["attachments"],
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    response = redirect("voice-concern")
                    _set_access(response, access)
                    return response
            return _concern_page(request, access, reply_form=form)
        return _concern_page(request, access)
    except services.ReceiptRefused:
        return _back_to_return(request)


@csrf_protect
@never_cache
@require_POST
def answer_disclosure(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    if access is None:
        return _back_to_return(request)
    form = DisclosureAnswerForm(request.POST)
    try:
        if form.is_valid():
            try:
                services.answer_disclosure(
                    access=access,
                    request_id=form.cleaned_data["request"],
                    consent=form.cleaned_data["consent"] == "yes",
                    identity=form.cleaned_data["identity"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("voice-concern")
        return _concern_page(request, access, disclosure_form=form)
    except services.ReceiptRefused:
        return _back_to_return(request)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    if access is None:
        return _back_to_return(request)
    form = RatingForm(request.POST if request.method == "POST" else None)
    try:
        view = selectors.reporter_view(access)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.rate_handling(
                    access=access,
                    scores={d: data[d] for d in FairnessRating.DIMENSIONS},
                    comment=data["comment"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("voice-concern")
    except services.ReceiptRefused:
        return _back_to_return(request)
    return _reporter_page(
        request, "voice/rate.html", {"form": form, "concern": view, "labels": RATING_LABELS}
    )


@require_GET
def reporter_attachment(request: HttpRequest, attachment_id: str) -> HttpResponse:
    access = _access(request)
    if access is None:
        return _back_to_return(request)
    try:
        attachment, data = selectors.reporter_attachment(access, attachment_id)
    except (Attachment.DoesNotExist, crypto.DecryptionFailed):
        raise Http404("No such attachment.") from None
    return _download(attachment, data)


def _download(attachment: Attachment, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.file_name}"'
    return response


@require_POST
@csrf_protect
def leave(request: HttpRequest) -> HttpResponse:
    response = redirect("voice-start")
    response.delete_cookie(ACCESS_COOKIE, path="/voice/")
    return response


# --- handlers ----------------------------------------------------------------------------------------------


def _handler(request: HttpRequest) -> StaffMember:
    staff = staff_of(request)
    if not services.is_handler(staff):
        raise PermissionDenied("Only handlers of staff concerns can use this page.")
    return staff


def _unlocked(request: HttpRequest) -> bytes | None:
    sealed = request.session.get(UNLOCK_SESSION)
    cookie = request.COOKIES.get(UNLOCK_COOKIE)
    if not sealed or not cookie or sealed.get("until", 0) < time.time():
        return None
    try:
        return crypto.unseal(base64.b64decode(cookie), base64.b64decode(sealed["key"]))
    except (crypto.DecryptionFailed, ValueError, TypeError, KeyError):
        return None


def _remember_unlocked(request: HttpRequest, response: HttpResponse, private_key: bytes) -> None:
    wrap = crypto.new_key()
    request.session[UNLOCK_SESSION] = {
        "key": base64.b64encode(crypto.seal(wrap, private_key)).decode(),
        "until": int(time.time()) + UNLOCK_SECONDS,
    }
    response.set_cookie(
        UNLOCK_COOKIE,
        base64.b64encode(wrap).decode(),
        max_age=UNLOCK_SECONDS,
        path="/voice-team/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def _inbox_page(request: HttpRequest, staff: StaffMember, **forms: Any) -> HttpResponse:
    """The inbox, with any form that came back with errors in place of a blank one."""
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    status = request.GET.get("status", "")
    count, rows = selectors.inbox(staff, status=status, offset=(page - 1) * 50, limit=50)
    context = {
        "rows": rows,
        "count": count,
        "page": page,
        "status": status,
        "me": selectors.handler_status(staff),
        "unlocked": _unlocked(request) is not None,
        "waiting": selectors.waiting_for_group_key(staff),
        "conflict_form": forms.get("conflict_form") or ConflictForm(),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "members": selectors.members_of_led_groups(staff),
    }
    if forms:
        context["form"] = next(iter(forms.values()))
    return render(request, "voice/inbox.html", context)


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if not services.is_handler(staff) and services.is_custodian(staff):
        return redirect("voice-custodian")
    return _inbox_page(request, _handler(request))


@sensitive_post_parameters("passphrase", "confirmation")
@require_http_methods(["GET", "POST"])
def set_up_key(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if not services.is_handler(staff):
        raise PermissionDenied("Only handlers of staff concerns can use this page.")
    form = NewPassphraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_up_handler_key(
                staff=staff,
                passphrase=form.cleaned_data["passphrase"],
                confirmation=form.cleaned_data["confirmation"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Your handling key is set up. A group lead will now give you the group's key."
            )
            return redirect("voice-inbox")
    return render(request, "voice/key.html", {"form": form, "me": selectors.handler_status(staff)})


@sensitive_post_parameters("passphrase")
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest) -> HttpResponse:
    staff = _handler(request)
    form = PassphraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            limiter.check_unlock(staff.pk)
            private_key = services.unlock(staff=staff, passphrase=form.cleaned_data["passphrase"])
        except limiter.TooManyAttempts:
            form.add_error("passphrase", limiter.UNLOCK_MESSAGE)
            return render(request, "voice/unlock.html", {"form": form, "next": ""}, status=429)
        except services.PassphraseRefused:
            limiter.count_failed_unlock(staff.pk)
            form.add_error("passphrase", "That passphrase does not open your handling key")
        else:
            target = request.POST.get("next", "")
            response = redirect(target if target.startswith("/voice-team/") else "voice-inbox")
            _remember_unlocked(request, response, private_key)
            return response
    return render(request, "voice/unlock.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def lock(request: HttpRequest) -> HttpResponse:
    _handler(request)
    request.session.pop(UNLOCK_SESSION, None)
    response = redirect("voice-inbox")
    response.delete_cookie(UNLOCK_COOKIE, path="/voice-team/")
    return response


def _case_action(staff: StaffMember, key: bytes, reference: str, data: dict[str, Any]) -> str:
    action = data["action"]
    runs: dict[str, Callable[[], object]] = {
        "acknowledge": lambda: services.acknowledge(by=staff, reference=reference),
        "status": lambda: services.change_status(
            by=staff, reference=reference, status=data["status"], sub_status=data["sub_status"]
        ),
        "message": lambda: services.send_message(
            by=staff,
            private_key=key,
            reference=reference,
            text=data["message"],
            is_feedback=data["is_feedback"],
            attachments=data["attachments"],
        ),
        "close": lambda: services.close_concern(
            by=staff, private_key=key, reference=reference, outcome=data["outcome"], category=data["category"]
        ),
        "subject": lambda: services.name_subject(
            by=staff, reference=reference, staff_code=data["staff_code"]
        ),
        "conflict": lambda: services.declare_conflict(by=staff, reference=reference, reason=data["reason"]),
        "themes": lambda: services.set_themes(by=staff, reference=reference, theme_codes=data["themes"]),
        "disclosure": lambda: services.request_disclosure(
            by=staff, reference=reference, reason=data["reason"]
        ),
    }
    runs[action]()
    return {
        "acknowledge": "Acknowledged",
        "status": "Status changed",
        "message": "Message sent",
        "close": "Concern closed with its outcome",
        "subject": "Name recorded",
        "conflict": "Conflict declared: the concern is no longer shown to you",
        "themes": "Themes saved",
        "disclosure": "Request sent to a custodian",
    }[action]


@require_http_methods(["GET", "POST"])
def handle(request: HttpRequest, concern_ref: str) -> HttpResponse:
    staff = _handler(request)
    key = _unlocked(request)
    if key is None:
        return redirect(f"{_url('voice-unlock')}?next={request.path}")
    form = HandlerActionForm(*_posted(request))
    try:
        if request.method == "POST" and form.is_valid():
            try:
                done = _case_action(staff, key, concern_ref, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done)
                if form.cleaned_data["action"] == "conflict":
                    return redirect("voice-inbox")
                return redirect("voice-handle", concern_ref=concern_ref)
        view = selectors.handler_view(staff=staff, reference=concern_ref, private_key=key)
    except Concern.DoesNotExist:
        raise Http404("No such concern, or you may not see it.") from None
    except services.NotAHandler as refused:
        raise PermissionDenied(str(refused)) from None
    if request.method != "POST":
        form = HandlerActionForm(initial={"themes": list(view.theme_codes)})
    return render(
        request,
        "voice/handle.html",
        {
            "concern": view,
            "form": form,
            "action": request.POST.get("action", ""),
            "themes": selectors.themes(),
        },
    )


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@require_GET
def handler_attachment(request: HttpRequest, concern_ref: str, attachment_id: str) -> HttpResponse:
    staff = _handler(request)
    key = _unlocked(request)
    if key is None:
        return redirect("voice-unlock")
    try:
        attachment, data = selectors.handler_attachment(
            staff=staff, reference=concern_ref, private_key=key, attachment_id=attachment_id
        )
    except (Concern.DoesNotExist, Attachment.DoesNotExist):
        raise Http404("No such attachment.") from None
    except services.NotAHandler as refused:
        raise PermissionDenied(str(refused)) from None
    return _download(attachment, data)


@require_POST
def declare_conflict(request: HttpRequest) -> HttpResponse:
    staff = _handler(request)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.declare_conflict(
                by=staff,
                reason=form.cleaned_data["reason"],
                colleague_code=form.cleaned_data["colleague_code"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Conflict declared: concerns naming them are no longer shown to you")
            return redirect("voice-inbox")
    return _inbox_page(request, staff, conflict_form=form)


@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    staff = _handler(request)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            membership = services.invite_handler(
                group_name=form.cleaned_data["group"], staff_code=form.cleaned_data["staff_code"], by=staff
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.NotAHandler as refused:
            raise PermissionDenied(str(refused)) from None
        else:
            messages.success(
                request,
                f"{membership.staff.full_name} is a handler of {membership.group.name}. Once they have set up "
                "their handling key, give them the group's key here.",
            )
            return redirect("voice-inbox")
    return _inbox_page(request, staff, invite_form=form)


@require_POST
def end_membership(request: HttpRequest) -> HttpResponse:
    """A lead removes a handler from their group, or a handler leaves one (the same two hidden fields as
    granting the key)."""
    staff = _handler(request)
    form = GrantForm(request.POST)
    if not form.is_valid():
        raise Http404("No such handler.")
    try:
        membership = services.end_membership(
            group_name=form.cleaned_data["group"], staff_code=form.cleaned_data["staff_code"], by=staff
        )
    except services.NotAHandler as refused:
        raise PermissionDenied(str(refused)) from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("voice-inbox")
    if membership.staff_id == staff.pk:
        messages.success(request, f"You have left {membership.group.name}.")
        return redirect("voice-inbox") if services.is_handler(staff) else redirect("/")
    messages.success(
        request, f"{membership.staff.full_name} is no longer a handler of {membership.group.name}."
    )
    return redirect("voice-inbox")


@require_POST
def grant(request: HttpRequest) -> HttpResponse:
    staff = _handler(request)
    key = _unlocked(request)
    if key is None:
        return redirect("voice-unlock")
    form = GrantForm(request.POST)
    waiting = {(m.staff.staff_code, m.group.name): m for m in selectors.waiting_for_group_key(staff)}
    membership = (
        waiting.get((form.data.get("staff_code", ""), form.data.get("group", "")))
        if form.is_valid()
        else None
    )
    if membership is None:
        raise Http404("Nobody is waiting for that group's key.")
    try:
        services.add_handler(group=membership.group, staff=membership.staff, by=staff, by_private_key=key)
    except services.NotAHandler as refused:
        raise PermissionDenied(str(refused)) from None
    messages.success(request, f"{membership.staff.full_name} now holds the key of {membership.group.name}")
    return redirect("voice-inbox")


@require_http_methods(["GET", "POST"])
def custodian(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    queue = services.custodian_queue(staff)  # refuses anyone but a custodian
    form = CustodianDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_disclosure(
                by=staff,
                request_id=form.cleaned_data["request"],
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except DisclosureRequest.DoesNotExist:
            form.add_error("request", "There is no such request.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Decision recorded")
            return redirect("voice-custodian")
    return render(request, "voice/custodian.html", {"requests": list(queue[:200]), "form": form})


# --- the staff survey --------------------------------------------------------------------------------------


def _survey(survey_id: int) -> Survey:
    survey = surveys.survey_by_id(survey_id)
    if survey is None:
        raise Http404("No such survey.")
    return survey


@require_GET
def staff_surveys(request: HttpRequest) -> HttpResponse:
    """The surveys, for any signed-in member of staff: take a token for an open one, read a closed one's
    results."""
    staff = staff_of(request)
    rows = [
        {
            "survey": survey,
            "open": surveys.is_open(survey),
            "closed": surveys.is_closed(survey),
            "has_token": surveys.has_token(survey, staff),
            "may_take_part": surveys.may_take_part(staff),
        }
        for survey in surveys.surveys()
    ]
    return render(request, "voice/surveys.html", {"rows": rows})


@csrf_protect
@never_cache
@require_POST
def survey_token(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Take one's one-time token (the button is on the list of surveys). A POST only, and not a form a
    read-only role is refused: answering a staff survey is not casework. The token is shown on this response
    only and never stored."""
    staff = staff_of(request)
    survey = _survey(survey_id)
    try:
        token = surveys.issue_token(survey=survey, staff=staff)
    except ValidationError as refused:
        context = {"survey": survey, "error": " ".join(refused.messages)}
        return render(request, "voice/survey_token.html", context, status=400)
    return render(request, "voice/survey_token.html", {"survey": survey, "token": token})


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def take_survey(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey itself, under /voice/: no session, no log line; the token is the only thing asked for."""
    survey = _survey(survey_id)
    if not surveys.is_open(survey):
        return _reporter_page(request, "voice/survey_take.html", {"survey": survey, "open": False})
    if request.method == "POST" and request.POST.get("start"):
        # From the token page's button: the form, with the token filled in, before any answer is checked.
        form = SurveyForm(initial={"token": request.POST.get("token", "")[:60]})
        return _reporter_page(
            request, "voice/survey_take.html", {"survey": survey, "open": True, "form": form}
        )
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            surveys.submit_response(
                survey=survey,
                token=data["token"],
                answers={name: data.get(name) for name in SurveyResponse.QUESTIONS},
                ethnic_group=data.get("ethnic_group") or "",
                grade=data.get("grade") or "",
                region=data["region_obj"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _reporter_page(request, "voice/survey_thanks.html", {"survey": survey})
    status = 400 if form.errors else 200
    return _reporter_page(
        request, "voice/survey_take.html", {"survey": survey, "open": True, "form": form}, status=status
    )


@require_GET
def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    """A closed survey's results, for any signed-in member of staff; suppressed and audited."""
    staff_of(request)
    survey = _survey(survey_id)
    try:
        results = surveys.survey_results(survey)
    except DisclosureError as refused:
        # Never a table the auditor could break; say why instead.
        return render(request, "voice/survey_results.html", {"survey": survey, "refused": str(refused)})
    return render(request, "voice/survey_results.html", {"survey": survey, "results": results})


# --- the published quarterly summary -----------------------------------------------------------------------

SUMMARY_FILES = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "cells": ("application/gzip", "cells.json.gz"),
}


@require_GET
def summaries(request: HttpRequest) -> HttpResponse:
    """The published quarterly summaries: public, like the equality publication (no sign-in, under /voice/,
    so not logged by address either)."""
    return _reporter_page(request, "voice/summaries.html", {"releases": summary.releases()})


def _release(quarter: str) -> SummaryRelease:
    release = summary.release(quarter)
    if release is None:
        raise Http404("No summary has been published for this quarter.")
    return release


@require_GET
def summary_page(request: HttpRequest, quarter: str) -> HttpResponse:
    """One published summary, shown from the figures frozen when it was published."""
    release = _release(quarter)
    context = {"release": release, "figures": release.figures, "shorthand": summary.SHORTHAND}
    return _reporter_page(request, "voice/summary.html", context)


@require_GET
def summary_file(request: HttpRequest, quarter: str, kind: str) -> HttpResponse:
    """A published summary's file, exactly as stored: HTML, PDF, spreadsheet or disclosure manifest."""
    if kind not in SUMMARY_FILES:
        raise Http404("No such file.")
    release = _release(quarter)
    content_type, extension = SUMMARY_FILES[kind]
    data = {
        "html": lambda: release.html.encode(),
        "pdf": lambda: bytes(release.pdf),
        "ods": lambda: bytes(release.ods),
        "cells": lambda: bytes(release.manifest),
    }[kind]()
    response = HttpResponse(data, content_type=content_type)
    # Each file downloads as published (the HTML too: it is a self-contained document with its own styles,
    # which the site's content security policy would not apply if it were shown here).
    response["Content-Disposition"] = (
        f'attachment; filename="staff-concerns-{release.quarter.lower()}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
