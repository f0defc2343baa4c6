"""The organisation: regions, PDUs, teams and staff, sized for the caseload of the chosen scale."""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import params
from .names import STAFF_FIRST_NAMES, STAFF_LAST_NAMES
from .scales import Scale
from .tables import Table, as_datetimes

EPOCH = dt.date(1970, 1, 1)


@dataclass
class Organisation:
    """What the caseload stage needs to know of the organisation, as arrays."""

    region_codes: list[str]
    region_is_london: list[bool]
    pdu_codes: list[str]
    pdu_region: np.ndarray  # index of each PDU's region
    pdu_ids: np.ndarray
    pdu_people: np.ndarray  # people each PDU holds
    staff_ids: np.ndarray
    staff_grade: np.ndarray  # grade codes
    staff_pdu: np.ndarray  # PDU index, -1 for service-wide staff
    staff_team: np.ndarray
    team_spo: dict[int, int]  # team id → the SPO's staff id
    tables: list[Table]
    # Day numbers (days since the epoch) each member of staff started and left (-1: still in post).
    staff_start: np.ndarray
    staff_end: np.ndarray
    # Each practitioner's share of new cases relative to others of their grade in the PDU: contracted hours
    # times the team's pressure times their own (0 for everyone else).
    staff_weight: np.ndarray

    def practitioners(self, pdu: int, grade: str) -> np.ndarray:
        return self.staff_ids[(self.staff_pdu == pdu) & (self.staff_grade == grade)]

    def pool(self, pdu: int, grade: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The practitioners of a grade in a PDU: ids, weights, start days and end days (-1: in post)."""
        mask = (self.staff_pdu == pdu) & (self.staff_grade == grade)
        return self.staff_ids[mask], self.staff_weight[mask], self.staff_start[mask], self.staff_end[mask]

    def spo_of(self, staff_id: np.ndarray) -> np.ndarray:
        """The SPO of each practitioner's team."""
        team = self.staff_team[np.searchsorted(self.staff_ids, staff_id)]
        return np.array([self.team_spo[t] for t in team.tolist()], dtype=np.int64)


def build_organisation(
    scale: Scale, rng: np.random.Generator, created: int, first_day: int, last_day: int | None = None
) -> Organisation:
    """Regions, PDUs, teams and staff. ``created`` is the timestamp written as every row's creation time.
    Staff in post all year started before ``first_day``, the first day of the period; some practitioners leave
    during it (to ``last_day``) and most of them are replaced by a joiner after a vacancy.

    Each PDU has the POs and PSOs that its caseload's workload points call for at ``params.TARGET_CAPACITY``
    (``params.POINTS_PER_PERSON``), in teams of ``scale.team_size``."""
    last_day = first_day + 364 if last_day is None else last_day
    regions = (
        params.REGIONS if scale.regions == len(params.REGIONS) else params.REGIONS[3 : 3 + scale.regions]
    )
    shares = np.array([share for _, _, share in regions])
    shares = shares / shares.sum()
    # PDUs per region in proportion to caseload, at least one each.
    per_region = np.maximum(1, np.round(shares * scale.pdus)).astype(int)
    while per_region.sum() > scale.pdus:
        per_region[np.argmax(per_region)] -= 1
    while per_region.sum() < scale.pdus:
        per_region[np.argmin(per_region / shares)] += 1
    pdu_region = np.repeat(np.arange(len(regions)), per_region)
    # PDU sizes vary (a city PDU holds several times a rural one); people split by region share, then by PDU.
    weights = rng.lognormal(0.0, 0.45, size=scale.pdus)
    pdu_share = np.zeros(scale.pdus)
    for r in range(len(regions)):
        in_region = pdu_region == r
        pdu_share[in_region] = shares[r] * weights[in_region] / weights[in_region].sum()
    pdu_people = np.floor(pdu_share * scale.people).astype(int)
    pdu_people[np.argmax(pdu_people)] += scale.people - pdu_people.sum()

    region_codes = [code for code, _, _ in regions]
    pdu_codes = []
    for r, (code, _, _) in enumerate(regions):
        pdu_codes += [f"{code}{k + 1:02d}" for k in range(per_region[r])]
    region_table = Table(
        "org_region",
        {
            "id": np.arange(1, len(regions) + 1),
            "code": region_codes,
            "name": [name for _, name, _ in regions],
        },
    )
    pdu_ids = np.arange(1, scale.pdus + 1)
    pdu_names = [f"{regions[pdu_region[p]][1]} PDU {pdu_codes[p][-2:]}" for p in range(scale.pdus)]
    pdu_table = Table(
        "org_pdu", {"id": pdu_ids, "code": pdu_codes, "name": pdu_names, "region_id": pdu_region + 1}
    )

    team_rows: dict[str, list] = {"id": [], "code": [], "name": [], "pdu_id": []}
    staff: dict[str, list] = {
        "id": [],
        "staff_code": [],
        "grade": [],
        "team_id": [],
        "pdu": [],
        "hours": [],
        "start": [],
        "end": [],
        "weight": [],
    }
    team_spo: dict[int, int] = {}
    # Everyone in post all year started before the earliest case they could hold: a licence's custody
    # sentence can begin up to six years before the period.
    usual_start = first_day - 6 * 366

    def add_staff(
        grade: str,
        team_id: int | None,
        pdu: int,
        hours: float,
        *,
        start: int | None = None,
        end: int = -1,
        weight: float = 0.0,
    ) -> int:
        staff_id = len(staff["id"]) + 1
        staff["id"].append(staff_id)
        staff["staff_code"].append(f"S{staff_id:06d}")
        staff["grade"].append(grade)
        staff["team_id"].append(team_id)
        staff["pdu"].append(pdu)
        staff["hours"].append(hours)
        staff["start"].append(usual_start - int(rng.integers(30, 4000)) if start is None else start)
        staff["end"].append(end)
        staff["weight"].append(weight)
        return staff_id

    hours_choices, hours_weights = [37.0, 30.0, 22.5], [0.80, 0.08, 0.12]
    mean_fte = float(np.dot(hours_choices, hours_weights)) / 37.0
    full_time_points = (
        2176  # workload.rules.PUBLISHED_WEIGHTINGS.nominal_target, the points a 37-hour week holds
    )
    for p in range(scale.pdus):
        management = len(team_rows["id"]) + 1
        team_rows["id"].append(management)
        team_rows["code"].append(f"{pdu_codes[p]}-M")
        team_rows["name"].append(f"{pdu_names[p]} management")
        team_rows["pdu_id"].append(p + 1)
        add_staff("HOPDU", management, p, 37.0)
        # The practitioners each grade's caseload needs at the target capacity (at least one of each).
        needed = {
            grade: max(
                1,
                round(
                    pdu_people[p]
                    * points
                    / (params.TARGET_CAPACITY * full_time_points * mean_fte * (1 - leaving / 4))
                ),
            )
            for grade, points, leaving in (
                (g, params.POINTS_PER_PERSON[g], params.LEAVING_RATE[g]) for g in ("PO", "PSO")
            )
        }
        total = needed["PO"] + needed["PSO"]
        n_teams = max(1, int(np.ceil(total / scale.team_size[1])))
        while n_teams < total // scale.team_size[0] and total / (n_teams + 1) >= scale.team_size[0]:
            n_teams += 1
        grades = np.array(["PO"] * needed["PO"] + ["PSO"] * needed["PSO"])
        # One PO and one PSO in each team where there are enough (every team can take any case), the rest
        # dealt out at random.
        firsts = []
        for grade in ("PO", "PSO"):
            where = np.flatnonzero(grades == grade)
            firsts.append(where[: min(n_teams, len(where))])
        first = np.concatenate(firsts)
        rest = np.setdiff1d(np.arange(total), first)
        rng.shuffle(rest)
        team_of = np.empty(total, dtype=int)
        team_of[firsts[0]] = np.arange(len(firsts[0]))
        team_of[firsts[1]] = np.arange(len(firsts[1]))
        team_of[rest] = np.arange(len(rest)) % n_teams
        pressure = rng.lognormal(0.0, params.TEAM_PRESSURE_SIGMA, n_teams)
        for t in range(n_teams):
            team_id = len(team_rows["id"]) + 1
            team_rows["id"].append(team_id)
            team_rows["code"].append(f"{pdu_codes[p]}-T{t + 1:02d}")
            team_rows["name"].append(f"{pdu_names[p]} team {t + 1}")
            team_rows["pdu_id"].append(p + 1)
            team_spo[team_id] = add_staff("SPO", team_id, p, 37.0)
            joiners = []
            seen: set[str] = set()
            for grade in grades[np.sort(np.flatnonzero(team_of == t))].tolist():
                hours = float(rng.choice(hours_choices, p=hours_weights))
                weight = hours / 37.0 * pressure[t] * float(rng.lognormal(0.0, params.PRACTITIONER_SIGMA))
                end = -1
                # The first team's first PO and PSO stay all year, so that every case can be held by someone.
                stays = t == 0 and grade not in seen
                seen.add(grade)
                if rng.random() < params.LEAVING_RATE[grade] and not stays:
                    end = int(rng.integers(first_day + 30, max(first_day + 31, last_day - 14)))
                    joins = end + 1 + int(rng.integers(*params.VACANCY_DAYS))
                    if rng.random() < params.REPLACED_SHARE and joins <= last_day - 7:
                        joiners.append((grade, hours, joins, weight))
                add_staff(grade, team_id, p, hours, end=end, weight=weight)
            for grade, hours, joins, weight in joiners:
                add_staff(grade, team_id, p, hours, start=joins, weight=weight)
    for grade, count in (
        ("ANALYST", max(1, scale.pdus // 5)),
        ("INSPECTOR", max(1, scale.pdus // 4)),
        ("ADMIN", max(1, scale.pdus // 10)),
    ):
        for _ in range(count):
            add_staff(grade, None, -1, 37.0)
    # The names of the staff above, drawn as before HR analysts were added, so that every later draw of the
    # generator is unchanged.
    n_main = len(staff["id"])
    first_names = [STAFF_FIRST_NAMES[i] for i in rng.integers(0, len(STAFF_FIRST_NAMES), n_main)]
    last_names = [STAFF_LAST_NAMES[i] for i in rng.integers(0, len(STAFF_LAST_NAMES), n_main)]
    # Workforce equality's HR analysts (no caseload, no team), from a generator of their own.
    hr_rng = np.random.default_rng(n_main)
    for _ in range(max(1, scale.pdus // 20)):
        add_staff("HR", None, -1, 37.0, start=usual_start - int(hr_rng.integers(30, 4000)))
        first_names.append(STAFF_FIRST_NAMES[int(hr_rng.integers(0, len(STAFF_FIRST_NAMES)))])
        last_names.append(STAFF_LAST_NAMES[int(hr_rng.integers(0, len(STAFF_LAST_NAMES)))])

    n_staff = len(staff["id"])
    created_text = as_datetimes(np.full(n_staff, created))
    start = np.array(staff["start"], dtype=np.int64)
    left = np.array(staff["end"], dtype=np.int64)
    team_ids = np.array([t if t is not None else 0 for t in staff["team_id"]])
    staff_table = Table(
        "org_staffmember",
        {
            "id": np.array(staff["id"]),
            "created_at": created_text,
            "modified_at": created_text,
            "staff_code": staff["staff_code"],
            "first_name": first_names,
            "last_name": last_names,
            "grade": staff["grade"],
            "contracted_hours": [f"{h:.1f}" for h in staff["hours"]],
            "team_id": team_ids,
            "start_date": np.datetime_as_string(start.astype("datetime64[D]"), unit="D"),
            "end_date": np.datetime_as_string(np.maximum(left, 0).astype("datetime64[D]"), unit="D"),
            "user_id": np.zeros(n_staff, dtype=np.int64),
        },
        nulls={
            "team_id": team_ids == 0,
            "end_date": left < 0,
            "user_id": np.ones(n_staff, bool),
        },
    )
    return Organisation(
        region_codes=region_codes,
        region_is_london=[code == "LN" for code in region_codes],
        pdu_codes=pdu_codes,
        pdu_region=pdu_region,
        pdu_ids=pdu_ids,
        pdu_people=pdu_people,
        staff_ids=np.array(staff["id"]),
        staff_grade=np.array(staff["grade"]),
        staff_pdu=np.array(staff["pdu"]),
        staff_team=team_ids,
        team_spo=team_spo,
        staff_start=start,
        staff_end=left,
        staff_weight=np.array(staff["weight"], dtype=float),
        tables=[region_table, pdu_table, Table("org_team", team_rows), staff_table],
    )
