"""The identifiers a person is known by: the CRN Evenhand gives or is told, and the PNC number.

A PNC (Police National Computer) number is written YY/NNNNNNNL: the last two digits of the year the record was
made, a seven-digit serial, and a check letter. The check letter is the remainder, modulo 23, of the nine
digits read as one number (year then serial), taken from an alphabet without I, O and S. The long form
YYYY/NNNNNNNL (a four-digit year) is the same number; it is stored in the short form.
"""

import re
from collections.abc import Container

from django.conf import settings
from django.core.exceptions import ValidationError

from .models import CRN_PATTERN, CrnCounter, Person

PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_PNC_INPUT = re.compile(r"^([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])\Z")
PNC_MESSAGE = (
    "Enter a PNC number as the year, a slash, the serial number and the check letter, like 98/1234567L"
)
CRN_MESSAGE = "Enter a CRN as one capital letter and six digits, like X123456"
LAST_CRN_NUMBER = 999_999


def pnc_check_letter(year: str, serial: str) -> str:
    """The check letter of a PNC number with this (two-digit) year and serial."""
    return PNC_CHECK_LETTERS[int(year[-2:] + serial.zfill(7)) % 23]


def normalise_pnc(value: str | None, field: str = "pnc") -> str:
    """A PNC number as stored (YY/NNNNNNNL), '' for none given; a malformed number or a wrong check letter is
    refused, naming ``field``."""
    text = "".join((value or "").split()).upper()
    if not text:
        return ""
    match = _PNC_INPUT.match(text)
    if match is None:
        raise ValidationError({field: PNC_MESSAGE})
    year, serial, letter = match.groups()
    if pnc_check_letter(year, serial) != letter:
        raise ValidationError(
            {field: "The check letter of this PNC number is wrong: check it was typed correctly"}
        )
    return f"{year[-2:]}/{serial.zfill(7)}{letter}"


def crn_prefix() -> str:
    """The letter that starts the CRNs Evenhand gives (a setting, so that two services never give the same)."""
    prefix = str(getattr(settings, "EVENHAND_CRN_PREFIX", "E"))
    if not re.match(r"^[A-Z]\Z", prefix):
        raise ValueError(f"EVENHAND_CRN_PREFIX must be one capital letter, not {prefix!r}")
    return prefix


def next_crn() -> str:
    """The next CRN Evenhand gives, from a counter row locked for the transaction (the caller's, which must be
    atomic): on PostgreSQL ``SELECT … FOR UPDATE`` makes concurrent registrations wait their turn, and SQLite
    serialises writers anyway. A number is skipped, never reused, when a CRN entered by hand already has it.
    """
    prefix = crn_prefix()
    CrnCounter.objects.get_or_create(prefix=prefix)
    counter = CrnCounter.objects.select_for_update().get(prefix=prefix)
    number = counter.last_number
    while True:
        number += 1
        if number > LAST_CRN_NUMBER:
            raise ValidationError({"crn": f"Every CRN starting {prefix} has been given: enter the CRN"})
        crn = f"{prefix}{number:06d}"
        if not Person.objects.filter(crn=crn).exists():
            break
    counter.last_number = number
    counter.save(update_fields=["last_number"])
    return crn


def crn_format(value: str | None) -> str:
    """A CRN as stored (spaces dropped, capitals), its format checked but not whether it is used: an import
    checks a whole chunk of CRNs against the database in one query."""
    crn = "".join((value or "").split()).upper()
    if not re.match(CRN_PATTERN, crn):
        raise ValidationError({"crn": CRN_MESSAGE})
    return crn


def used_crn_message(crn: str) -> str:
    return f"CRN {crn} is already used by another person"


def entered_crn(value: str) -> str:
    """A CRN the person already has, checked: the format, and that nobody else has it."""
    crn = crn_format(value)
    if Person.objects.filter(crn=crn).exists():
        raise ValidationError({"crn": used_crn_message(crn)})
    return crn


def next_crns(count: int, *, skip: Container[str] = ()) -> list[str]:
    """The next ``count`` CRNs Evenhand gives, the same numbers ``next_crn`` would give one at a time, with one
    lock of the counter (held to the end of the caller's transaction) and one query for the numbers already
    entered by hand in each block: for an import of people who have no CRN yet. CRNs in ``skip`` (entered on
    other rows of the same import, not yet written) are not given either."""
    if count <= 0:
        return []
    prefix = crn_prefix()
    CrnCounter.objects.get_or_create(prefix=prefix)
    counter = CrnCounter.objects.select_for_update().get(prefix=prefix)
    crns: list[str] = []
    number = counter.last_number
    while len(crns) < count:
        last = min(number + count - len(crns), LAST_CRN_NUMBER)
        if last <= number:
            raise ValidationError({"crn": f"Every CRN starting {prefix} has been given: enter the CRN"})
        first_crn, last_crn = f"{prefix}{number + 1:06d}", f"{prefix}{last:06d}"
        used = set(Person.objects.filter(crn__gte=first_crn, crn__lte=last_crn).values_list("crn", flat=True))
        crns += [
            crn
            for n in range(number + 1, last + 1)
            if (crn := f"{prefix}{n:06d}") not in used and crn not in skip
        ]
        number = last
    counter.last_number = int(crns[-1][1:])
    counter.save(update_fields=["last_number"])
    return crns
