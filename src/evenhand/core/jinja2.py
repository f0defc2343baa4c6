"""The Jinja2 environment: Django's helpers plus the GOV.UK Frontend macros (govuk-frontend-jinja)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    TemplateSyntaxError,
    Undefined,
)

from evenhand.core import formatting
from evenhand.core.forms import error_summary_items, field_kind, field_params


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def govuk_date(value: Any, with_time: bool = False) -> str:
    """Dates the GOV.UK way, through the one formatting module: 5 January 2026, or 5 January 2026 at 2:30pm
    (10am, midday); a date known to the month only (an analyst's): January 2026. Nothing for no date."""
    if value is None or value == "":
        return ""
    tz = timezone.get_current_timezone()
    if with_time and isinstance(value, dt.datetime):
        return formatting.date_time_text(value, tz=tz)
    return formatting.date_text(value, tz=tz)


def month_year(value: Any) -> str:
    """A date to the month, as analysts see dates on a pseudonymised record: March 2026."""
    if value is None or value == "":
        return ""
    return formatting.month_text(value, tz=timezone.get_current_timezone())


def _in_local_time(write: Callable[..., str]) -> Callable[..., str]:
    """A formatting function that writes aware datetimes in the current time zone."""

    def local(value: Any, *args: Any, **kwargs: Any) -> str:
        return write(value, *args, tz=timezone.get_current_timezone(), **kwargs)

    return local


def environment(**options: Any) -> Environment:
    # The GOV.UK macros import each other as "govuk_frontend_jinja/…", so mount the package under that prefix.
    options["loader"] = ChoiceLoader(
        [
            options["loader"],
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    # MoJ Frontend has no Jinja port; its Nunjucks component templates are valid Jinja.
                    "moj_frontend": FileSystemLoader(
                        str(settings.NODE_MODULES / "@ministryofjustice/frontend/moj")
                    ),
                }
            ),
        ]
    )
    options.setdefault("extensions", []).append("jinja2.ext.do")
    # Django picks DebugUndefined when DEBUG is on, which prints "{{ no such element … }}" wherever a GOV.UK
    # macro reads an optional parameter; those macros expect Nunjucks' silent undefined.
    options["undefined"] = Undefined
    env = Environment(**options)
    env.globals.update({"static": static, "url": url, "get_messages": messages.get_messages})
    # Used by the form macros in core/forms.html.
    env.globals.update(
        {
            "govuk_field_params": field_params,
            "govuk_field_kind": field_kind,
            "govuk_error_summary_items": error_summary_items,
        }
    )
    env.filters["govuk_date"] = govuk_date
    # Numbers, ratios and dates the one way (evenhand.core.formatting): {{ n | count_text }} and so on.
    env.filters.update(formatting.FILTERS)
    env.filters.update({name: _in_local_time(formatting.FILTERS[name]) for name in formatting.DATE_FILTERS})
    env.filters["month_year"] = month_year
    return env


def compile_templates(env: Environment) -> int:
    """Compile every template ``env`` can list (the project's, GOV.UK Frontend's and MoJ Frontend's), as
    ``evenhand serve`` does before gunicorn forks: the workers inherit them compiled, instead of each compiling
    a page's templates the first time it serves it (about 150 ms a page). A file that is not a Jinja template
    (MoJ Frontend ships Nunjucks-only ones) is left to fail where it is used. Returns how many compiled."""
    compiled = 0
    for name in env.list_templates(extensions=["html", "njk"]):
        try:
            env.get_template(name)
        except TemplateSyntaxError:
            continue
        compiled += 1
    return compiled
