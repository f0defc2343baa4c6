"""Small helpers the web views of every app share."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest

from evenhand.org.models import StaffMember

PAGE_SIZE = 25


def staff_of(request: HttpRequest) -> StaffMember:
    """The signed-in member of staff; a user with no staff record may not use Evenhand."""
    staff = getattr(request.user, "staff", None)
    if staff is None:
        raise PermissionDenied("Your account is not linked to a member of staff.")
    return staff


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
