"""Finding every route and API operation, filling their parameters from the world, and judging the answers.

Routes are discovered, never listed: web pages from Django's resolver, API operations from the OpenAPI document
of every NinjaAPI mounted in the URLconf. A path or required query parameter is filled by its name
(``person_id``, ``sentence_ref``, ``staff_code``, or a bare ``ref``/``id`` after a ``people/`` segment …);
a name this module does not know fails the test with "add a value for <name>", so a new kind of route
cannot slip through unwalked.
"""

import html
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from importlib import import_module
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from evenhand.audit.models import Action, Channel
from evenhand.people.access import TOKEN_KINDS, record_token

from .world import Marked, World

# --- discovery --------------------------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + _route_text(pattern))
        else:
            yield prefix + _route_text(pattern), pattern


def _route_text(pattern: URLPattern | URLResolver) -> str:
    """The route as a path template: ``people/<ref:ref>/``; a regex route with its named groups as ``<name>``."""
    text = str(pattern.pattern)
    if text.startswith("^") or text.endswith("$"):
        text = _REGEX_GROUP.sub(lambda m: f"<{m['name']}>", text.lstrip("^").rstrip("$"))
    return text


def _ninja_api(callback: Any) -> Any:
    """The NinjaAPI a URL belongs to (its schema and docs views are partials over it), else None."""
    if isinstance(callback, partial):
        return callback.keywords.get("api")
    return None


def _is_ninja(callback: Any) -> bool:
    target = callback.func if isinstance(callback, partial) else callback
    return (getattr(target, "__module__", "") or "").startswith("ninja")


@dataclass(frozen=True)
class WebRoute:
    route: str  # as Django writes it: people/<ref:ref>/
    name: str | None

    @property
    def label(self) -> str:
        return f"web /{self.route}"

    @property
    def params(self) -> list[tuple[str, str]]:
        """(name, the path text before it) for each parameter."""
        return [(m["name"], self.route[: m.start()]) for m in _CONVERTER.finditer(self.route)]

    def path(self, values: dict[str, str]) -> str:
        return "/" + _CONVERTER.sub(lambda m: values[m["name"]], self.route)


def _api_prefixes() -> list[str]:
    """Where the API is included: every top-level include that serves a Ninja operation. Everything under it,
    its own catch-all 404 included, is the API's, walked from the OpenAPI document."""
    prefixes = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and any(
            _is_ninja(pattern.callback) for _, pattern in _walk(entry.url_patterns)
        ):
            prefixes.append(_route_text(entry))
    return prefixes


def web_routes() -> list[WebRoute]:
    """Every URL pattern of the site but the API (walked from its OpenAPI document) and static files."""
    static = (settings.STATIC_URL or "/assets/").lstrip("/")
    skipped = tuple(_api_prefixes()) + ((static,) if static else ())
    return [
        WebRoute(route=route, name=pattern.name)
        for route, pattern in _walk(get_resolver().url_patterns)
        if not _is_ninja(pattern.callback) and not route.startswith(skipped)
    ]


def ninja_apis() -> list[Any]:
    seen: dict[int, Any] = {}
    for _, pattern in _walk(get_resolver().url_patterns):
        api = _ninja_api(pattern.callback)
        if api is not None:
            seen[id(api)] = api
    return list(seen.values())


def ninja_url_routes() -> list[str]:
    """Every API URL served, as an OpenAPI path (``/api/v1/people/{person_id}``), but the API's own schema, docs
    and root pages."""
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if _is_ninja(pattern.callback) and _ninja_api(pattern.callback) is None:
            routes.append("/" + _CONVERTER.sub(lambda m: "{" + m["name"] + "}", route))
    return sorted(set(routes))


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path or query
    required: bool
    schema: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str  # /api/v1/people/{person_id}
    operation_id: str
    params: tuple[Param, ...]
    body: dict[str, Any] | None = field(hash=False, compare=False)
    components: dict[str, Any] = field(hash=False, compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"api {self.method} {self.path}"

    @property
    def is_read(self) -> bool:
        return self.method == "GET"

    def path_params(self) -> list[tuple[str, str]]:
        return [
            (p.name, self.path[: self.path.index("{" + p.name + "}")])
            for p in self.params
            if p.where == "path"
        ]

    def url(self, values: dict[str, str]) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], self.path)

    def body_schema(self) -> dict[str, Any] | None:
        if self.body is None:
            return None
        content = self.body.get("content", {})
        schema = (content.get("application/json") or next(iter(content.values()), {})).get("schema")
        return resolve(schema, self.components) if schema else None


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def api_operations() -> list[ApiOperation]:
    found = []
    for api in ninja_apis():
        document = api.get_openapi_schema()
        components = document.get("components", {})
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                params = tuple(
                    Param(p["name"], p["in"], bool(p.get("required")), p.get("schema", {}))
                    for p in operation.get("parameters", [])
                )
                found.append(
                    ApiOperation(
                        method=method.upper(),
                        path=path,
                        operation_id=operation.get("operationId", ""),
                        params=params,
                        body=operation.get("requestBody"),
                        components=components,
                    )
                )
    return found


def form_field_names() -> list[str]:
    """The name of every field (and sub-widget: a date's ``-day``, ``-month``, ``-year``) of every form in
    Evenhand's apps: what a bad POST fills."""
    names: set[str] = set()
    for config in apps.get_app_configs():
        if not config.name.startswith("evenhand."):
            continue
        try:
            module = import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if not (inspect.isclass(value) and issubclass(value, forms.BaseForm)):
                continue
            for name, form_field in getattr(value, "base_fields", {}).items():
                widget = form_field.widget
                if isinstance(widget, forms.MultiWidget):
                    names.update(name + suffix for suffix in widget.widgets_names)
                names.add(name)
    return sorted(names)


# --- roles ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """A member of staff the rules treat in one way, the person whose records their parameters point at, and
    which of the world's people the rules (README, "Who sees what") let them see."""

    key: str
    staff: str  # key in World.staff
    target: str  # key in World.people
    sees: frozenset[str]
    pseudonymised: bool = False  # an analyst: no names, CRNs, dates of birth, ids or free text
    plain_ids: bool = False  # an analyst who sends plain ids, which the door takes for no record
    leaver: bool = False
    read_only: bool = False  # analysts, inspectors, administrators: no casework

    @property
    def refused_on_target(self) -> bool:
        return self.target not in self.sees and not self.leaver

    @property
    def uses_tokens(self) -> bool:
        return self.pseudonymised and not self.plain_ids


ZEBULON, QUILLA = "zebulon", "quilla"
ROLES = [
    Role("holder", "holder", ZEBULON, frozenset({ZEBULON, QUILLA})),
    Role("other_pdu_po", "other_pdu", ZEBULON, frozenset()),
    Role("spo", "spo", ZEBULON, frozenset({ZEBULON})),
    Role("head_of_pdu", "head", ZEBULON, frozenset({ZEBULON, QUILLA})),
    Role("inspector", "inspector", ZEBULON, frozenset({ZEBULON}), read_only=True),
    Role("analyst", "analyst", ZEBULON, frozenset({ZEBULON}), pseudonymised=True, read_only=True),
    Role(
        "analyst_plain_ids",
        "analyst",
        ZEBULON,
        frozenset({ZEBULON}),
        pseudonymised=True,
        plain_ids=True,
        read_only=True,
    ),
    Role("admin", "admin", ZEBULON, frozenset({ZEBULON}), read_only=True),
    # Workforce equality's HR analyst sees staff figures in aggregate and no one on probation.
    Role("hr_analyst", "hr_analyst", ZEBULON, frozenset(), read_only=True),
    Role("leaver", "leaver", ZEBULON, frozenset(), leaver=True),
    Role("excluded", "excluded", ZEBULON, frozenset()),
    Role("outside_restriction", "outsider", QUILLA, frozenset({ZEBULON})),
]


# --- filling parameters -----------------------------------------------------------------------------------

# The word in a parameter's name (or, for a bare ``ref``/``id``, in the path segment before it) → kind.
KIND_OF_WORD = {
    "person": "person",
    "people": "person",
    "sentence": "sentence",
    "sentences": "sentence",
    "contact": "contact",
    "contacts": "contact",
    # An appointment is a contact booked ahead.
    "appointment": "contact",
    "appointments": "contact",
    "decision": "decision",
    "decisions": "decision",
    "enforcement-decisions": "decision",
    "referral": "referral",
    "referrals": "referral",
    "consultation": "consultation",
    "consultations": "consultation",
    "staff": "staff",
    "practitioner": "staff",
    "reduction": "reduction",
    "reductions": "reduction",
    "task": "task",
    "tasks": "task",
    "sensitivity": "sensitivity",
    "sensitivities": "sensitivity",
    # Safe voice: a concern's reference and an attachment's id (tests/voice walks them with real ones).
    "concern": "concern",
    "concerns": "concern",
    "attachment": "attachment",
    "attachments": "attachment",
    # The staff survey: a survey's id (tests/voice/test_survey.py walks real ones).
    "survey": "survey",
    "surveys": "survey",
    # An assessment (of one person) by its id or an analyst's token.
    "assessment": "assessment",
    "assessments": "assessment",
    # A goal and a step of a sentence plan (the world's assessment is still open, so it has no plan: a form
    # of a plan not made yet goes back to the plan page).
    "goal": "goal",
    "goals": "goal",
    "step": "step",
    "steps": "step",
    # A pre-sentence report (of one person) by its id or an analyst's token.
    "report": "report",
    "reports": "report",
    # Risk information about a person (and its decision on recall).
    "information": "risk_information",
    "risk-information": "risk_information",
    # A risk of serious harm review and a registration, read on their own through the API.
    "risk-reviews": "risk_review",
    "registrations": "registration",
    # The published summary of staff concerns: a quarter (tests/voice/test_summary.py walks a published one).
    "quarter": "quarter",
    # A job on the task queue, its status page and its cancel button (tests/jobs walk real ones).
    "job": "job",
    "jobs": "job",
    # A case review, opened only by its reviewer (tests/review/test_views.py walks real ones).
    "review": "review",
    "reviews": "review",
    # A review round of a PDU (tests/review/test_round_views.py walks real ones).
    "round": "round",
    "rounds": "round",
    # A case sampled into a review round (tests/review/test_moderation.py walks real ones).
    "sampled": "sampled",
    # An action from a case review finding (tests/review/test_actions.py walks real ones).
    "action": "action",
    "actions": "action",
    # A published workforce report (tests/workforce/test_publication.py downloads real ones).
    "release": "release",
}
# Kinds whose reference is not a database id: the world's own (``World.extra``), else one that names nothing.
TEXT_REFERENCES = {
    "concern": "VC-NOSUCH22",
    "attachment": "00000000-0000-4000-8000-000000000000",
    "survey": "999999",
    "quarter": "2026Q3",
    "job": "999999",
    "review": "999999",
    "round": "999999",
    "sampled": "999999",
    "action": "999999",
    "release": "999999",
}
BARE_NAMES = ("ref", "id", "pk", "token")
SUFFIXES = ("_id", "_ref", "_token", "_pk", "_code")
# Kinds whose record belongs to one person: a route taking one shows, or refuses, that person's record.
PERSON_KINDS = (
    "person",
    "sentence",
    "contact",
    "decision",
    "referral",
    "consultation",
    "risk_information",
    "assessment",
    "risk_review",
    "registration",
    "report",
)
# Kinds an operation reads on its own (``/sentences/<id>``): those who may see the person may read it.
READABLE_KINDS = (
    "person",
    "sentence",
    "contact",
    "decision",
    "referral",
    "assessment",
    "risk_information",
    "risk_review",
    "registration",
    "report",
)
# Required query parameters that are not records.
# Forms about the signed-in member of staff themselves, not casework: every current member of staff may use
# them, read-only roles included (their own equality profile, workforce app).
OWN_FORMS = ("my-equality-profile/",)
# The API's own-profile operation, which every current member of staff may use the same way.
OWN_OPERATIONS = ("/workforce/my-profile",)
# Forms that record no casework, each used by the read-only roles named: the HR analyst publishes the
# workforce report (workforce app).
NOT_CASEWORK_FORMS = {"workforce/releases/": ("hr_analyst",)}

QUERY_VALUES = {"measure": "recall"}
# Path parameters that are not records: a value that names something real.
PATH_VALUES = {
    "section_key": "accommodation",
    "report_part": "offence",  # a section of a pre-sentence report
    # A file of an equality publication (tests/equality/test_publication.py downloads real ones).
    "file_name": "equality.ods",
    "question": "C1",  # a key question of a review's question set
    "file_kind": "ods",  # a file of a published workforce report
}


def kind_of(name: str, before: str = "") -> tuple[str, str] | None:
    """(kind, "code" or "ref") for a parameter name, or None when the name says nothing this module knows."""
    lowered = name.lower()
    form = "code" if lowered.endswith("_code") else "ref"
    base = lowered
    for suffix in SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    if base in KIND_OF_WORD:
        return KIND_OF_WORD[base], form
    if base in BARE_NAMES:
        segments = [s for s in before.strip("/").split("/") if s and "{" not in s and "<" not in s]
        if segments and segments[-1] in KIND_OF_WORD:
            return KIND_OF_WORD[segments[-1]], form
    return None


def record_pk(world: World, role: Role, kind: str) -> int:
    marked = world.people[role.target]
    return {
        "person": marked.person.pk,
        # The queued sentence: every route taking a sentence, the allocation pages too, has a case to show.
        "sentence": marked.queued.pk,
        "contact": marked.contact.pk,
        "decision": marked.decision.pk,
        "referral": marked.referral.pk,
        "consultation": marked.consultation.pk,
        "staff": world.holder.pk,
        "reduction": world.reduction_id,
        "task": marked.task.pk,
        "sensitivity": world.sensitivity_id,
        "assessment": marked.assessment.pk,
        "risk_information": marked.information.pk if marked.information else 0,
        "risk_review": marked.risk_review.pk if marked.risk_review else 0,
        "registration": marked.registration.pk if marked.registration else 0,
        "report": marked.report.pk if marked.report else 0,
        "goal": 0,
        "step": 0,
    }[kind]


def reference(world: World, role: Role, kind: str, form: str = "ref") -> str:
    """How this role names one record of ``kind``: an id, a staff code, or an analyst's token."""
    if form == "code":
        if kind != "staff":
            pytest.fail(f"add a value for a {kind} code")
        return world.holder.staff_code
    if kind in TEXT_REFERENCES:
        return str(world.extra.get(kind, TEXT_REFERENCES[kind]))
    pk = record_pk(world, role, kind)
    if role.uses_tokens and kind in TOKEN_KINDS:
        return record_token(kind, pk)
    return str(pk)


def fill(world: World, role: Role, params: list[tuple[str, str]]) -> tuple[dict[str, str], bool]:
    """Values for path parameters, and whether any of them points at a person's record."""
    values, person_bearing = {}, False
    for name, before in params:
        if name in PATH_VALUES:
            values[name] = PATH_VALUES[name]
            continue
        found = kind_of(name, before)
        if found is None:
            pytest.fail(
                f"add a value for {name} (a parameter the route walk does not know: tests/routes/walk.py)"
            )
        kind, form = found
        values[name] = reference(world, role, kind, form)
        person_bearing |= kind in PERSON_KINDS
    return values, person_bearing


def takes_person_record(params: list[tuple[str, str]]) -> bool:
    """Whether a route's parameters (as far as their names tell) point at a person's record."""
    return any(
        (found := kind_of(name, before)) is not None and found[0] in PERSON_KINDS for name, before in params
    )


def ends_with_readable_record(template: str) -> bool:
    """``/sentences/{sentence_id}`` or ``people/<ref:ref>/``: the route reads one record, nothing more."""
    match = re.search(r"(?:\{(\w+)\}|<(?:[^>:]+:)?(\w+)>)/?$", template)
    if match is None:
        return False
    name = match[1] or match[2]
    found = kind_of(name, template[: match.start()])
    return found is not None and found[0] in READABLE_KINDS


def names_a_record(param: Param, components: dict[str, Any]) -> str | None:
    """The kind of record an optional query parameter filters by (``?person=``), or None: an enumeration
    (``?decision=warning``) or anything else."""
    found = kind_of(param.name)
    if found is None or found[0] not in PERSON_KINDS:
        return None
    schemas = [resolve(param.schema, components)]
    schemas += [resolve(s, components) for key in ("anyOf", "oneOf") for s in schemas[0].get(key, [])]
    return None if any("enum" in s for s in schemas) else found[0]


def query_value(world: World, role: Role, param: Param) -> str:
    if param.name in QUERY_VALUES:
        return QUERY_VALUES[param.name]
    found = kind_of(param.name)
    if found is None:
        pytest.fail(f"add a value for {param.name} (a required query parameter: tests/routes/walk.py)")
    return reference(world, role, *found)


def bad_json(
    world: World, role: Role, schema: dict[str, Any], components: dict[str, Any], name: str = ""
) -> Any:
    """A body of the right shape whose values are wrong: references to the role's target's records where the
    field names a record, ids past 64 bits, dates a century ago, empty text."""
    schema = resolve(schema, components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [resolve(s, components) for s in schema[key] if s.get("type") != "null"]
            return bad_json(world, role, options[0], components, name) if options else None
    kind = schema.get("type")
    found = kind_of(name) if name else None
    if kind == "object" or "properties" in schema:
        return {
            prop: bad_json(world, role, sub, components, prop)
            for prop, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        item = bad_json(world, role, schema.get("items", {}), components, name.removesuffix("s"))
        return [item]
    if found is not None:
        ref = reference(world, role, *found)
        return int(ref) if kind == "integer" and ref.isdigit() else ref
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "integer":
        return 2**64
    if kind == "number":
        return 1e308
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "1900-01-01"
    if schema.get("format") == "date-time":
        return "1900-01-01T00:00:00+00:00"
    return ""


# --- judging the answers ----------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request and what came of it."""

    channel: str  # Channel.UI or Channel.API
    method: str
    what: str  # GET, "empty body", "bad body", "filtered"
    path: str
    status: int
    text: str  # the body, decoded, HTML entities unescaped
    rows: list[dict[str, Any]]  # access log rows written during the request
    error: str = ""  # the exception behind a server error

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.what}) → {self.status}"


def body_text(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return html.unescape(raw.decode("utf-8", errors="replace"))


def _contains(text: str, needle: str) -> bool:
    return needle.lower() in text.lower()


def leaks(world: World, role: Role, exchange: Exchange) -> list[str]:
    """What of whom the response shows that the role may not see."""
    problems = []
    text = exchange.text
    for key, marked in world.people.items():
        if key not in role.sees:
            shown = [i for i in marked.identifiers() if _contains(text, i)]
            if shown:
                problems.append(f"{exchange}: shows {key}, whom this role may not see: {shown}")
        if role.pseudonymised:
            identity = [*marked.name_parts, marked.crn, *marked.markers, *marked.date_of_birth_texts()]
            shown = [i for i in identity if _contains(text, i)]
            if shown:
                problems.append(f"{exchange}: identity or free text of {key} to an analyst: {shown}")
            if re.search(rf"\b{marked.person.pk}\b", text):
                problems.append(f"{exchange}: internal id {marked.person.pk} of {key} to an analyst")
    return problems


def shows(marked: Marked, text: str) -> bool:
    return any(_contains(text, i) for i in marked.identifiers())


def log_problems(world: World, role: Role, exchange: Exchange, person_bearing: bool) -> list[str]:
    """A view (or an export) logged for everyone the response shows; a refusal logged for a refused record."""
    staff = world.staff[role.staff]
    target = world.people[role.target]
    mine = [r for r in exchange.rows if r["staff_id"] == staff.pk and r["channel"] == exchange.channel]
    problems = []
    if exchange.status == 200:
        for key, marked in world.people.items():
            on_target = person_bearing and key == role.target
            if key not in role.sees or not (on_target or shows(marked, exchange.text)):
                continue
            actions = {r["action"] for r in mine if r["person_id"] == marked.person.pk}
            wanted = {Action.VIEW} if on_target else {Action.VIEW, Action.EXPORT}
            if not actions & wanted:
                problems.append(
                    f"{exchange}: shows {key} but no {'/'.join(sorted(wanted))} row in the access log "
                    f"(rows written: {_rows(exchange.rows)})"
                )
    elif exchange.status in (403, 404) and person_bearing:
        refused = [r for r in mine if r["person_id"] == target.person.pk and r["action"] == Action.REFUSED]
        if not refused:
            problems.append(
                f"{exchange}: refused {role.target}'s record but no refused row in the access log "
                f"(rows written: {_rows(exchange.rows)})"
            )
    return problems


def _rows(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['action']}:{r['person_id']}:{r['channel']}" for r in rows) or "none"


API_CHANNEL, WEB_CHANNEL = Channel.API, Channel.UI
