"""What every resource router shares: the access log on reads, and service errors named as the API names fields.

Visibility: a record the caller may not see answers exactly as one that does not exist (404), so the API never
confirms that somebody is on probation to a caller without access to their record. 403 means "you can see
this, but your role may not do that".
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from ninja.pagination import LimitOffsetPagination

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export, log_person_view

from ..auth import staff_of

M = TypeVar("M", bound=Model)


class AuditedPagination(LimitOffsetPagination):
    """Limit/offset pages (ninja's own) that write one export row to the access log for each page served.

    ``person_of`` says which person each row belongs to, so the log can count the people on the page.
    """

    def __init__(self, *, person_of: Callable[[Any], int], **kwargs: Any) -> None:
        self.person_of = person_of
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page["items"])
        page["items"] = items
        log_export(
            staff=staff_of(request),
            channel=Channel.API,
            detail=f"API {request.method} {request.get_full_path()}",
            person_ids=sorted({self.person_of(item) for item in items}),
        )
        return page


def get_visible(queryset: QuerySet[M], pk: int) -> M:
    """One record from a queryset already limited to what the caller may see; 404 if absent or hidden."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("No such record, or you do not have access to it.")
    return obj


def log_read(request: HttpRequest, person_id: int) -> None:
    """Record that the caller opened (part of) a person's record through the API."""
    log_person_view(
        staff=staff_of(request),
        person_id=person_id,
        channel=Channel.API,
        detail=f"API {request.method} {request.get_full_path()}",
    )


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


@contextmanager
def api_field_names(**renames: str) -> Iterator[None]:
    """Report a service's field errors under the API's names (``sentence`` → ``sentence_id`` …)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {renames.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc
