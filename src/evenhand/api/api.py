"""The Evenhand REST API, version 1: the services of the other apps over HTTP, reading through the one door.

Every error has one shape, ``{"detail": str, "errors": {field: [messages]}}`` (``errors`` empty when no field is
at fault): 400 a body that is not JSON; 401 no or bad credentials; 403 the caller's role may not do this (or
CSRF failed on a session); 404 no such record *or* a record the caller may not see (the API never confirms
that it exists), a malformed reference, or no such URL; 409 the change collided with another one; 422 the
request was malformed (a field named by where it is: ``starts_at``, ``offences.0.category``, ``limit``) or a
business rule refused it.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter the routers use)
from evenhand.cases.models import ImmutableRecordError
from evenhand.people.door import RecordNotFound

from .auth import BearerToken, StaffSession
from .routers import (
    appointments,
    assessments,
    contacts,
    enforcement,
    equality,
    imports,
    people,
    plans,
    referrals,
    reports,
    reviews,
    risk,
    risk_information,
    sentences,
    voice,
    workforce,
    workload,
)
from .routers.common import NOT_FOUND

api = NinjaAPI(
    title="Evenhand API",
    version="1",
    description=(
        "Probation case records for England and Wales. Authenticate with `Authorization: Bearer <token>` "
        "(issued by `evenhand issue_api_token`) or a signed-in web session (with its CSRF token on writes). "
        "A token acts as one member of staff, with exactly that member's access. Records you may not see "
        "answer 404, as if they did not exist."
    ),
    auth=[BearerToken(), StaffSession()],
    urls_namespace="api-v1",
)

api.add_router("/people", people.router)
api.add_router("/sentences", sentences.router)
api.add_router("/contacts", contacts.router)
api.add_router("/appointments", appointments.router)
api.add_router("/todo", appointments.todo_router)
api.add_router("/enforcement-decisions", enforcement.router)
api.add_router("/referrals", referrals.router)
api.add_router("/risk-reviews", risk.risk_router)
api.add_router("/registrations", risk.registrations_router)
api.add_router("/assessments", assessments.router)
api.add_router("/assessments", plans.router)
api.add_router("/tiers", assessments.tiers_router)
api.add_router("/reports", reports.router)
api.add_router("/risk-information", risk_information.router)
api.add_router("/allocations", workload.router)
api.add_router("/workload", workload.workload_router)
api.add_router("/equality", equality.router)
api.add_router("/voice", voice.router)
api.add_router("/imports", imports.router)
api.add_router("/reviews", reviews.router)
api.add_router("/workforce", workforce.router)


def error(
    request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    """The one error shape (``schemas.ErrorOut``)."""
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(request, 401, exc.message)
    response["WWW-Authenticate"] = 'Bearer realm="evenhand"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, str(exc))


@api.exception_handler(SuspiciousOperation)
def bad_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # A body too large, or too many fields: Django refuses to read it.
    return error(request, 400, "The request could not be read.")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The door's "no such record" reads the same whether the record is missing or refused (its own messages
    # name the kind, which a refusal does not); others say what is missing.
    detail = NOT_FOUND if isinstance(exc, RecordNotFound) else str(exc) or NOT_FOUND
    return error(request, 404, detail)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, str(exc) or "You do not have permission to do this.")


def field_name(location: Sequence[Any]) -> str:
    """Where a request error is, as the API names fields: ``("body", "payload", "starts_at")`` is
    ``starts_at``, ``("body", "payload", "offences", 0, "category")`` is ``offences.0.category``,
    ``("query", "limit")`` is ``limit``."""
    source, *rest = location
    if source == "body":
        rest = rest[1:]  # the operation's parameter that holds the body
    return ".".join(str(part) for part in rest) or ("__all__" if source == "body" else str(source))


@api.exception_handler(RequestValidationError)
def request_validation_error(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    """Ninja's list of pydantic errors, as the same field → messages as a service's errors."""
    if any((problem.get("loc") or ("",))[0] == "path" for problem in exc.errors):
        # A reference in the path that is no reference at all: no such record.
        return error(request, 404, NOT_FOUND)
    errors: dict[str, list[str]] = {}
    for problem in exc.errors:
        message = str(problem.get("msg", "Invalid value")).removeprefix("Value error, ")
        errors.setdefault(field_name(problem.get("loc") or ("body",)), []).append(message)
    return error(request, 422, "The request is not valid; see errors.", errors)


@api.exception_handler(ValidationError)
def service_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error(request, 422, "The request breaks a rule of the service; see errors.", errors)


@api.exception_handler(ImmutableRecordError)
def immutable_record(request: HttpRequest, exc: ImmutableRecordError) -> HttpResponse:
    return error(request, 409, str(exc))


@api.exception_handler(IntegrityError)
def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Services validate before writing, so this is a race with another request (two identical CRNs at once).
    return error(request, 409, "The change conflicts with another one made at the same time; try again.")
