"""The Evenhand REST API, version 1: the services and selectors of the other apps over HTTP.

Status codes: 401 no or bad credentials; 403 the caller's role may not do this (or CSRF failed on a session);
404 no such record *or* a record the caller may not see (the API never confirms that it exists);
409 the change collided with another one; 422 the request was malformed (ninja's list of errors) or a business
rule refused it (``{"detail": ..., "errors": {field: [messages]}}``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from evenhand.cases.models import ImmutableRecordError

from .auth import BearerToken, StaffSession
from .routers import contacts, enforcement, equality, people, referrals, sentences, workload

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
api.add_router("/enforcement-decisions", enforcement.router)
api.add_router("/referrals", referrals.router)
api.add_router("/allocations", workload.router)
api.add_router("/workload", workload.workload_router)
api.add_router("/equality", equality.router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="evenhand"'
    return response


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or "You do not have permission to do this."}, status=403
    )


@api.exception_handler(ValidationError)
def service_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(
        request,
        {"detail": "The request breaks a rule of the service; see errors.", "errors": errors},
        status=422,
    )


@api.exception_handler(ImmutableRecordError)
def immutable_record(request: HttpRequest, exc: ImmutableRecordError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(IntegrityError)
def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Services validate before writing, so this is a race with another request (two identical CRNs at once).
    return api.create_response(
        request,
        {"detail": "The change conflicts with another one made at the same time; try again."},
        status=409,
    )
