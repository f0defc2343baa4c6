"""Workforce equality measures by a staff characteristic, with the equality engine's statistics
(``equality.stats``: Wilson intervals, relative rates against the reference group, logistic adjustment,
Benjamini-Hochberg across the report) and the declaration rule.

The population of a period is the staff in post at some time in it (``StaffMember`` start and end dates);
the events are their standing HR events dated in the period. Each staff member is in the group of their
latest declaration made by the end of the period; those who have not declared, or preferred not to say, are
in no group. **The declaration rule** (HMPPS workforce statistics guide): a unit's breakdown by a
characteristic is shown only where at least ``threshold`` (60% unless configured) of its staff declared it;
below that the report says why and shows no group. Applicants to recruitment campaigns are held to the same
rule among the unit's applicants. Aggregates only: no name, no staff code.

Measures of people (promotion, leaving, raising a grievance, a conduct case, a performance procedure) count a
person once however many events they had, so that rates are proportions with intervals; the per-100 figures
count every event. Shares of other things are proportions of those things: a leaving reason among leavers,
grievances upheld among those decided, each recruitment stage among the applicants who reached the one
before, PQiP applicants among eligible staff and places offered among applicants. Medians (years in grade,
days to a grievance's outcome) and sickness days per FTE are shown per group with their ratio to the
reference group, without a test (they are not proportions).

**Adjustment.** Promotion, temporary promotion and leaving depend on grade and length of service, grievances
upheld on the region that decides them and the grade raised from (``ADJUSTMENTS`` says why); their crude
relative rate is shown beside one adjusted for these by the engine's logistic regression
(``equality.stats.adjusted_comparison``, marginal standardisation). A crude gap that is flagged while the
adjusted one is not is marked as explained by them.
"""

from .adjustment import ADJUSTED_FOR, ADJUSTMENTS, GRADE_AND_SERVICE, Adjustment
from .common import (
    CHARACTERISTICS,
    DEFAULT_THRESHOLD,
    MEASURES,
    REFERENCE,
    SERVICE_BANDS,
    SMALLEST_GROUP,
    MeasureSpec,
    MeasureTable,
    SummaryTable,
    WorkforceReport,
    threshold_setting,
)
from .frames import applicant_frame, period_events, staff_frame
from .recruitment import CONVERSIONS, PQIP_ELIGIBLE, PQIP_SUCCESS
from .report import analyst_workforce_report, pdu_workforce_report, workforce_report
from .sensitive import PRACTITIONER_GRADES, sensitive_allocations
from .summaries import FULL_TIME_HOURS
from .suppression import suppress_small_cells

__all__ = [
    "ADJUSTED_FOR",
    "ADJUSTMENTS",
    "CHARACTERISTICS",
    "CONVERSIONS",
    "DEFAULT_THRESHOLD",
    "FULL_TIME_HOURS",
    "GRADE_AND_SERVICE",
    "MEASURES",
    "PQIP_ELIGIBLE",
    "PQIP_SUCCESS",
    "PRACTITIONER_GRADES",
    "REFERENCE",
    "SERVICE_BANDS",
    "SMALLEST_GROUP",
    "Adjustment",
    "MeasureSpec",
    "MeasureTable",
    "SummaryTable",
    "WorkforceReport",
    "analyst_workforce_report",
    "applicant_frame",
    "pdu_workforce_report",
    "period_events",
    "sensitive_allocations",
    "staff_frame",
    "suppress_small_cells",
    "threshold_setting",
    "workforce_report",
]
