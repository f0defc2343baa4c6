"""Every page and every API operation, walked as every kind of member of staff, held to the one door
(DESIGN.md, principle 4; README, "Who sees what").

For each route and role: a GET (and, for a form, a POST with an empty body and one with a bad body; for an API
write, an empty and a bad JSON body). Each answer must

* never be a server error;
* refuse where the rules refuse: a leaver gets 403 on every page behind sign-in and 401 from the API; someone
  excluded from the person's record, outside its restriction list or in another PDU gets 403 on the web and
  404 from the API for any of the person's records; analysts, inspectors and administrators get 403 on every
  casework form; an analyst's plain id is no record;
* open where the rules allow: whoever may see the person reads each of their records;
* show nobody the role may not see, and an analyst no name, CRN, date of birth, free text or internal id;
* be in the access log: a view (or, for a list, an export) for everyone a response shows, and a refusal for
  every refused attempt on a person's record.

The routes are discovered (``walk.py``), so a new page or operation is walked without anyone adding it here.
"""

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db.models import Max
from django.shortcuts import resolve_url
from django.test import Client

from evenhand.audit.models import AccessLogEntry
from evenhand.org.models import StaffMember
from evenhand.people.access import record_token

from .walk import (
    API_CHANNEL,
    NOT_CASEWORK_FORMS,
    OWN_FORMS,
    OWN_OPERATIONS,
    ROLES,
    WEB_CHANNEL,
    ApiOperation,
    Exchange,
    Role,
    WebRoute,
    api_operations,
    bad_json,
    body_text,
    ends_with_readable_record,
    fill,
    form_field_names,
    leaks,
    log_problems,
    names_a_record,
    ninja_url_routes,
    query_value,
    reference,
    takes_person_record,
    web_routes,
)
from .world import World

WEB = web_routes()
API = api_operations()
# Every field of every form, each with a value no field accepts: an int past 64 bits is also no date, no
# choice and no id.
BAD_FORM = dict.fromkeys(form_field_names(), "9" * 25)


def _logged(before: int) -> list[dict[str, Any]]:
    return list(
        AccessLogEntry.objects.filter(pk__gt=before).values("staff_id", "person_id", "action", "channel")
    )


def _last_log_id() -> int:
    return AccessLogEntry.objects.aggregate(last=Max("pk"))["last"] or 0


# --- the web ----------------------------------------------------------------------------------------------

_SIGN_IN_NEEDED: dict[str, bool] = {}


def needs_sign_in(route: WebRoute, path: str) -> bool:
    """Whether a visitor who is not signed in is sent to sign in (asked once per route)."""
    if route.route not in _SIGN_IN_NEEDED:
        response = Client().get(path)
        _SIGN_IN_NEEDED[route.route] = response.status_code == 302 and response["Location"].startswith(
            resolve_url(settings.LOGIN_URL)
        )
    return _SIGN_IN_NEEDED[route.route]


def signed_in(client: Client, staff: StaffMember) -> Client:
    """The client, signed in as ``staff`` (again, if the last request signed it out)."""
    if "_auth_user_id" not in client.session:
        client.force_login(staff.user)
    return client


def web_exchange(client: Client, method: str, path: str, data: dict[str, Any] | None, what: str) -> Exchange:
    before = _last_log_id()
    response = client.get(path) if method == "GET" else client.post(path, data or {})
    return exchange_of(WEB_CHANNEL, method, what, path, response, before)


def exchange_of(channel: str, method: str, what: str, path: str, response: Any, before: int) -> Exchange:
    # A server error: say what it was, since the client does not raise it.
    error = getattr(response, "exc_info", None)
    cause = f"{error[0].__name__}: {error[1]}" if error else ""
    return Exchange(
        channel, method, what, path, response.status_code, body_text(response), _logged(before), cause
    )


def judge_web(
    world: World,
    role: Role,
    exchange: Exchange,
    *,
    person_bearing: bool,
    signed_in_only: bool,
    form: bool,
    plain_read: bool,
) -> list[str]:
    status = exchange.status
    if status == 405:
        return []
    problems = []
    if status >= 500:
        problems.append(f"{exchange}: server error {exchange.error}")
    if role.plain_ids:
        if person_bearing and status not in (403, 404):
            problems.append(f"{exchange}: an analyst's plain id must be no record (404), not {status}")
        return problems + leaks(world, role, exchange)
    # A page, or a form's answer; signing out (a POST with no page) stays open to a leaver.
    if role.leaver and signed_in_only and (exchange.method == "GET" or form) and status != 403:
        problems.append(f"{exchange}: a leaver must be refused (403)")
    if role.refused_on_target and person_bearing and status != 403:
        problems.append(f"{exchange}: {role.key} may not open {role.target}'s record: want 403")
    if role.read_only and form and status != 403:
        problems.append(f"{exchange}: {role.key} records no casework: want 403 on every form")
    if (
        plain_read
        and exchange.method == "GET"
        and role.target in role.sees
        and not role.leaver
        and status != 200
    ):
        problems.append(f"{exchange}: {role.key} may read {role.target}'s record: want 200")
    problems += leaks(world, role, exchange)
    problems += log_problems(world, role, exchange, person_bearing)
    return problems


@pytest.mark.parametrize(
    ("route", "role"),
    [
        pytest.param(route, role, id=f"{route.label} as {role.key}")
        for route in WEB
        for role in ROLES
        if not role.plain_ids or takes_person_record(route.params)
    ],
)
def test_web_route(world: World, db: Any, route: WebRoute, role: Role) -> None:
    values, person_bearing = fill(world, role, route.params)
    path = route.path(values)
    staff = world.staff[role.staff]
    signed_in_only = needs_sign_in(route, path)
    client = Client(raise_request_exception=False)
    exchanges = [
        web_exchange(signed_in(client, staff), "GET", path, None, "GET"),
        web_exchange(signed_in(client, staff), "POST", path, {}, "empty body"),
    ]
    if exchanges[-1].status != 405:
        exchanges.append(web_exchange(signed_in(client, staff), "POST", path, BAD_FORM, "bad body"))
    takes_get = exchanges[0].status != 405
    takes_post = any(e.status != 405 for e in exchanges[1:])
    form = (
        signed_in_only
        and takes_get
        and takes_post
        and route.route not in OWN_FORMS
        and role.key not in NOT_CASEWORK_FORMS.get(route.route, ())
    )
    plain_read = takes_get and not takes_post and ends_with_readable_record(route.route)
    problems = []
    for exchange in exchanges:
        problems += judge_web(
            world,
            role,
            exchange,
            person_bearing=person_bearing,
            signed_in_only=signed_in_only,
            form=form,
            plain_read=plain_read,
        )
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# --- the API ----------------------------------------------------------------------------------------------


def api_exchange(
    token: str, method: str, url: str, *, query: dict[str, str] | None = None, body: Any = None, what: str
) -> Exchange:
    client = Client(headers={"Authorization": f"Bearer {token}"}, raise_request_exception=False)
    before = _last_log_id()
    if method == "GET":
        response = client.get(url, query or {})
    else:
        target = f"{url}?{urlencode(query)}" if query else url
        response = client.generic(method, target, data=json.dumps(body), content_type="application/json")
    return exchange_of(API_CHANNEL, method, what, url, response, before)


def judge_api(
    world: World, role: Role, operation: ApiOperation, exchange: Exchange, *, person_bearing: bool
) -> list[str]:
    status = exchange.status
    problems = []
    if status >= 500:
        problems.append(f"{exchange}: server error {exchange.error}")
    refusals = (404,) if operation.is_read else (404, 422)
    if role.leaver:
        if status != 401:
            problems.append(f"{exchange}: a leaver's token must not work (401)")
        return problems + leaks(world, role, exchange)
    if role.plain_ids:
        if person_bearing and status not in (*refusals, 403):
            problems.append(f"{exchange}: an analyst's plain id must be no record (404), not {status}")
        return problems + leaks(world, role, exchange)
    if role.refused_on_target and person_bearing and status not in refusals:
        problems.append(f"{exchange}: {role.key} may not open {role.target}'s record: want 404")
    own = operation.path.endswith(OWN_OPERATIONS)
    if role.read_only and not operation.is_read and not own and 200 <= status < 300:
        problems.append(f"{exchange}: {role.key} records no casework: want a refusal")
    if (
        operation.is_read
        and exchange.what == "GET"
        and ends_with_readable_record(operation.path)
        and role.target in role.sees
        and status != 200
    ):
        problems.append(f"{exchange}: {role.key} may read {role.target}'s record: want 200")
    problems += leaks(world, role, exchange)
    problems += log_problems(world, role, exchange, person_bearing)
    return problems


@pytest.mark.parametrize(
    ("operation", "role"),
    [
        pytest.param(operation, role, id=f"{operation.label} as {role.key}")
        for operation in API
        for role in ROLES
        if not role.plain_ids or takes_person_record(operation.path_params())
    ],
)
def test_api_operation(world: World, db: Any, operation: ApiOperation, role: Role) -> None:
    values, person_bearing = fill(world, role, operation.path_params())
    url = operation.url(values)
    query = {
        p.name: query_value(world, role, p) for p in operation.params if p.where == "query" and p.required
    }
    token = world.api_tokens[role.staff]
    exchanges = []
    if operation.is_read:
        exchanges.append(api_exchange(token, "GET", url, query=query, what="GET"))
        # The list filters that name a person's records, filled with the role's references.
        filters = {
            p.name: reference(world, role, kind)
            for p in operation.params
            if p.where == "query" and not p.required and (kind := names_a_record(p, operation.components))
        }
        if filters:
            exchanges.append(api_exchange(token, "GET", url, query={**query, **filters}, what="filtered"))
    else:
        schema = operation.body_schema()
        bad = bad_json(world, role, schema, operation.components) if schema else {"x": "9" * 25}
        exchanges.append(api_exchange(token, operation.method, url, query=query, body={}, what="empty body"))
        exchanges.append(api_exchange(token, operation.method, url, query=query, body=bad, what="bad body"))
    problems = []
    for exchange in exchanges:
        problems += judge_api(world, role, operation, exchange, person_bearing=person_bearing)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# --- the walk itself ---------------------------------------------------------------------------------------


def test_every_api_url_is_an_operation_in_the_openapi_document() -> None:
    """An operation left out of the schema (``include_in_schema=False``) would escape the walk."""
    documented = {operation.path for operation in API}
    assert [route for route in ninja_url_routes() if route not in documented] == []


def test_the_served_openapi_document_is_the_one_walked(world: World, db: Any) -> None:
    served: set[tuple[str, str]] = set()
    for url in {"/" + "/".join(operation.path.split("/")[1:3]) + "/openapi.json" for operation in API}:
        response = Client(headers={"Authorization": f"Bearer {world.api_tokens['holder']}"}).get(url)
        assert response.status_code == 200, url
        for path, operations in response.json()["paths"].items():
            served.update((method.upper(), path) for method in operations)
    assert served == {(operation.method, operation.path) for operation in API}


def test_the_walk_finds_pages_and_operations() -> None:
    assert len(WEB) > 10
    assert len(API) > 10
    assert any(route.params for route in WEB)
    assert any(operation.path_params() for operation in API)


def test_a_parameter_the_walk_does_not_know_fails_it(world: World) -> None:
    with pytest.raises(pytest.fail.Exception, match="add a value for widget_id"):
        fill(world, ROLES[0], [("widget_id", "widgets/")])


def test_parameters_are_read_by_name_or_by_the_segment_before_them(world: World) -> None:
    holder, analyst = ROLES[0], next(role for role in ROLES if role.uses_tokens)
    zebulon = world.people["zebulon"]
    assert fill(world, holder, [("ref", "people/")]) == ({"ref": str(zebulon.person.pk)}, True)
    assert fill(world, analyst, [("contact_ref", "contacts/")]) == (
        {"contact_ref": record_token("contact", zebulon.contact.pk)},
        True,
    )
    assert fill(world, analyst, [("staff_code", "workload/staff/")]) == ({"staff_code": "WHOLDER"}, False)
