"""The parts of a person's record that have a history of their own: risk of serious harm reviews, registrations,
addresses and the diversity profile's history. Each is built from arrays the caseload stage has already drawn,
one PDU at a time, by the same rules the services apply (a review at most six months after the last, no two
registrations of a type overlapping, a diversity value with who identified it)."""

from dataclasses import dataclass

import numpy as np

from . import params
from .tables import Table, as_dates, as_datetimes

ROSH_LEVELS = np.array(list("LMHV"))  # lowest first: a level's index is its rank

STREETS = [
    "Station Road",
    "Church Street",
    "Victoria Road",
    "Park Avenue",
    "Mill Lane",
    "Queen Street",
    "Albert Road",
    "Springfield Road",
    "Manor Way",
    "Chapel Lane",
    "Green Lane",
    "Highfield Road",
    "King Street",
    "New Road",
    "Orchard Close",
    "The Crescent",
]
# Towns and postcode areas by region code (a few each; the generator's places, not a gazetteer).
TOWNS: dict[str, list[tuple[str, str]]] = {
    "NE": [("Newcastle upon Tyne", "NE"), ("Sunderland", "SR"), ("Middlesbrough", "TS"), ("Durham", "DH")],
    "NW": [("Liverpool", "L"), ("Preston", "PR"), ("Blackpool", "FY"), ("Carlisle", "CA")],
    "GM": [("Manchester", "M"), ("Bolton", "BL"), ("Oldham", "OL"), ("Wigan", "WN")],
    "YH": [("Leeds", "LS"), ("Sheffield", "S"), ("Bradford", "BD"), ("Hull", "HU"), ("York", "YO")],
    "EM": [("Nottingham", "NG"), ("Leicester", "LE"), ("Derby", "DE"), ("Lincoln", "LN")],
    "WM": [("Birmingham", "B"), ("Coventry", "CV"), ("Wolverhampton", "WV"), ("Stoke-on-Trent", "ST")],
    "EE": [("Norwich", "NR"), ("Peterborough", "PE"), ("Luton", "LU"), ("Ipswich", "IP")],
    "WA": [("Cardiff", "CF"), ("Swansea", "SA"), ("Newport", "NP"), ("Wrexham", "LL")],
    "SW": [("Bristol", "BS"), ("Plymouth", "PL"), ("Exeter", "EX"), ("Gloucester", "GL")],
    "SC": [("Southampton", "SO"), ("Portsmouth", "PO"), ("Reading", "RG"), ("Oxford", "OX")],
    "KS": [("Brighton", "BN"), ("Maidstone", "ME"), ("Guildford", "GU"), ("Canterbury", "CT")],
    "LN": [("London", "E"), ("London", "N"), ("London", "SE"), ("London", "SW"), ("Croydon", "CR")],
}
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def add_months(day: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Day numbers ``months`` later (earlier when negative), the same day of the month or the month's last day
    when it is shorter: ``cases.models.add_length`` over arrays."""
    as_days = np.asarray(day).astype("datetime64[D]")
    month = as_days.astype("datetime64[M]")
    day_of_month = (as_days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months)
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return (target.astype("datetime64[D]") + np.minimum(day_of_month, length - 1)).astype(np.int64)


def _chains(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray, gaps: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Dates from ``first`` to ``last`` for each row, ``gaps`` days apart (drawn): (row, day), in row order."""
    longest = int(np.max(last - first, initial=0))
    k = longest // gaps[0] + 2
    steps = rng.integers(gaps[0], gaps[1] + 1, (len(first), k))
    steps[:, 0] = 0
    days = first[:, None] + np.cumsum(steps, axis=1)
    keep = days <= last[:, None]
    keep[:, 0] = True
    row = np.repeat(np.arange(len(first)), keep.sum(axis=1))
    return row, days[keep]


@dataclass
class People:
    """What the histories need of the PDU's people, one entry per person (their current sentence's row)."""

    person_id: np.ndarray
    dob: np.ndarray
    episode_start: np.ndarray  # the start of the current spell of supervision (custody first, if any)
    last_day: np.ndarray  # the end of the sentence, or the last day of the period while it runs on
    active: np.ndarray  # still under supervision on the end date
    rosh: np.ndarray
    tier: np.ndarray
    mappa_category: np.ndarray
    mappa_level: np.ndarray


def risk_reviews(
    rng: np.random.Generator, ids, people: People, recorder, end_day: int, local
) -> tuple[list[Table], np.ndarray]:
    """Risk of serious harm reviews from the start of each person's supervision: the first at the start, each
    next within six months of the last (due ``ROSH_REVIEW_DUE_DAYS`` after it), until the sentence ended or the
    period did; a share of the people still supervised are overdue (the last review not done). The levels,
    tier and MAPPA stay as drawn (what the allocation and the workload read). ``recorder(row, day)`` says who
    recorded each. Returns the tables and each person's next review due after their latest review."""
    first = np.minimum(people.episode_start, end_day - 1)
    row, day = _chains(rng, first, np.minimum(people.last_day, end_day - 1), params.ROSH_REVIEW_GAP_DAYS)
    due = add_months(day, params.ROSH_REVIEW_DUE_MONTHS)
    # Overdue: the person's latest review dropped where the one before it fell due before the end date.
    is_last = np.r_[row[1:] != row[:-1], True]
    is_first = np.r_[True, row[1:] != row[:-1]]
    previous_due = np.r_[0, due[:-1]]
    overdue = (
        is_last
        & ~is_first
        & people.active[row]
        & (previous_due < end_day)
        & (rng.random(len(row)) < params.ROSH_REVIEW_OVERDUE_SHARE)
    )
    row, day, due, is_first = row[~overdue], day[~overdue], due[~overdue], is_first[~overdue]
    m = len(row)
    rank = np.select([people.rosh[row] == level for level in "MHV"], [1, 2, 3], default=0)

    def level_at_most(top: np.ndarray) -> np.ndarray:
        return ROSH_LEVELS[np.minimum(top, rng.integers(0, 4, m))]

    levels = {
        "rosh_children": level_at_most(rank),
        "rosh_public": ROSH_LEVELS[rank],  # the overall level is the highest of the four: here, the public
        "rosh_known_adult": level_at_most(rank),
        "rosh_staff": level_at_most(rank),
    }
    mappa = people.mappa_category[row]
    latest_due = np.zeros(len(people.person_id), dtype=np.int64)
    latest_due[row] = due  # the last row of each person wins
    table = Table(
        "cases_risksummary",
        {
            "id": ids.take("cases_risksummary", m),
            "person_id": people.person_id[row],
            "rosh": people.rosh[row],
            **levels,
            "review_reason": np.where(is_first, "initial", "scheduled"),
            "next_review_due": as_dates(due),
            "tier": people.tier[row],
            "tier_source": np.full(m, "national"),
            "mappa_category": mappa,
            "mappa_level": people.mappa_level[row],
            "assessed_on": as_dates(day),
            "recorded_by_id": recorder(row, day),
        },
        nulls={"mappa_category": mappa == 0, "mappa_level": mappa == 0},
    )
    return [table], latest_due


def registrations(
    rng: np.random.Generator,
    ids,
    people: People,
    flags: dict[str, np.ndarray],
    recorder,
    end_day: int,
    local,
) -> list[Table]:
    """Registrations on the national registers: MAPPA for everyone managed under MAPPA (from the start of the
    spell, as the risk summary says), domestic abuse, hate crime and terrorism where an offence carries the
    flag, and the others at ``params.REGISTER_SHARES``. Each is open while the sentence runs (ended with it
    otherwise), reviewed every six months (some reviews overdue); some people had an earlier registration of
    the same type, ended before this one began, so that none of a type overlap."""
    n = len(people.person_id)
    wanted = {
        "mappa": people.mappa_category > 0,
        "domestic_abuse": flags["domestic_abuse"],
        "hate_crime": flags["hate_crime"],
        "terrorism": flags["terrorism"],
    }
    for register, share in params.REGISTER_SHARES.items():
        wanted[register] = rng.random(n) < share
    rows, kinds = [], []
    for register, mask in wanted.items():
        where = np.flatnonzero(mask)
        rows.append(where)
        kinds.append(np.full(len(where), register, dtype="<U24"))
    row = np.concatenate(rows)
    kind = np.concatenate(kinds)
    order = np.lexsort((kind, row))
    row, kind = row[order], kind[order]
    m = len(row)
    if m == 0:
        return []
    last = np.minimum(people.last_day[row], end_day - 1)
    begin = np.minimum(people.episode_start[row], end_day - 1)
    late = np.where(kind == "mappa", 0, rng.integers(0, 90, m))
    start = np.minimum(begin + late, last)
    ended = ~people.active[row]
    end = np.where(ended, last, -1)
    cycle = params.REGISTRATION_REVIEW_DAYS
    # An earlier registration of the type, ended a while before this one began.
    earlier = rng.random(m) < params.REGISTRATION_ENDED_SHARE
    earlier_end = start - rng.integers(30, 300, m)
    earlier_start = earlier_end - rng.integers(90, 900, m)
    earlier &= earlier_start >= people.dob[row] + 18 * 365 + 5
    e = np.flatnonzero(earlier)
    all_row = np.concatenate([row[e], row])
    all_kind = np.concatenate([kind[e], kind])
    all_start = np.concatenate([earlier_start[e], start])
    all_end = np.concatenate([earlier_end[e], end])
    reason = np.concatenate(
        [
            np.full(len(e), "No longer meets the criteria for registration"),
            np.where(end >= 0, "Sentence ended", ""),
        ]
    )
    # Reviewed every cycle while it was open; the next review the cycle after the last (overdue: one missed).
    until = np.where(all_end >= 0, all_end, end_day - 1)
    done = np.maximum((until - all_start) // cycle, 0)
    overdue = (all_end < 0) & (done >= 1) & (rng.random(len(all_row)) < params.REGISTRATION_OVERDUE_SHARE)
    done = done - overdue
    all_next = all_start + cycle * (done + 1)
    order = np.lexsort((all_start, all_kind, all_row))
    all_row, all_kind, all_start = all_row[order], all_kind[order], all_start[order]
    all_end, all_next, reason, done = all_end[order], all_next[order], reason[order], done[order]
    k = len(all_row)
    registration_id = ids.take("cases_registration", k)
    who = recorder(all_row, all_start)
    closed = all_end >= 0
    notes = np.where(
        all_kind == "mappa", "Managed under MAPPA: see the risk summary for the category and level.", ""
    )
    return [
        Table(
            "cases_registration",
            {
                "id": registration_id,
                "person_id": people.person_id[all_row],
                "type": all_kind,
                "start_date": as_dates(all_start),
                "next_review_date": as_dates(all_next),
                "end_date": as_dates(np.maximum(all_end, 0)),
                "end_reason": reason,
                "notes": notes,
                "recorded_by_id": who,
                "recorded_at": as_datetimes(
                    local.utc(np.maximum(all_start, local.first), np.full(k, 11 * 3600))
                ),
                "ended_by_id": who,
            },
            nulls={"end_date": ~closed, "ended_by_id": ~closed},
        ),
        _registration_reviews(ids, registration_id, all_row, all_start, done, cycle, recorder, local),
    ]


def _registration_reviews(ids, registration_id, row, start, done, cycle, recorder, local) -> Table:
    """The reviews each registration had: one every cycle from its start, each setting the next."""
    which = np.repeat(np.arange(len(registration_id)), done)
    k = np.arange(len(which)) - np.repeat(np.cumsum(done) - done, done) + 1
    reviewed = start[which] + cycle * k
    m = len(which)
    return Table(
        "cases_registrationreview",
        {
            "id": ids.take("cases_registrationreview", m),
            "registration_id": registration_id[which],
            "reviewed_on": as_dates(reviewed),
            "next_review_date": as_dates(reviewed + cycle),
            "notes": np.full(m, "Reviewed: the registration continues."),
            "reviewed_by_id": recorder(row[which], reviewed),
            "recorded_at": as_datetimes(local.utc(np.maximum(reviewed, local.first), np.full(m, 11 * 3600))),
        },
    )


def addresses(
    rng: np.random.Generator, ids, people: People, region_code: str, created: np.ndarray, recorder
) -> list[Table]:
    """One to three addresses each, the latest current (no end date), each earlier one ending the day before
    the next began; none before the person was 16."""
    n = len(people.person_id)
    counts = rng.choice(list(params.ADDRESS_COUNT), n, p=list(params.ADDRESS_COUNT.values()))
    row = np.repeat(np.arange(n), counts)
    position = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    from_last = np.repeat(counts, counts) - 1 - position  # 0 for the current address
    current_from = people.episode_start - rng.integers(0, 900, n)
    spans = rng.integers(200, 1500, len(row))
    # Work back from the current address: each earlier one ended the day before the next began.
    start = np.zeros(len(row), dtype=np.int64)
    end = np.full(len(row), -1, dtype=np.int64)
    for back in range(int(counts.max(initial=1))):
        this = from_last == back
        if back == 0:
            start[this] = current_from[row[this]]
        else:
            later = np.flatnonzero(from_last == back - 1)
            later_start = np.zeros(n, dtype=np.int64)
            later_start[row[later]] = start[later]
            end[this] = later_start[row[this]] - 1
            start[this] = end[this] - spans[this]
    sixteen = people.dob[row] + 16 * 365 + 4
    keep = (start >= sixteen) | (from_last == 0)
    start = np.where(from_last == 0, np.maximum(start, np.minimum(sixteen, end + 1)), start)
    row, start, end = row[keep], start[keep], end[keep]
    m = len(row)
    towns = TOWNS.get(region_code, TOWNS["YH"])
    town = rng.integers(0, len(towns), m)
    district = rng.integers(1, 30, m)
    letters = np.array(list(POSTCODE_LETTERS))
    postcode = [
        f"{towns[t][1]}{d} {s}{a}{b}"
        for t, d, s, a, b in zip(
            town.tolist(),
            district.tolist(),
            rng.integers(1, 10, m).tolist(),
            letters[rng.integers(0, len(letters), m)].tolist(),
            letters[rng.integers(0, len(letters), m)].tolist(),
            strict=True,
        )
    ]
    line_1 = [
        f"{number} {STREETS[s]}"
        for number, s in zip(
            rng.integers(1, 200, m).tolist(), rng.integers(0, len(STREETS), m).tolist(), strict=True
        )
    ]
    return [
        Table(
            "people_address",
            {
                "id": ids.take("people_address", m),
                "created_at": created[row],
                "modified_at": created[row],
                "person_id": people.person_id[row],
                "line_1": line_1,
                "line_2": np.full(m, ""),
                "town": [towns[t][0] for t in town.tolist()],
                "postcode": postcode,
                "start_date": as_dates(start),
                "end_date": as_dates(np.maximum(end, 0)),
                "recorded_by_id": recorder(row, start),
            },
            nulls={"end_date": end < 0},
        )
    ]


def diversity_history(
    rng: np.random.Generator,
    ids,
    people: People,
    code: np.ndarray,
    group: np.ndarray,
    identified_by: np.ndarray,
    identified_on: np.ndarray,
    religion: np.ndarray,
    disability: np.ndarray,
    local,
    recorder,
) -> list[Table]:
    """A history for ``DIVERSITY_HISTORY_SHARE`` of the people, whose last rows are the profile's values (so
    that the value in force at the end of the period is the one the bias acted on): an ethnicity first not
    recorded, or first observed by staff, then as the person identifies; a religion first not recorded; a
    disability first declared "no" and later "yes". Who identified each value is kept ("prefer not to say" is
    the person's own answer; religion is never observed)."""
    n = len(people.person_id)
    chosen = rng.random(n) < params.DIVERSITY_HISTORY_SHARE
    earliest = people.dob + 18 * 365 + 5
    before = np.maximum(identified_on - rng.integers(90, 1500, n), earliest)
    chosen &= before < identified_on
    out: dict[str, list] = {k: [] for k in ("row", "characteristic", "value", "by", "on", "detail")}

    def add(rows: np.ndarray, characteristic: str, value, by, on, detail="") -> None:
        k = len(rows)
        out["row"].append(rows)
        out["characteristic"].append(np.full(k, characteristic))
        out["value"].append(np.broadcast_to(np.asarray(value, dtype=object), (k,)).copy())
        out["by"].append(np.broadcast_to(np.asarray(by, dtype=object), (k,)).copy())
        out["on"].append(np.broadcast_to(np.asarray(on), (k,)).astype(np.int64))
        out["detail"].append(np.full(k, detail, dtype=object))

    recorded = chosen & (code != "NR")
    u = rng.random(n)
    # An ethnicity first not recorded, then given by the person.
    first_missing = np.flatnonzero(recorded & (u < 0.5))
    add(first_missing, "ethnicity", "NR", "", before[first_missing])
    # Or first observed by a member of staff (a category of the same group), then as the person identifies.
    observed = np.flatnonzero(recorded & (u >= 0.5) & (code != "PNS"))
    observed_value = np.array([_observed(g, rng) for g in group[observed].tolist()], dtype=object)
    add(observed, "ethnicity", observed_value, "staff", before[observed])
    changed = np.concatenate([first_missing, observed])
    changed.sort()
    add(changed, "ethnicity", code[changed], identified_by[changed], identified_on[changed])
    # A person who said "prefer not to say" after being observed: the person's answer stands last.
    pns = np.flatnonzero(chosen & (code == "PNS") & (u >= 0.5))
    add(
        pns, "ethnicity", np.array([_observed("white", rng) for _ in pns], dtype=object), "staff", before[pns]
    )
    add(pns, "ethnicity", "PNS", "self", identified_on[pns])
    # Religion: not recorded at first, then the person's answer.
    with_religion = np.flatnonzero(chosen & (religion != "not_recorded") & (rng.random(n) < 0.5))
    add(with_religion, "religion", "not_recorded", "", before[with_religion])
    add(with_religion, "religion", religion[with_religion], "self", identified_on[with_religion])
    # Disability: "no" at first, "yes" later, with the adjustment needed.
    became = np.flatnonzero(chosen & (disability == "yes") & (rng.random(n) < 0.4))
    add(became, "disability", "no", "self", before[became])
    add(became, "disability", "yes", "self", identified_on[became], "Appointments in a ground-floor room")
    row = np.concatenate(out["row"])
    if len(row) == 0:
        return []
    characteristic = np.concatenate(out["characteristic"])
    on = np.concatenate(out["on"])
    order = np.lexsort((on, characteristic, row))
    row, characteristic, on = row[order], characteristic[order], on[order]
    value = np.concatenate(out["value"])[order]
    by = np.concatenate(out["by"])[order]
    detail = np.concatenate(out["detail"])[order]
    m = len(row)
    return [
        Table(
            "people_diversityentry",
            {
                "id": ids.take("people_diversityentry", m),
                "person_id": people.person_id[row],
                "characteristic": characteristic,
                "value": value,
                "detail": detail,
                "identified_by": by,
                "identified_on": as_dates(on),
                "carried_over": np.zeros(m, bool),
                "recorded_by_id": recorder(row, on),
                "recorded_at": as_datetimes(local.utc(np.maximum(on, local.first), np.full(m, 12 * 3600))),
                "corrects_id": np.zeros(m, dtype=np.int64),
                "correction_reason": np.full(m, ""),
            },
            nulls={"corrects_id": np.ones(m, bool)},
        )
    ]


def _observed(group: str, rng: np.random.Generator) -> str:
    """What a member of staff might have recorded by observation: a category of the group (the group's
    "other" category for a person whose own answer was more specific)."""
    categories = params.CATEGORY_SHARES.get(group, params.CATEGORY_SHARES["white"])
    keys = list(categories)
    return keys[int(rng.integers(0, len(keys)))]
