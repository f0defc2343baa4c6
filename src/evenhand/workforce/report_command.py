"""The workforce publication from the command line, one run behind two spellings:
``evenhand equality report --workforce --period 2025-26 [--unit CODE] --by STAFF_CODE --out DIR`` (the
equality report's command, which cannot import this app: it finds the run registered with
:func:`evenhand.equality.registry.register_report`) and ``evenhand workforce report …``, its alias.

It publishes a period's workforce equality report for a unit (national unless given), protected and audited by
the shared disclosure machinery, records it for good as a release (``WorkforceRelease``) and writes it into a
new folder as HTML, an ODS spreadsheet and the disclosure manifest. Bad input (a period or unit that does not
parse or exist, a folder that is not new, someone other than an HR analyst) is refused with a message
(``CommandError``) and nothing is written."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from evenhand.disclosure import DisclosureError
from evenhand.org.models import StaffMember

from . import publication


def publish_report(options: dict[str, Any], write: Callable[[str], None]) -> None:
    """Publish the report asked for by ``options`` (``period``, ``unit`` or None for national, ``by``, ``out``)
    and write its files, saying what was written through ``write``."""
    try:
        period = publication.PublicationPeriod.parse(options["period"])
        unit = publication.unit_code(options.get("unit") or "", national_if_empty=True)
    except ValueError as error:
        raise CommandError(str(error)) from None
    out = Path(options["out"])
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CommandError(f"{out} already exists and is not an empty folder: choose a new folder")
    if not out.resolve().parent.is_dir():
        raise CommandError(f"the folder {out.resolve().parent} does not exist")
    code = options["by"].strip().upper()
    staff = StaffMember.objects.filter(staff_code=code).first()
    if staff is None:
        raise CommandError(f"There is no member of staff with the code {code!r}")
    try:
        release = publication.publish(period=period, unit=unit, by=staff)
    except ValidationError as refused:
        raise CommandError("; ".join(refused.messages)) from None
    except (PermissionDenied, ValueError) as refused:
        raise CommandError(str(refused)) from None
    except DisclosureError as refused:
        raise CommandError(f"The report cannot be published safely: {refused}") from None
    out.mkdir(exist_ok=True)
    for kind in publication.FILES:
        (out / publication.file_name(release, kind)).write_bytes(publication.file_of(release, kind))
    write(
        f"Published the workforce report for {release.unit}, {period.label} (sha256 {release.sha256});"
        f" wrote {len(publication.FILES)} files to {out}. {release.audit['summary']}"
    )
