"""The synthetic workforce: the generated staff's equality declarations and their HR histories.

Built after the organisation, from the staff table (grades, PDUs, start and end dates) and a generator of its
own, so that adding it changes none of the caseload's draws. Each staff member:

* declares each characteristic or not, at rates like the service's own (ethnicity by most, sexual orientation
  and religion by fewer; "prefer not to say" is an answer, not declaring is no row), on the day they joined (or
  when the HR system began recording, for those who joined before it). Ethnicity is drawn from the region's
  share of minority ethnic staff (higher in London, the West Midlands and Greater Manchester), about 15% overall;
  sex is about 70% female.
* has a history that ``workforce.rules`` accepts: joined on their start date (route and grade), promoted into
  their current grade (an existing PSO through PQiP to PO, a PO to SPO …) before or during the period, a
  temporary promotion on allowance and its end, sickness spells, grievances, conduct and performance cases over
  the years before and during the period, and left on their end date with a reason.

Recruitment campaigns (PSO and PO posts in each region each year, and a national PO campaign) have applicants
with what they declared on the application and the stages each reached by the end of the period, each from the
one before.

Promotion in the period is a decision with a probability (``promotion`` in a bias file changes its odds for a
group, by the group the staff member declared), and so are a temporary promotion (``temporary_promotion``) and
upholding a grievance raised in the period (``grievance_upheld``) and offering a PQiP place to a PSO or an
administrator who applied in the period (``pqip_offered``); the expected numbers with and without the
bias go into the ground truth like every other measure's.
"""

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np

from evenhand.people.models import GROUP_OF_ETHNICITY
from evenhand.workforce.models import (
    EventKind,
    ExitTheme,
    GrievanceKind,
    JoinRoute,
    LeavingReason,
    Outcome,
    PqipStage,
)

from .bias import BiasSpec
from .caseload import Period, Truth
from .organisation import EPOCH, Organisation
from .tables import Table, as_dates, as_datetimes

# --- profiles --------------------------------------------------------------------------------------------

# Share of minority ethnic staff by region (HMPPS staff equalities reports: 12.6% of declarers service-wide in
# 2022/23, more in probation's cities; the regional spread follows the census, an assumption, unverified).
MINORITY_SHARE = {
    "NE": 0.05,
    "NW": 0.10,
    "GM": 0.18,
    "YH": 0.13,
    "EM": 0.13,
    "WM": 0.22,
    "EE": 0.10,
    "WA": 0.05,
    "SW": 0.06,
    "SC": 0.10,
    "KS": 0.10,
    "LN": 0.40,
}
SERVICE_WIDE_MINORITY = 0.15
WHITE_CODES = (("W1", 0.88), ("W2", 0.03), ("W3", 0.005), ("W4", 0.005), ("W5", 0.08))
MINORITY_CODES = (
    ("A1", 0.04),
    ("A2", 0.02),
    ("A3", 0.14),
    ("A4", 0.12),
    ("A5", 0.08),
    ("B1", 0.17),
    ("B2", 0.14),
    ("B3", 0.04),
    ("M1", 0.05),
    ("M2", 0.03),
    ("M3", 0.07),
    ("M4", 0.04),
    ("O1", 0.025),
    ("O2", 0.035),
)
PNS = "prefer_not_to_say"
# Per characteristic: the share who declare anything, the share of declarers who prefer not to say, and the
# answers of the others with their weights.
DECLARATION: dict[str, tuple[float, float, tuple[tuple[str, float], ...]]] = {
    "ethnicity": (0.86, 0.04, ()),  # answers drawn by region below; its "prefer not to say" is PNS
    "sex": (0.95, 0.01, (("F", 0.70), ("M", 0.30))),
    "gender_identity": (0.62, 0.05, (("same", 0.995), ("different", 0.005))),
    "disability": (0.78, 0.05, (("no", 0.87), ("yes", 0.13))),
    "religion": (
        0.66,
        0.10,
        (
            ("none", 0.45),
            ("christian", 0.43),
            ("muslim", 0.05),
            ("hindu", 0.02),
            ("sikh", 0.015),
            ("buddhist", 0.01),
            ("jewish", 0.005),
            ("other", 0.02),
        ),
    ),
    "sexual_orientation": (
        0.63,
        0.10,
        (("straight", 0.91), ("gay_lesbian", 0.04), ("bisexual", 0.04), ("other", 0.01)),
    ),
    "age_band": (0.92, 0.02, ()),  # from the age drawn below
    "caring": (0.56, 0.06, (("none", 0.55), ("children", 0.33), ("adults", 0.07), ("both", 0.05))),
}
# The HR system's equality data begins here: those who joined before declared on this day or later.
RECORDING_BEGAN = dt.date(2019, 4, 1)

# --- events ----------------------------------------------------------------------------------------------

# The grade below each grade that one is promoted into, and (for a temporary promotion) the one above.
BELOW = {"PSO": "ADMIN", "PO": "PSO", "SPO": "PO", "HOPDU": "SPO"}
ABOVE = {below: grade for grade, below in BELOW.items()}
# Chance that a staff member in post at the start of the period was promoted into their current grade during
# it (about 4% of staff a year overall, as HMPPS publishes), and that one not promoted in it had been promoted
# into it earlier rather than joining at it.
PROMOTED_IN_PERIOD = {"PSO": 0.02, "PO": 0.05, "SPO": 0.10, "HOPDU": 0.10}
PROMOTED_BEFORE = {"PSO": 0.15, "PO": 0.45, "SPO": 0.75, "HOPDU": 0.85}
TEMPORARY_PROMOTION = 0.05  # a year, of staff below the top grade
TEMPORARY_ENDS = 0.7  # of temporary promotions, ended by the end of the period
# Rates a year per staff member, over the history (the period and the years before it).
HISTORY_YEARS = 4
SICKNESS_SPELLS = 0.9
GRIEVANCES = 0.015
CONDUCT_CASES = 0.011
PERFORMANCE_CASES = 0.008
GRIEVANCE_KINDS = (
    (GrievanceKind.RACE, 0.10),
    (GrievanceKind.OTHER_DISCRIMINATION, 0.08),
    (GrievanceKind.BULLYING, 0.32),
    (GrievanceKind.TERMS, 0.17),
    (GrievanceKind.MANAGEMENT, 0.23),
    (GrievanceKind.OTHER, 0.10),
)
RACE_GRIEVANCE_MINORITY = 0.35  # of grievances raised by minority ethnic staff
# Of grievances decided: 10% withdrawn; of the rest, 53% upheld in full or in part (48.8% of all in 2022/23),
# three in eight of those in part.
GRIEVANCE_WITHDRAWN = 0.10
GRIEVANCE_UPHELD = 0.53
PARTLY = 0.375
UNDECIDED = "?"
CONDUCT_OUTCOMES = (
    (Outcome.NO_CASE, 0.32),
    (Outcome.INFORMAL, 0.28),
    (Outcome.WRITTEN_WARNING, 0.26),
    (Outcome.FINAL_WARNING, 0.14),
)
PERFORMANCE_OUTCOMES = ((Outcome.IMPROVED, 0.65), (Outcome.WRITTEN_WARNING, 0.35))
LEAVING_REASONS = (
    (LeavingReason.RESIGNATION, 0.66),
    (LeavingReason.RETIREMENT, 0.14),
    (LeavingReason.END_OF_CONTRACT, 0.08),
    (LeavingReason.DISMISSAL, 0.03),
    (LeavingReason.OTHER, 0.09),
)
EXIT_THEMES = [theme.value for theme in ExitTheme]
EXIT_THEME_WEIGHTS = np.array([0.30, 0.12, 0.15, 0.14, 0.05, 0.12, 0.08, 0.04])
# PQiP in the period: the grades that apply from within, the share of them applying, and the chance an
# applicant is offered a place.
PQIP_FROM = ("PSO", "ADMIN")
PQIP_APPLIES = 0.08
PQIP_OFFERED = 0.40
# A PQiP learner qualifies 15 to 21 months after starting.
PQIP_MONTHS = (450, 640)
COURSES = (
    "Safeguarding adults and children",
    "Domestic abuse risk assessment",
    "Equality, diversity and inclusion",
    "Trauma-informed practice",
    "Risk of serious harm assessment",
)
# Recruitment: campaigns a year for PSOs and POs in each region and a national PQiP-qualified PO campaign; the
# applicants per post filled, the share reaching each stage from the one before, and what they declare.
APPLICANTS_PER_POST = 12
STAGE_RATES = (("sifted_in", 0.45), ("interviewed", 0.70), ("offered", 0.40), ("appointed", 0.85))
STAGE_GAPS = {"sifted_in": (7, 22), "interviewed": (14, 36), "offered": (3, 15), "appointed": (30, 91)}
APPLICANT_MINORITY = 1.4  # applicants are more diverse than the staff of the region
APPLICANT_DECLARES = {"ethnicity": (0.92, 0.03), "sex": (0.96, 0.02), "disability": (0.88, 0.05)}
INTERNAL_APPLICANTS = 0.15
EVENT_COLUMNS = (
    "grade",
    "route",
    "pqip_stage",
    "grievance_kind",
    "outcome",
    "investigator_grade",
    "course",
    "leaving_reason",
)


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], size: int) -> np.ndarray:
    values = np.array([str(v) for v, _ in options])
    weights = np.array([w for _, w in options], dtype=float)
    return values[rng.choice(len(values), size=size, p=weights / weights.sum())]


def _odds(p: np.ndarray, multiplier: np.ndarray) -> np.ndarray:
    odds = p / (1 - p) * multiplier
    return odds / (1 + odds)


@dataclass
class Event:
    """One event as the generator builds it (the fields ``workforce.rules.Event`` has, as plain values)."""

    kind: str
    day: int
    grade: str = ""
    route: str = ""
    pqip_stage: str = ""
    grievance_kind: str = ""
    outcome: str = ""
    days: int | None = None
    investigator_grade: str = ""
    course: str = ""
    leaving_reason: str = ""
    exit_themes: tuple[str, ...] = ()

    def order(self) -> tuple[int, int]:
        return (self.day, 0 if self.kind == EventKind.JOINED else 2 if self.kind == EventKind.LEFT else 1)


class WorkforceBuilder:
    def __init__(
        self, org: Organisation, period: Period, bias: BiasSpec, truth: Truth, rng: np.random.Generator
    ) -> None:
        self.org, self.period, self.bias, self.truth, self.rng = org, period, bias, truth, rng
        n = len(org.staff_ids)
        pdu = org.staff_pdu
        self.region = np.array(
            [org.region_codes[org.pdu_region[p]] if p >= 0 else "" for p in pdu.tolist()], dtype=object
        )
        self.pdu_code = np.array([org.pdu_codes[p] if p >= 0 else "" for p in pdu.tolist()], dtype=object)
        self.n = n

    # --- profiles ---

    def ethnicity(self) -> np.ndarray:
        rng = self.rng
        share = np.array([MINORITY_SHARE.get(r, SERVICE_WIDE_MINORITY) for r in self.region.tolist()])
        minority = rng.random(self.n) < share
        codes = _pick(rng, WHITE_CODES, self.n)
        codes[minority] = _pick(rng, MINORITY_CODES, int(minority.sum()))
        return codes

    def declarations(self, true_ethnicity: np.ndarray, age: np.ndarray) -> tuple[Table, np.ndarray]:
        """The declarations, and each staff member's declared ethnicity ('' when not declared)."""
        rng, n = self.rng, self.n
        began = (RECORDING_BEGAN - EPOCH).days
        day = np.maximum(self.org.staff_start, began)
        # Declared within the first months of joining (or of recording), never after the period ends.
        day = np.minimum(day + rng.integers(0, 120, n), self.period.end_day)
        day = np.maximum(day, self.org.staff_start)
        bands = np.array(["16-24", "25-29", "30-39", "40-49", "50-59", "60+"])
        age_band = bands[np.searchsorted(np.array([25, 30, 40, 50, 60]), age, side="right")]
        staff, characteristic, value, seconds = [], [], [], []
        declared_ethnicity = np.full(n, "", dtype=object)
        for name, (declare, decline, answers) in DECLARATION.items():
            declared = rng.random(n) < declare
            declines = rng.random(n) < decline
            if name == "ethnicity":
                answer = true_ethnicity.astype(object)
            elif name == "age_band":
                answer = age_band.astype(object)
            else:
                answer = _pick(rng, answers, n).astype(object)
            answer[declines] = "PNS" if name == "ethnicity" else PNS
            if name == "ethnicity":
                declared_ethnicity[declared] = answer[declared]
            at = day * 86_400 + 9 * 3600 + rng.integers(0, 8 * 3600, n)
            where = np.flatnonzero(declared)
            staff.append(self.org.staff_ids[where])
            characteristic.append(np.full(len(where), name, dtype=object))
            value.append(answer[where])
            seconds.append(at[where])
        staff_ids = np.concatenate(staff)
        order = np.argsort(staff_ids, kind="stable")  # by staff, the characteristics in their order
        table = Table(
            "workforce_declaration",
            {
                "id": np.arange(1, len(staff_ids) + 1),
                "staff_id": staff_ids[order],
                "characteristic": np.concatenate(characteristic)[order],
                "value": np.concatenate(value)[order],
                "declared_at": as_datetimes(np.concatenate(seconds)[order]),
            },
        )
        return table, declared_ethnicity

    # --- decisions with a probability, where bias can act ---

    def _decide(self, measure: str, eligible: np.ndarray, p0: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Which of the eligible staff the decision falls on (see ``_decide_rows``)."""
        rows = np.flatnonzero(eligible)
        chosen = np.zeros(self.n, dtype=bool)
        chosen[rows] = self._decide_rows(measure, rows, p0[rows], day[rows])
        return chosen

    def _decide_rows(self, measure: str, rows: np.ndarray, p0: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether each decision (about the staff member of index ``rows``, on ``day``, without bias likely
        ``p0``) falls on them, with the bias by the ethnicity they declared; the expected numbers go into
        the ground truth per PDU and group."""
        ethnicity = self.declared[rows].astype(str)
        p1 = _odds(
            p0,
            self.bias.multipliers(
                measure,
                ethnicity=ethnicity,
                region=self.region[rows].astype(str),
                pdu=self.pdu_code[rows].astype(str),
                month=self.period.month(day),
            ),
        )
        chosen = self.rng.random(len(rows)) < p1
        groups = np.array(
            [
                str(GROUP_OF_ETHNICITY[code]) if code else "not_recorded"
                for code in np.where(ethnicity == "", "NR", ethnicity).tolist()
            ],
            dtype=str,
        )
        empty = np.zeros(0)
        self.truth.add(measure, 0, groups[:0], empty, empty)  # every measure is in the truth, if only as 0s
        pdus = self.org.staff_pdu[rows]
        for p in np.unique(pdus).tolist():
            if p < 0:
                continue
            here = pdus == p
            self.truth.add(measure, p, groups[here], p0[here], p1[here])
        return chosen

    # --- histories ---

    def build(self) -> list[Table]:
        org, rng, n = self.org, self.rng, self.n
        start, end = org.staff_start, org.staff_end
        first, last = self.period.start_day, self.period.end_day
        grade = org.staff_grade.astype(str)
        true_ethnicity = self.ethnicity()
        # Age at the end of the period: joined at 22 to 50.
        age = (rng.integers(22, 51, n) + (last - start) / 365.25).astype(int)
        declarations, self.declared = self.declarations(true_ethnicity, age)
        minority = np.array([not c.startswith("W") for c in true_ethnicity.tolist()])
        out_day = np.where(end >= 0, end, last)  # last day in post within the period
        # In post a year before the period and at its start, in a grade one is promoted into.
        long_serving = (start < first - 730) & ((end < 0) | (end > first + 30))
        promotable = long_serving & np.isin(grade, list(BELOW))
        promotion_day = first + (rng.random(n) * np.maximum(out_day - first - 1, 1)).astype(np.int64)
        p_promoted = np.array([PROMOTED_IN_PERIOD.get(g, 0.0) for g in grade.tolist()])
        promoted = self._decide("promotion", promotable, p_promoted, promotion_day)
        temporary_day = first + (rng.random(n) * np.maximum(out_day - first - 60, 1)).astype(np.int64)
        can_act_up = long_serving & np.isin(grade, list(ABOVE)) & ~promoted & (out_day - first > 90)
        temporary = self._decide(
            "temporary_promotion", can_act_up, np.full(n, TEMPORARY_PROMOTION), temporary_day
        )
        histories: list[list[Event]] = []
        for i in range(n):
            histories.append(
                self._history(
                    i,
                    grade[i],
                    int(start[i]),
                    int(end[i]),
                    bool(promoted[i]),
                    int(promotion_day[i]),
                    bool(temporary[i]),
                    int(temporary_day[i]),
                    bool(minority[i]),
                )
            )
        self._uphold(histories)
        self._pqip_applications(histories, long_serving & ~promoted, grade, out_day)
        return [declarations, self._events_table(histories), *self.recruitment()]

    def _pqip_applications(
        self, histories: list[list[Event]], eligible: np.ndarray, grade: np.ndarray, out_day: np.ndarray
    ) -> None:
        """PSOs and administrators applying in the period to qualify as probation officers: a place offered
        is a decision with a probability (``pqip_offered``), the others withdrawn or unsuccessful."""
        rng, first = self.rng, self.period.start_day
        eligible = eligible & np.isin(grade, PQIP_FROM) & (out_day - first > 200)
        applied = first + (rng.random(self.n) * np.maximum(out_day - first - 200, 1)).astype(np.int64)
        applies = eligible & (rng.random(self.n) < PQIP_APPLIES)
        offered = self._decide("pqip_offered", applies, np.full(self.n, PQIP_OFFERED), applied)
        starts = rng.random(self.n) < 0.9
        for i in np.flatnonzero(applies).tolist():
            day = int(applied[i])
            stages = [(PqipStage.APPLIED, day)]
            if offered[i]:
                stages += [(PqipStage.SHORTLISTED, day + 30), (PqipStage.OFFERED, day + 60)]
                if starts[i]:
                    stages.append((PqipStage.STARTED, day + 120))
            else:
                stages.append((PqipStage.WITHDRAWN, day + 45))
            histories[i].extend(Event(EventKind.PQIP, when, pqip_stage=stage) for stage, when in stages)
            histories[i].sort(key=Event.order)

    def _uphold(self, histories: list[list[Event]]) -> None:
        """Whether each decided grievance is upheld: a decision with a probability, biased (and in the truth)
        for the grievances raised in the period."""
        pending = [
            (i, event)
            for i, events in enumerate(histories)
            for event in events
            if event.kind == EventKind.GRIEVANCE and event.outcome == UNDECIDED
        ]
        rows = np.array([i for i, _ in pending], dtype=np.int64)
        days = np.array([event.day for _, event in pending], dtype=np.int64)
        in_period = days >= self.period.start_day
        upheld = np.zeros(len(pending), dtype=bool)
        p0 = np.full(len(pending), GRIEVANCE_UPHELD)
        upheld[in_period] = self._decide_rows(
            "grievance_upheld", rows[in_period], p0[in_period], days[in_period]
        )
        upheld[~in_period] = self.rng.random(int((~in_period).sum())) < GRIEVANCE_UPHELD
        partly = self.rng.random(len(pending)) < PARTLY
        for (_, event), up, part in zip(pending, upheld.tolist(), partly.tolist(), strict=True):
            event.outcome = (Outcome.PARTLY_UPHELD if part else Outcome.UPHELD) if up else Outcome.NOT_UPHELD

    def recruitment(self) -> list[Table]:
        """Campaigns with their applicants, what each declared, and the stages each reached by the end of
        the period."""
        org, rng = self.org, self.rng
        first, last = self.period.start_day, self.period.end_day
        in_post = org.staff_end < 0
        campaigns: dict[str, list] = {
            "id": [],
            "reference": [],
            "grade": [],
            "region_id": [],
            "opened_on": [],
            "closed_on": [],
        }
        applicants: dict[str, list] = {
            "campaign_id": [],
            "ethnicity": [],
            "sex": [],
            "disability": [],
            "internal_grade": [],
        }
        progress: dict[str, list] = {"applicant": [], "stage": [], "day": []}
        region_of = self.region
        counted = 0  # applicants so far
        for year in range(HISTORY_YEARS):
            year_start = first - (HISTORY_YEARS - 1 - year) * 365
            calendar_year = (EPOCH + dt.timedelta(days=int(year_start))).year
            units: list[tuple[str, str, int]] = []
            for code in org.region_codes:
                for grade in ("PSO", "PO"):
                    posts = int((in_post & (region_of == code) & (org.staff_grade == grade)).sum())
                    units.append((grade, code, max(1, round(posts * 0.10))))
            national = sum(posts for grade, _, posts in units if grade == "PO")
            units.append(("PO", "", max(1, national // 2)))
            for grade, region, posts in units:
                opened = year_start + int(rng.integers(0, 240))
                if opened > last - 10:
                    continue
                closed = opened + 28
                campaign_id = len(campaigns["id"]) + 1
                campaigns["id"].append(campaign_id)
                campaigns["reference"].append(f"{grade}-{region or 'NAT'}-{calendar_year}-{campaign_id}")
                campaigns["grade"].append(grade)
                campaigns["region_id"].append(org.region_codes.index(region) + 1 if region else 0)
                campaigns["opened_on"].append(opened)
                campaigns["closed_on"].append(closed if closed <= last else -1)
                n = max(5, int(rng.poisson(posts * APPLICANTS_PER_POST)))
                share = MINORITY_SHARE.get(region, 0.25 / APPLICANT_MINORITY) * APPLICANT_MINORITY
                minority = rng.random(n) < min(share, 0.8)
                ethnicity = _pick(rng, WHITE_CODES, n).astype(object)
                ethnicity[minority] = _pick(rng, MINORITY_CODES, int(minority.sum()))
                sex = _pick(rng, (("F", 0.72), ("M", 0.28)), n).astype(object)
                disability = _pick(rng, (("no", 0.89), ("yes", 0.11)), n).astype(object)
                for name, answer, decline in (
                    ("ethnicity", ethnicity, "PNS"),
                    ("sex", sex, PNS),
                    ("disability", disability, PNS),
                ):
                    declare, declines = APPLICANT_DECLARES[name]
                    answer[rng.random(n) < declines] = decline
                    answer[rng.random(n) >= declare] = ""
                    applicants[name].append(answer)
                internal = rng.random(n) < INTERNAL_APPLICANTS
                internal_grade = np.where(
                    internal, np.where(rng.random(n) < 0.7, "PSO" if grade == "PO" else "ADMIN", "ADMIN"), ""
                )
                applicants["internal_grade"].append(internal_grade.astype(object))
                applicants["campaign_id"].append(np.full(n, campaign_id))
                # The stages: each reached from the one before, on a later day, if by the end of the period.
                ids = counted + 1 + np.arange(n)
                counted += n
                day = np.minimum(opened + rng.integers(0, 29, n), last)
                reached = np.ones(n, dtype=bool)
                for stage, rate in (("applied", 1.0), *STAGE_RATES):
                    if stage != "applied":
                        low, high = STAGE_GAPS[stage]
                        day = np.maximum(day, closed) + rng.integers(low, high, n)
                        reached &= rng.random(n) < rate
                    reached &= day <= last
                    progress["applicant"].append(ids[reached])
                    progress["stage"].append(np.full(int(reached.sum()), stage, dtype=object))
                    progress["day"].append(day[reached])
        n_campaigns = len(campaigns["id"])
        region_ids = np.array(campaigns["region_id"], dtype=np.int64)
        closed_on = np.array(campaigns["closed_on"], dtype=np.int64)
        campaign_table = Table(
            "workforce_campaign",
            {
                "id": np.array(campaigns["id"], dtype=np.int64),
                "reference": campaigns["reference"],
                "grade": campaigns["grade"],
                "region_id": region_ids,
                "opened_on": as_dates(np.array(campaigns["opened_on"], dtype=np.int64)),
                "closed_on": as_dates(np.maximum(closed_on, 0)),
            },
            nulls={"region_id": region_ids == 0, "closed_on": closed_on < 0},
        )
        campaign_ids = np.concatenate(applicants["campaign_id"]) if n_campaigns else np.zeros(0, np.int64)
        n_applicants = len(campaign_ids)
        # Each applicant's reference counts within their campaign.
        starts = np.flatnonzero(np.r_[True, campaign_ids[1:] != campaign_ids[:-1]])
        within = np.arange(n_applicants) - np.repeat(starts, np.diff(np.r_[starts, n_applicants]))
        applicant_table = Table(
            "workforce_applicant",
            {
                "id": np.arange(1, n_applicants + 1),
                "campaign_id": campaign_ids,
                "reference": [f"A{k + 1:05d}" for k in within.tolist()],
                **{
                    name: np.concatenate(applicants[name]) if n_campaigns else []
                    for name in ("ethnicity", "sex", "disability", "internal_grade")
                },
            },
        )
        applicant = np.concatenate(progress["applicant"]) if progress["applicant"] else np.zeros(0, np.int64)
        order = np.argsort(applicant, kind="stable")  # by applicant, the stages in order
        progress_table = Table(
            "workforce_applicantprogress",
            {
                "id": np.arange(1, len(applicant) + 1),
                "applicant_id": applicant[order],
                "stage": np.concatenate(progress["stage"])[order] if len(applicant) else [],
                "reached_on": as_dates(np.concatenate(progress["day"])[order]) if len(applicant) else [],
            },
        )
        return [campaign_table, applicant_table, progress_table]

    def _history(
        self,
        i: int,
        grade: str,
        start: int,
        end: int,
        promoted: bool,
        promotion_day: int,
        temporary: bool,
        temporary_day: int,
        minority: bool,
    ) -> list[Event]:
        rng = self.rng
        first, last = self.period.start_day, self.period.end_day
        out = end if end >= 0 else last
        events: list[Event] = []
        below = BELOW.get(grade)
        joined_grade, route = grade, JoinRoute.DIRECT if rng.random() < 0.75 else JoinRoute.INTERNAL
        promoted_on = -1
        if promoted and below:
            joined_grade, promoted_on = below, promotion_day
        elif below and start < first - 3 * 365 and rng.random() < PROMOTED_BEFORE[grade]:
            joined_grade = below
            promoted_on = start + 730 + int(rng.integers(0, max(1, first - 30 - start - 730)))
        if promoted_on >= 0 and grade == "PO":
            # A PSO who qualified through PQiP: the stages of the application, then the qualification.
            started = promoted_on - int(rng.integers(*PQIP_MONTHS))
            if started - 150 > start:
                for stage, day in (
                    (PqipStage.APPLIED, started - 150),
                    (PqipStage.SHORTLISTED, started - 110),
                    (PqipStage.OFFERED, started - 70),
                    (PqipStage.STARTED, started),
                ):
                    events.append(Event(EventKind.PQIP, day, pqip_stage=stage))
            else:
                route = JoinRoute.PQIP  # joined as a PQiP learner
                events.append(Event(EventKind.PQIP, start, pqip_stage=PqipStage.STARTED))
            events.append(Event(EventKind.PQIP, promoted_on - 1, pqip_stage=PqipStage.COMPLETED))
        events.insert(0, Event(EventKind.JOINED, start, grade=joined_grade, route=route))
        if promoted_on >= 0:
            events.append(Event(EventKind.PROMOTED, promoted_on, grade=grade))
        elif grade == "PSO" and rng.random() < 0.04 and start < first - 400:
            # An unsuccessful PQiP application.
            applied = first - int(rng.integers(60, 400))
            events.append(Event(EventKind.PQIP, applied, pqip_stage=PqipStage.APPLIED))
            events.append(Event(EventKind.PQIP, applied + 40, pqip_stage=PqipStage.WITHDRAWN))
        if temporary:
            events.append(Event(EventKind.TEMPORARY_PROMOTION, temporary_day, grade=ABOVE[grade]))
            ends = temporary_day + int(rng.integers(45, 300))
            if ends < out and rng.random() < TEMPORARY_ENDS:
                events.append(Event(EventKind.TEMPORARY_PROMOTION_ENDED, ends))
        # Sickness, grievances, conduct and performance over the history's years while in post.
        since = max(start, first - (HISTORY_YEARS - 1) * 365)
        years = max(out - since, 0) / 365.25
        for day in self._days(SICKNESS_SPELLS * years, since, out):
            days = int(min(366, max(1, round(rng.lognormal(1.4, 1.0)))))
            events.append(Event(EventKind.SICKNESS, day, days=days))
        for day in self._days(GRIEVANCES * years, since, out):
            kinds: tuple[tuple[str, float], ...] = GRIEVANCE_KINDS
            if minority and rng.random() < RACE_GRIEVANCE_MINORITY:
                kinds = ((GrievanceKind.RACE, 1.0),)
            kind = str(_pick(rng, kinds, 1)[0])
            days = int(min(3660, max(5, round(rng.lognormal(4.2, 0.6)))))
            outcome = Outcome.WITHDRAWN if rng.random() < GRIEVANCE_WITHDRAWN else UNDECIDED
            if day + days > last:
                outcome, maybe_days = "", None  # not yet decided
            else:
                maybe_days = days
            investigator = "HOPDU" if grade in ("SPO", "HOPDU") or rng.random() < 0.2 else "SPO"
            events.append(
                Event(
                    EventKind.GRIEVANCE,
                    day,
                    grievance_kind=kind,
                    outcome=outcome,
                    days=maybe_days,
                    investigator_grade=investigator,
                )
            )
        reason = str(_pick(rng, LEAVING_REASONS, 1)[0]) if end >= 0 else ""
        conduct_days = self._days(CONDUCT_CASES * years, since, out)
        if reason == LeavingReason.DISMISSAL:
            conduct_days = [*conduct_days, max(start, out - int(rng.integers(20, 90)))]
        for k, day in enumerate(conduct_days):
            days = int(min(3660, max(5, round(rng.lognormal(4.0, 0.6)))))
            if reason == LeavingReason.DISMISSAL and k == len(conduct_days) - 1:
                outcome = Outcome.DISMISSED
            else:
                outcome = str(_pick(rng, CONDUCT_OUTCOMES, 1)[0])
            maybe: int | None = days
            if day + days > last:
                outcome, maybe = Outcome.ONGOING, None
            events.append(
                Event(EventKind.CONDUCT, day, outcome=outcome, days=maybe, investigator_grade="SPO")
            )
        for day in self._days(PERFORMANCE_CASES * years, since, out):
            outcome = str(_pick(rng, PERFORMANCE_OUTCOMES, 1)[0]) if day + 90 <= last else Outcome.ONGOING
            events.append(Event(EventKind.PERFORMANCE, day, outcome=outcome))
        if rng.random() < 0.3 and out > since:
            course = COURSES[int(rng.integers(0, len(COURSES)))]
            events.append(
                Event(EventKind.TRAINING, since + int(rng.integers(0, out - since + 1)), course=course)
            )
        if end >= 0:
            themes: tuple[str, ...] = ()
            if rng.random() < 0.6:  # an exit interview was held
                count = int(rng.integers(1, 4))
                picked = rng.choice(
                    len(EXIT_THEMES),
                    size=count,
                    replace=False,
                    p=EXIT_THEME_WEIGHTS / EXIT_THEME_WEIGHTS.sum(),
                )
                themes = tuple(EXIT_THEMES[k] for k in sorted(picked.tolist()))
            events.append(Event(EventKind.LEFT, end, leaving_reason=reason, exit_themes=themes))
        events.sort(key=Event.order)
        return events

    def _days(self, expected: float, since: int, until: int) -> list[int]:
        count = int(self.rng.poisson(expected)) if until > since else 0
        if count == 0:
            return []
        return sorted(int(d) for d in since + self.rng.integers(0, until - since + 1, count))

    def _events_table(self, histories: list[list[Event]]) -> Table:
        staff_ids = self.org.staff_ids.tolist()
        staff: list[int] = []
        columns: dict[str, list] = {name: [] for name in ("kind", *EVENT_COLUMNS)}
        day: list[int] = []
        days: list[int] = []
        themes: list[str] = []
        for staff_id, events in zip(staff_ids, histories, strict=True):
            for event in events:
                staff.append(staff_id)
                day.append(event.day)
                columns["kind"].append(str(event.kind))
                for name in EVENT_COLUMNS:
                    columns[name].append(str(getattr(event, name)))
                days.append(-1 if event.days is None else event.days)
                themes.append(json.dumps(list(event.exit_themes)))
        n = len(staff)
        occurred = np.array(day, dtype=np.int64)
        days_array = np.array(days, dtype=np.int64)
        return Table(
            "workforce_hrevent",
            {
                "id": np.arange(1, n + 1),
                "staff_id": np.array(staff, dtype=np.int64),
                "kind": columns["kind"],
                "occurred_on": as_dates(occurred),
                "grade": columns["grade"],
                "route": columns["route"],
                "pqip_stage": columns["pqip_stage"],
                "grievance_kind": columns["grievance_kind"],
                "outcome": columns["outcome"],
                "days": np.maximum(days_array, 0),
                "investigator_grade": columns["investigator_grade"],
                "course": columns["course"],
                "leaving_reason": columns["leaving_reason"],
                "exit_themes": themes,
                "corrects_id": np.zeros(n, dtype=np.int64),
                "recorded_by_id": np.zeros(n, dtype=np.int64),
                "recorded_at": as_datetimes(occurred * 86_400 + 17 * 3600),
            },
            nulls={
                "days": days_array < 0,
                "corrects_id": np.ones(n, dtype=bool),
                "recorded_by_id": np.ones(n, dtype=bool),
            },
        )


def tables(
    org: Organisation, period: Period, bias: BiasSpec, truth: Truth, rng: np.random.Generator
) -> list[Table]:
    """The declarations and HR events of the organisation's staff."""
    return WorkforceBuilder(org, period, bias, truth, rng).build()
