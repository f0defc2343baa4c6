"""Small helpers the web views of every app share."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    """One page of a queryset, from ?page=; out-of-range or malformed pages give the nearest real page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: against the field it names, or the form as a whole."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


T = TypeVar("T")


def handle_form(
    request: HttpRequest,
    form: Form,
    action: Callable[[dict[str, Any]], T],
    *,
    success: str | Callable[[T], str] | None,
    then: Callable[[T], str | HttpResponse],
    level: int = messages.SUCCESS,
) -> HttpResponse | None:
    """The one way a page handles a form: on a valid POST, call the service with the cleaned data.

    A ``ValidationError`` from the service is shown on the form, by field, and None is returned so the view
    shows the page again; on success the message (``success``, or what it makes of the result) is shown and
    the browser is redirected to ``then(result)``. On GET, or when the form itself is invalid, None.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    text = success(result) if callable(success) else success
    if text:
        messages.add_message(request, level, text)
    target = then(result)
    return target if isinstance(target, HttpResponse) else redirect(target)
