"""The workload model's fixed rules and published figures, in one place.

Figures here are the defaults Evenhand ships. The weighting table the service actually uses lives in the
database (``WeightingVersion``); version 1 is seeded from ``PUBLISHED_WEIGHTINGS`` by a data migration.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from evenhand.cases.models import OffenceFlag, SentenceType, Tier

from .models import CaseType, ReductionReason, TaskType

# Available points = nominal target * available hours / FULL_TIME_HOURS.
FULL_TIME_HOURS = Decimal("37")

# Custody cases are managed before release and weighted with the published custody points.
CASE_TYPE_OF_SENTENCE: dict[str, CaseType] = {
    SentenceType.COMMUNITY_ORDER: CaseType.COMMUNITY,
    SentenceType.SUSPENDED_SENTENCE_ORDER: CaseType.COMMUNITY,
    SentenceType.CUSTODY: CaseType.CUSTODY,
    SentenceType.LICENCE: CaseType.LICENCE,
    SentenceType.POST_SENTENCE_SUPERVISION: CaseType.LICENCE,
}
LICENCE_SENTENCE_TYPES = tuple(s for s, c in CASE_TYPE_OF_SENTENCE.items() if c == CaseType.LICENCE)

TIER_ORDER = [tier.value for tier in Tier]  # A3, A2, A1, A0, B3, … D0
TIER_LETTERS = ("A", "B", "C", "D")


def _by_tier(points: list[int]) -> dict[str, int]:
    assert len(points) == len(TIER_ORDER)
    return dict(zip(TIER_ORDER, points, strict=True))


@dataclass(frozen=True)
class PublishedTable:
    source: str
    nominal_target: int
    cases: dict[str, dict[str, int]]
    tasks: dict[str, int]


# The England and Wales workload management tool's published figures (points per case by tier and case type,
# per report, and the nominal target for a full-time PO or PSO).
PUBLISHED_WEIGHTINGS = PublishedTable(
    source="England and Wales workload management tool, published figures",
    nominal_target=2176,
    cases={
        CaseType.COMMUNITY: _by_tier([206, 158, 146, 110, 146, 115, 102, 72, 79, 63, 50, 35, 51, 41, 29, 29]),
        CaseType.CUSTODY: _by_tier([75, 60, 59, 0, 59, 48, 47, 0, 30, 24, 23, 0, 17, 14, 13, 0]),
        CaseType.LICENCE: _by_tier([219, 175, 163, 0, 161, 132, 119, 0, 77, 65, 52, 0, 51, 43, 31, 0]),
    },
    tasks={
        TaskType.STANDARD_COURT_REPORT: 138,
        TaskType.FAST_COURT_REPORT: 65,
        TaskType.PAROLE_REPORT: 120,
    },
)
# Version 1 covers all the history Evenhand holds.
FIRST_VERSION_EFFECTIVE_FROM = dt.date(2000, 1, 1)

# Reductions with a fixed shape. A PQiP trainee's reduction steps down with months in training; the last step
# lasts until training ends. A newly qualified officer has a fixed reduction for their first months.
PQIP_SCHEDULE: list[tuple[int, Decimal]] = [(6, Decimal("80")), (6, Decimal("60"))]
PQIP_FINAL_PERCENTAGE = Decimal("40")
PQIP_DEFAULT_MONTHS = 18
NQO_PERCENTAGE = Decimal("20")
NQO_MONTHS = 9
# Reductions that always take the whole of a practitioner's hours.
FULL_REDUCTIONS = (ReductionReason.LONG_TERM_SICKNESS, ReductionReason.MATERNITY_ADOPTION)

# The sensitive-case protocol always covers these flags; a service adds others in the setting
# SENSITIVE_CASE_FLAGS (environment EVENHAND_SENSITIVE_CASE_FLAGS, e.g. "domestic_abuse,sexual").
PROTOCOL_FLAGS = (OffenceFlag.RACIALLY_OR_RELIGIOUSLY_AGGRAVATED, OffenceFlag.HATE_CRIME)


def sensitive_flags() -> tuple[OffenceFlag, ...]:
    """The offence flags that put a case under the sensitive-case protocol in this service."""
    configured = getattr(settings, "SENSITIVE_CASE_FLAGS", [])
    unknown = [name for name in configured if name not in OffenceFlag.values]
    if unknown:
        raise ImproperlyConfigured(
            f"SENSITIVE_CASE_FLAGS names unknown offence flags: {', '.join(unknown)}. "
            f"Known flags: {', '.join(OffenceFlag.values)}"
        )
    extra = tuple(OffenceFlag(name) for name in configured if name not in PROTOCOL_FLAGS)
    return PROTOCOL_FLAGS + extra


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 January + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
