"""What every resource router shares: reading through the door, and errors named as the API names fields.

Every record is read, listed and loaded for a write through the one door (``evenhand.people.door``,
``evenhand.cases.door``), which checks the caller, writes the access log and shapes the record for their role.
A record the caller may not see answers exactly as one that does not exist (404), so the API never confirms
that somebody is on probation to a caller without access to their record. 403 means "your role may not do
this".
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from evenhand.audit.models import Channel
from evenhand.people.door import RecordNotFound, RecordRefused, RoleRefused

from ..auth import staff_of
from ..schemas import PageQuery

R = TypeVar("R")

NOT_FOUND = "No such record, or you do not have access to it."


def purpose(request: HttpRequest) -> str:
    """What the access log says the caller did: the operation and the path with its query."""
    return f"API {request.method} {request.get_full_path()}"


@contextmanager
def refused_as_missing() -> Iterator[None]:
    """The API never confirms that a record it refuses exists: a refusal (already logged by the door) answers
    as a missing record does, except a refusal for the role alone (``RoleRefused``: 403)."""
    try:
        yield
    except RoleRefused:
        raise
    except RecordRefused as refused:
        raise RecordNotFound(NOT_FOUND) from refused


def read(request: HttpRequest, open_record: Callable[..., R], ref: str) -> R:
    """One record through the door's ``open_*``: the view or the refusal is logged there, and a refusal
    answers as a missing record does."""
    with refused_as_missing():
        return open_record(viewer=staff_of(request), ref=ref, channel=Channel.API, purpose=purpose(request))


def listed(
    request: HttpRequest, list_records: Callable[..., tuple[int, list[R]]], page: PageQuery, **filters: Any
) -> dict[str, Any]:
    """One page of a list through the door's ``list_*`` (which logs it as an export), as ``items`` and
    ``count``."""
    count, items = list_records(
        viewer=staff_of(request),
        offset=page.offset,
        limit=page.limit,
        channel=Channel.API,
        purpose=purpose(request),
        **filters,
    )
    return {"items": items, "count": count}


@contextmanager
def loaded_for_casework(field: str | None, what: str) -> Iterator[None]:
    """Load what a write acts on through the door's ``*_for_casework``. A record the caller may not see is
    reported like one that does not exist: on the body's ``field`` (422), or as a 404 for the path's record
    (``field`` None). A record the caller may see but not change for their role (``RoleRefused``, logged by
    the door) answers 403."""
    try:
        yield
    except RoleRefused:
        raise
    except (RecordNotFound, RecordRefused) as missing:
        if field is None:
            raise RecordNotFound(NOT_FOUND) from missing
        raise ValidationError(
            {field: f"There is no {what} with this id that you have access to"}
        ) from missing


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
