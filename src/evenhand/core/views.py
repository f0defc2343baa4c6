"""The web shell: signing in and out, the lockout page, the health check and the error pages."""

from typing import Any

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from evenhand.core import health
from evenhand.core.forms import SignInForm


def _safe_next(request: HttpRequest, target: str) -> str | None:
    """``target`` if it is a page on this site, so a crafted link cannot send someone elsewhere after sign-in."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next", "")
    if request.user.is_authenticated and request.method != "POST":
        return redirect(_safe_next(request, target) or "my-cases")
    if request.method == "POST":
        # The form passes the request to authenticate(), which django-axes needs to count failures.
        form = SignInForm(request, data=request.POST)
        if form.is_valid():
            login(request, form.get_user())
            return redirect(_safe_next(request, target) or "my-cases")
    else:
        form = SignInForm(request)
    return render(request, "core/sign_in.html", {"form": form, "next": _safe_next(request, target) or ""})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You have signed out")
    return redirect("sign-in")


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' lockout response (``AXES_LOCKOUT_CALLABLE``).

    axes calls it as ``(request, original_response, credentials)`` or, in older versions,
    ``(request, credentials)``; neither is needed to say how long the lock lasts.
    """
    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60) if cool_off else 15
    return render(request, "core/locked_out.html", {"minutes": minutes}, status=429)


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring, without signing in: 200 when the database and the cache both
    answer, else 503; a small JSON body saying which (nothing about anyone). The analytics replica, when
    there is one, is reported but does not fail the check: casework goes on without it."""
    checks = health.check()
    return JsonResponse(checks, status=200 if checks["status"] == health.OK else 503)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)
