"""Reading the access log (administrators only; the view checks the role)."""

from typing import Any

from django.core.paginator import Page, Paginator

from evenhand.core.ids import parse_id

from .models import AccessLogEntry

PAGE_SIZE = 50


def access_log_page(*, staff_code: str = "", person: str = "", page: Any = None) -> Page:
    """One page of the access log, newest first, with who each entry is about.

    ``staff_code`` keeps one member of staff's entries; ``person``, the entries about one person record, as
    typed (anything but a number is ignored, a number no record can have matches nothing). ``page`` is taken
    as typed too: malformed or out of range gives the nearest real page.
    """
    entries = AccessLogEntry.objects.select_related("staff").order_by("-at", "-pk")
    if staff_code:
        entries = entries.filter(staff__staff_code=staff_code)
    if person.isascii() and person.isdigit():
        number = parse_id(person)
        entries = entries.filter(person_id=number) if number is not None else entries.none()
    return Paginator(entries, PAGE_SIZE).get_page(page)
