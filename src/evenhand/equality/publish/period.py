"""One period's publication written into a folder: every characteristic asked for, all or nothing.

Shared by ``evenhand equality report`` and the publication job the dashboard starts (ADR 11).
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evenhand.core.db import analytics_reads

from ..engine import Settings, check_request
from ..measures import Period, Source
from .release import Release, release
from .report import build, write


@dataclass(frozen=True)
class Published:
    written: list[Path]
    flagged: int
    protected: Release


def publish_period(
    period: Period,
    *,
    characteristics: list[str],
    out: Path,
    reference: str | None = None,
    min_n: int = 30,
    measures: tuple[str, ...] = (),
    every: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Published:
    """Protect the period's whole publication (every characteristic at once), build each report and write it
    into ``out`` (each characteristic in a folder of its own when ``every``), whole or not at all. Raises the
    engine's ``BadRequest``, ``DisclosureError``, ``FileExistsError`` or ``FileNotFoundError``, having
    written nothing."""
    say = progress or (lambda _: None)
    source = Source(period)
    requests = [
        Settings(characteristic=name, reference=reference, min_n=min_n, measures=measures)
        for name in characteristics
    ]
    # Every read of the period's records from the analytics replica, when there is one (ADR 15).
    with analytics_reads():
        for request in requests:
            check_request(request, source)  # before the long work
        protected = release(source, measures=measures, progress=say)
        publications = [
            build(period, request, progress=say, source=source, protected=protected) for request in requests
        ]
    written: list[Path] = []
    flagged = 0
    made = False
    if every:
        made = not out.exists()
        out.mkdir(exist_ok=True)
    try:
        for publication in publications:
            folder = out / publication.settings.characteristic if every else out
            written += write(publication, folder, progress=say)
            flagged += len(publication.flagged)
    except BaseException:
        # Every report of the period or none: take away the folders already written.
        if every:
            for publication in publications:
                shutil.rmtree(out / publication.settings.characteristic, ignore_errors=True)
            if made:
                out.rmdir()
        raise
    return Published(written=written, flagged=flagged, protected=protected)
