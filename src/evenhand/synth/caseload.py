"""People, their sentences and a year of casework, one PDU at a time.

Every decision that a person makes in real casework (how a missed appointment is judged, enforcement, who
holds the case, referrals, assessment) is drawn from a baseline model with legitimate drivers (tier, risk of
serious harm, offence, age, sex), then moved on the odds scale by any declared bias. Every row obeys the rules
the services enforce, so the dataset could have been typed in through Evenhand.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from evenhand.cases import rules
from evenhand.cases.models import RECALLS, AllocationReason, Decision, DecisionOutcome, TerminationReason
from evenhand.cases.rules import one_year_before
from evenhand.core.calendar import bank_holidays_between
from evenhand.core.dates import years_after
from evenhand.people.models import GROUP_OF_ETHNICITY
from evenhand.workload.rules import PROTOCOL_FLAGS

from . import assessments as assessments_mod
from . import history as history_mod
from . import params, recall
from .bias import BiasSpec
from .history import add_months
from .names import FIRST_NAMES, LAST_NAMES
from .organisation import EPOCH, Organisation
from .tables import Table, as_dates, as_datetimes

DAY = 86_400
ADULT_DAYS = 18 * 365 + 5  # at least 18 years, whatever the leap days
GROUPS = ("asian", "black", "mixed", "not_recorded", "other", "prefer_not_to_say", "white")  # sorted
SORTED_GROUPS = np.array(GROUPS)
LONDON = zoneinfo.ZoneInfo("Europe/London")
COURTS = ["Magistrates' Court", "Crown Court"]
REGION_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# The key of the stream the ``sensitive_allocation`` bias draws from, apart from the PDU's (``recall._own_rng``).
SENSITIVE_STREAM = 0x5E45
OFFENCE_FLAGS = ("racially_or_religiously_aggravated", "hate_crime", "domestic_abuse", "sexual", "terrorism")


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def with_odds(p: np.ndarray, multiplier: np.ndarray) -> np.ndarray:
    """Move probabilities by an odds multiplier: the way declared bias acts."""
    return expit(logit(p) + np.log(multiplier))


def pick(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    keys = list(shares)
    weights = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys)[rng.choice(len(keys), size=size, p=weights / weights.sum())]


@dataclass
class Period:
    """The 12 months of activity, ending on ``end`` (inclusive)."""

    end: dt.date

    @property
    def start(self) -> dt.date:
        return one_year_before(self.end) + dt.timedelta(days=1)

    @property
    def start_day(self) -> int:
        return (self.start - EPOCH).days

    @property
    def end_day(self) -> int:
        return (self.end - EPOCH).days

    def month(self, day: np.ndarray) -> np.ndarray:
        """Month of the period (1-12) in which each day falls."""
        start = np.datetime64(self.start, "M")
        months = (np.asarray(day).astype("datetime64[D]").astype("datetime64[M]") - start).astype(int) + 1
        return np.clip(months, 1, 12)


class LocalTime:
    """Local (London) wall-clock times to UTC seconds, vectorised over a table of daily offsets."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first = first_day
        days = range(first_day, last_day + 1)
        self.offsets = np.array(
            [
                int(
                    dt.datetime.combine(EPOCH + dt.timedelta(days=d), dt.time(12), LONDON)
                    .utcoffset()  # type: ignore[union-attr]  # always set for a ZoneInfo
                    .total_seconds()
                )
                for d in days
            ],
            dtype=np.int64,
        )

    def utc(self, day: np.ndarray, seconds_into_day: np.ndarray) -> np.ndarray:
        return day.astype(np.int64) * DAY + seconds_into_day - self.offsets[day - self.first]


@dataclass
class Ids:
    """The next primary key of each table, carried from one PDU to the next."""

    next: dict[str, int] = field(default_factory=lambda: defaultdict(lambda: 1))

    def take(self, table: str, count: int) -> np.ndarray:
        first = self.next[table]
        self.next[table] = first + count
        return np.arange(first, first + count, dtype=np.int64)


@dataclass
class Truth:
    """Expected events with and without the declared bias, by measure, PDU and ethnic group."""

    n_pdus: int
    sums: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, measure: str, pdu: int, group: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> None:
        if measure not in self.sums:
            self.sums[measure] = np.zeros((self.n_pdus, len(GROUPS), 3))
        slots = np.searchsorted(SORTED_GROUPS, group)
        table = self.sums[measure][pdu]
        np.add.at(table[:, 0], slots, 1)
        np.add.at(table[:, 1], slots, p0)
        np.add.at(table[:, 2], slots, p1)


RATIONALES: dict[str, list[str]] = {
    Decision.WARNING: [
        "Unacceptable absence with no explanation given; first failure in twelve months, so a formal warning "
        "is issued and the consequences of a further failure explained.",
        "Did not attend and did not make contact; warning letter sent and reporting expectations restated.",
    ],
    Decision.NO_FURTHER_ACTION: [
        "The person gave a credible reason after the event (a medical appointment); no further action, "
        "discussed at the next appointment.",
        "Failure accepted as an isolated lapse given recent good engagement; no further action recorded.",
    ],
    Decision.BREACH: [
        "A further unacceptable failure within twelve months of a warning, with no exceptional reason; breach "
        "action initiated and the case returned to court.",
    ],
    **{
        recall: [
            "Failure to comply with licence conditions; risk can no longer be safely managed in the community, "
            "recall requested with SPO agreement.",
        ]
        for recall in RECALLS
    },
}
REFERRAL_REASONS = {
    "accommodation": "No settled address; needs support to find accommodation.",
    "ete": "Unemployed and wants help into work or training.",
    "finance": "Rent arrears and debt are causing stress.",
    "dependency": "Drug or alcohol use linked to offending.",
    "wellbeing": "Low mood and anxiety; wants support.",
    "family": "Wants support to rebuild contact with children.",
    "womens": "Would benefit from a women's centre and its services.",
    "cultural_faith": "Asked for support from a culturally specific service.",
}


def lesser(draw: float, warning_share: float) -> Decision:
    """When a practitioner does not take the proposed step: a warning, or no further action."""
    return Decision.WARNING if draw < warning_share else Decision.NO_FURTHER_ACTION


def day_date(day: int) -> dt.date:
    """A day number (days since the epoch, in local dates) as a date."""
    return EPOCH + dt.timedelta(days=day)


class CaseloadBuilder:
    """Builds the people and case records of one PDU."""

    def __init__(
        self,
        org: Organisation,
        period: Period,
        bias: BiasSpec,
        ids: Ids,
        truth: Truth,
        *,
        staff_ethnicity: np.ndarray | None = None,
    ) -> None:
        self.org, self.period, self.bias, self.ids, self.truth = org, period, bias, ids, truth
        # Each staff member's declared ethnicity code ("" when not declared), in the order of ``org.staff_ids``:
        # what the ``sensitive_allocation`` bias acts on and its truth is grouped by.
        self.staff_ethnicity = (
            np.full(len(org.staff_ids), "", dtype=object) if staff_ethnicity is None else staff_ethnicity
        )
        # Far enough back for the custody sentence before a three-year licence, and its registrations.
        self.local = LocalTime(period.start_day - 9 * 366, period.end_day + 60)
        self.holidays = np.array(
            bank_holidays_between(day_date(period.start_day - 9 * 366), day_date(period.end_day + 60)),
            dtype="datetime64[D]",
        )
        self.last_outcome_day = period.end_day - 1  # outcomes and decisions up to the day before the end
        self.tier_memo = assessments_mod.TierMemo()  # tiers worked out, shared by every PDU

    # ------------------------------------------------------------------------------------------------------
    def build(self, p: int, rng: np.random.Generator) -> list[Table]:
        org, period = self.org, self.period
        n = int(org.pdu_people[p])
        region = org.pdu_region[p]
        region_code, pdu_code = org.region_codes[region], org.pdu_codes[p]
        self.p, self.rng = p, rng
        self.unit = {"region": np.full(n, region_code), "pdu": np.full(n, pdu_code)}
        tables: list[Table] = []

        # People ------------------------------------------------------------------------------------------
        person_id = self.ids.take("people_person", n)
        sex = np.where(rng.random(n) < params.MALE_SHARE, "M", "F")
        shares = params.GROUP_SHARES["london" if org.region_is_london[region] else "elsewhere"]
        group = pick(rng, shares, n)
        code = np.empty(n, dtype="<U3")
        for g, categories in params.CATEGORY_SHARES.items():
            mask = group == g
            code[mask] = pick(rng, categories, int(mask.sum()))
        recorded_group = group.copy()
        u = rng.random(n)
        code[u < params.NOT_RECORDED_SHARE] = "NR"
        code[
            (u >= params.NOT_RECORDED_SHARE)
            & (u < params.NOT_RECORDED_SHARE + params.PREFER_NOT_TO_SAY_SHARE)
        ] = "PNS"
        group = np.where(code == "NR", "not_recorded", np.where(code == "PNS", "prefer_not_to_say", group))
        shift = np.array([params.AGE_SHIFT[g] for g in recorded_group.tolist()])
        age = np.clip(
            params.AGE_MIN + rng.gamma(params.AGE_GAMMA_SHAPE, params.AGE_GAMMA_SCALE, n) + shift,
            params.AGE_MIN,
            params.AGE_MAX,
        ).astype(int)
        # Exactly ``age`` on the end date: born after the birthday a year older, on or before the ``age``th.
        youngest, oldest = self.birthday_bounds(age)
        dob = oldest + (rng.random(n) * (youngest - oldest + 1)).astype(np.int64)
        first_name = np.empty(n, dtype=object)
        last_name = np.empty(n, dtype=object)
        for g in params.GROUP_SHARES["elsewhere"]:
            for s in ("M", "F"):
                mask = (recorded_group == g) & (sex == s)
                names = FIRST_NAMES[g][s]
                first_name[mask] = np.array(names, dtype=object)[rng.integers(0, len(names), mask.sum())]
            mask = recorded_group == g
            last_name[mask] = np.array(LAST_NAMES[g], dtype=object)[
                rng.integers(0, len(LAST_NAMES[g]), mask.sum())
            ]
        # CRNs: a letter for the region and six digits from the person's number, unique by construction
        # (7919 is prime to 900,000, so the map is one-to-one below 900,000 people).
        numbers = (person_id * 7919 + 12345) % 900_000 + 100_000
        crn = np.char.add(REGION_LETTERS[region], numbers.astype("<U6"))
        not_english = rng.random(n) < params.NOT_ENGLISH_FIRST_LANGUAGE
        language = np.where(
            not_english,
            np.array(["Polish", "Urdu", "Romanian", "Arabic", "Punjabi", "Somali", "Bengali", "Lithuanian"])[
                rng.integers(0, 8, n)
            ],
            "English",
        )
        created = as_datetimes(self.local.utc(np.full(n, period.start_day), np.full(n, 9 * 3600)))
        person_table = Table(
            "people_person",
            {
                "id": person_id,
                "created_at": created,
                "modified_at": created,
                "crn": crn,
                "first_name": first_name,
                "last_name": last_name,
                "date_of_birth": as_dates(dob),
                "sex": sex,
                "first_language": language,
                "interpreter_required": not_english & (rng.random(n) < params.INTERPRETER_IF_NOT_ENGLISH),
                "pdu_id": np.full(n, org.pdu_ids[p]),
            },
        )
        tables.append(person_table)
        religion = np.empty(n, dtype="<U20")
        for g, shares_r in params.RELIGION_SHARES.items():
            mask = (
                (recorded_group == g)
                if g != "unknown"
                else np.isin(group, ["not_recorded", "prefer_not_to_say"])
            )
            religion[mask] = pick(rng, shares_r, int(mask.sum()))
        u = rng.random(n)
        religion[u < params.RELIGION_NOT_RECORDED] = "not_recorded"
        religion[
            (u >= params.RELIGION_NOT_RECORDED)
            & (u < params.RELIGION_NOT_RECORDED + params.RELIGION_PREFER_NOT_TO_SAY)
        ] = "prefer_not_to_say"
        identified = code != "NR"
        identified_by = np.where(
            identified, np.where(rng.random(n) < params.SELF_IDENTIFIED_SHARE, "self", "staff"), ""
        )
        identified_by[code == "PNS"] = "self"  # "prefer not to say" is the person's own answer
        identified_on = period.start_day - rng.integers(0, 700, n)
        profile_religion, profile_disability = religion, pick(rng, params.DISABILITY_SHARES, n)
        tables.append(
            Table(
                "people_diversityprofile",
                {
                    "id": person_id,
                    "created_at": created,
                    "modified_at": created,
                    "person_id": person_id,
                    "ethnicity": code,
                    "ethnicity_identified_by": identified_by,
                    "ethnicity_identified_on": as_dates(identified_on),
                    "religion": profile_religion,
                    "disability": profile_disability,
                    "gender_identity": np.full(n, ""),
                },
                nulls={"ethnicity_identified_on": ~identified},
            )
        )
        self.person = {"id": person_id, "group": group, "code": code, "sex": sex, "age": age}

        # Sentences, offences, risk -----------------------------------------------------------------------
        kind = pick(rng, params.SENTENCE_SHARES, n)
        months = np.zeros(n, dtype=int)
        for k, (lo, hi) in params.SENTENCE_MONTHS.items():
            mask = kind == k
            months[mask] = rng.integers(lo, hi + 1, mask.sum())
        length = np.round(months * 30.44).astype(int)
        in_custody, licence, pss = kind == "CUS", kind == "LIC", kind == "PSS"
        # A custody case: ``months`` is the sentence the court passed, half of it served before release.
        length[in_custody] = np.round(months[in_custody] * 30.44 * params.RELEASE_POINT).astype(int)
        # The custody sentence before a licence runs twice the licence (the licence is its second half); before
        # PSS it is under two years, and PSS runs from its expiry to 12 months after release.
        custody_months = np.where(licence, np.round(months / params.RELEASE_POINT).astype(int), 0)
        custody_months[pss] = rng.integers(
            params.PSS_CUSTODY_MONTHS[0], params.PSS_CUSTODY_MONTHS[1] + 1, int(pss.sum())
        )
        length[pss] = np.round(365.25 - custody_months[pss] * 30.44 * params.RELEASE_POINT).astype(int) - 1
        # Sentences overlap the period by at least two weeks: some began before it, some within it.
        # (PSS's end is worked out from its release below, a few days either side of ``length``.)
        start = rng.integers(period.start_day - length + np.where(pss, 21, 14), period.end_day - 7)
        start = np.minimum(start, period.end_day - 7)
        # Custody cases are still in custody on the end date: the expected release is after it.
        release_after = rng.integers(*params.CUSTODY_RELEASE_AFTER_END, n)
        start = np.where(
            in_custody, np.minimum(period.end_day + release_after - length, period.end_day - 7), start
        )
        expected_end = start + length
        # Before a licence or PSS: the custody sentence, released on the licence's first day.
        after_custody = licence | pss
        licence_end = np.where(pss, start - 1, expected_end)
        custody_start = add_months(licence_end, -custody_months)
        released = np.where(
            pss,
            custody_start + np.round(custody_months * 30.44 * params.RELEASE_POINT).astype(int),
            start,
        )
        expected_end = np.where(pss, add_months(released, 12), expected_end)
        episode_start = np.where(after_custody, custody_start, start)
        # Some people served an earlier court order, completed before this spell began (and before the period).
        previous = rng.random(n) < params.PREVIOUS_SENTENCE_SHARE
        previous_end = np.minimum(episode_start, period.start_day) - rng.integers(
            *params.PREVIOUS_GAP_DAYS, n
        )
        previous_start = previous_end - np.round(
            rng.integers(params.PREVIOUS_SENTENCE_MONTHS[0], params.PREVIOUS_SENTENCE_MONTHS[1] + 1, n)
            * 30.44
        ).astype(int)
        previous &= previous_start >= dob + ADULT_DAYS
        # Probation supervises adults: everyone is at least 18 when their sentence (or custody) starts.
        adult_at_start = episode_start - ADULT_DAYS
        if (dob > adult_at_start).any():
            dob = np.minimum(dob, adult_at_start)
            person_table.columns["date_of_birth"] = as_dates(dob)
        history_ids = self.ids.take("cases_sentence", int(after_custody.sum() + pss.sum() + previous.sum()))
        sentence_id = self.ids.take("cases_sentence", n)
        custody = np.isin(kind, ["CUS", "LIC", "PSS"])
        offence = np.where(
            custody,
            pick(rng, params.OFFENCE_SHARES["custody"], n),
            pick(rng, params.OFFENCE_SHARES["community"], n),
        )
        rosh_draw = rng.random(n)
        rosh = np.empty(n, dtype="<U1")
        for off in np.unique(offence):
            mask = offence == off
            cumulative = np.cumsum(params.ROSH.get(off, params.ROSH["default"]))
            rosh[mask] = np.array(list("LMHV"))[np.searchsorted(cumulative, rosh_draw[mask] * cumulative[-1])]
        letter_draw = rng.random(n)
        tier_letter = np.select(
            [rosh == "V", rosh == "H", rosh == "M"],
            [np.full(n, "A"), np.where(letter_draw < 0.4, "A", "B"), np.where(letter_draw < 0.35, "B", "C")],
            default=np.where(letter_draw < 0.3, "C", "D"),
        )
        history = rng.poisson(params.HISTORY_POISSON_MEAN, n)
        score = history + 1.5 * (age < 25) + rng.normal(0, 1, n)
        tier_number = np.clip(np.floor(score / 2), 0, 3).astype(int)
        tier = np.char.add(tier_letter, tier_number.astype("<U1"))
        self.sentence = {
            "id": sentence_id,
            "episode_start": episode_start,
            "kind": kind,
            "start": start,
            "expected_end": expected_end,
            "rosh": rosh,
            "tier_letter": tier_letter,
            "tier_number": tier_number,
            "offence": offence,
        }

        mappa_cat = np.zeros(n, dtype=int)
        mappa_cat[offence == "sexual"] = 1
        violent_custody = custody & np.isin(rosh, ["H", "V"]) & (offence != "sexual") & (rng.random(n) < 0.3)
        mappa_cat[violent_custody] = 2
        mappa_level = np.where(
            mappa_cat > 0, np.select([rng.random(n) < 0.85, rng.random(n) < 0.9], [1, 2], 3), 0
        )

        # Allocation: the grade the case needs, then the practitioner, then the delay.
        needs_po = np.isin(rosh, ["H", "V"]) | (mappa_level >= 2)  # cases.needs_probation_officer
        p_po = np.array([params.PO_SHARE_BY_TIER_LETTER[t] for t in tier_letter.tolist()])
        start_month = period.month(start)
        mult = self.bias_for("allocation_po", start_month)
        p_po_biased = with_odds(p_po, mult)
        self.truth.add("allocation_po", p, group[~needs_po], p_po[~needs_po], p_po_biased[~needs_po])
        is_po = needs_po | (rng.random(n) < p_po_biased)
        delay_mean = params.ALLOCATION_DAYS_MEAN * self.bias_for("allocation_days", start_month)
        self.truth.add("allocation_days", p, group, np.full(n, params.ALLOCATION_DAYS_MEAN), delay_mean)
        delay = np.round(rng.gamma(2.0, delay_mean / 2.0)).astype(int)
        allocated_from = start + delay
        practitioner = self.choose_practitioners(is_po, allocated_from)
        allocated = allocated_from <= self.last_outcome_day
        # Unallocated sentences (the most recent) wait in their PDU's allocation queue.

        # Enforcement and completion decide when sentences end; contacts follow.
        termination = np.full(n, -1)
        reason = np.full(n, "", dtype="<U24")
        drawn = self.draw_requirements(kind)
        # Nobody in custody has appointments in the community.
        contacts = self.contacts(
            allocated & ~in_custody, allocated_from, drawn, tier_letter, tier_number, age
        )
        decisions = self.enforcement(contacts, termination, reason, kind, rosh, tier_number, allocated_from)
        recall.draw(
            self,
            kind=kind,
            rosh=rosh,
            allocated=allocated,
            allocated_from=allocated_from,
            practitioner=practitioner,
            termination=termination,
            reason=reason,
        )
        # Orders and licences that reach their end in the period: completed, or ended by a further offence.
        ends = (expected_end <= self.last_outcome_day) & (termination < 0)
        p_done = np.full(n, params.COMPLETION_BASE)
        p_done_biased = with_odds(p_done, self.bias_for("completion", period.month(expected_end)))
        # Licences reaching their end always complete here (failure on licence is recall), so only orders count.
        recallable = np.isin(kind, rules.RECALLABLE)
        orders_ending = ends & ~recallable
        self.truth.add(
            "completion", p, group[orders_ending], p_done[orders_ending], p_done_biased[orders_ending]
        )
        completed = rng.random(n) < p_done_biased
        ok = ends & (completed | recallable)
        termination[ok], reason[ok] = expected_end[ok], "completed"
        failed = ends & ~ok
        failed_on = np.maximum(expected_end - rng.integers(1, 60, n), np.maximum(allocated_from, start) + 7)
        failed_on = np.minimum(np.maximum(failed_on, self.last_decision), expected_end)
        termination[failed], reason[failed] = failed_on[failed], "revoked_new_offence"
        # A sentence never outlasts an allocation start (the services forbid ending it before).
        ended = termination >= 0
        termination[ended & allocated] = np.maximum(termination, allocated_from)[ended & allocated]

        court = np.where(
            custody,
            np.char.add(
                "HMP ",
                np.array(
                    [
                        "Leeds",
                        "Wandsworth",
                        "Birmingham",
                        "Durham",
                        "Cardiff",
                        "Bristol",
                        "Lewes",
                        "Nottingham",
                    ]
                )[rng.integers(0, 8, n)],
            ),
            np.char.add(f"{org.pdu_codes[p]} ", np.array(COURTS)[rng.integers(0, 2, n)]),
        )
        sentence_created = as_datetimes(
            self.local.utc(np.minimum(start, period.end_day), np.full(n, 9 * 3600))
        )
        committed = self.offence_dates(start, dob)
        earlier = self.earlier_sentences(
            history_ids,
            person_id=person_id,
            after_custody=after_custody,
            pss=pss,
            custody_start=custody_start,
            custody_months=custody_months,
            released=released,
            licence_end=licence_end,
            previous=previous,
            previous_start=previous_start,
            previous_end=previous_end,
            court=court,
            offence=offence,
            dob=dob,
        )
        parent = np.zeros(n, dtype=np.int64)
        parent[after_custody] = earlier["custody_id"]
        tables += earlier["sentences"]
        tables.append(
            Table(
                "cases_sentence",
                {
                    "id": sentence_id,
                    "created_at": sentence_created,
                    "modified_at": sentence_created,
                    "person_id": person_id,
                    "type": kind,
                    "court": court,
                    "start_date": as_dates(start),
                    "expected_end_date": as_dates(expected_end),
                    "termination_date": as_dates(np.maximum(termination, 0)),
                    "termination_reason": reason,
                    "length": months,
                    "length_unit": np.where(in_custody, "months", ""),
                    "custody_id": parent,
                },
                nulls={
                    "termination_date": termination < 0,
                    "length": ~in_custody,
                    "custody_id": ~after_custody,
                },
            )
        )
        offence_tables, offence_rows = self.offences(sentence_id, offence, custody, committed)
        tables += offence_tables
        sensitive = np.zeros(n, bool)
        for flag in PROTOCOL_FLAGS:
            sensitive[offence_rows["row"][offence_rows[flag.value]]] = True
        # Before anything is written from the practitioner (the recall draw holds the same array).
        self.allocate_sensitive(practitioner, is_po, allocated_from, sensitive & allocated)
        tables += self.history_offences(earlier, offence_rows, committed)
        tables += self.requirements(sentence_id, drawn, termination, reason)
        assessor = np.where(allocated, practitioner, org.spo_of(practitioner))
        tables += self.allocations(sentence_id, practitioner, allocated, allocated_from, termination, is_po)
        tables += self.custody_allocations(earlier, practitioner, allocated)
        spo = org.spo_of(practitioner)

        def recorder(rows: np.ndarray, days: np.ndarray) -> np.ndarray:
            """Who recorded something about the person on a day: the case's practitioner once it is allocated
            to them, the SPO of their team before."""
            held = allocated[rows] & (days >= allocated_from[rows])
            return np.where(held, self.holder_at(rows, days), spo[rows])

        # For the plans and reports (``synth.plans``), built after the PDU's other tables.
        self.recorder, self.practitioner = recorder, practitioner
        active = (termination < 0) | (termination >= period.end_day)
        people = history_mod.People(
            person_id=person_id,
            dob=dob,
            episode_start=episode_start,
            last_day=np.where(termination >= 0, termination, period.end_day),
            active=active,
            rosh=rosh,
            tier=tier,
            mappa_category=mappa_cat,
            mappa_level=mappa_level,
        )
        reviews, _ = history_mod.risk_reviews(rng, self.ids, people, recorder, period.end_day, self.local)
        tables += reviews
        tables += history_mod.registrations(
            rng, self.ids, people, self.flags, recorder, period.end_day, self.local
        )
        tables += history_mod.addresses(rng, self.ids, people, region_code, created, recorder)
        tables += history_mod.diversity_history(
            rng,
            self.ids,
            people,
            code,
            group,
            identified_by,
            identified_on,
            profile_religion,
            profile_disability,
            self.local,
            recorder,
        )
        tables += self.write_contacts(contacts, termination, sentence_id, person_id)
        tables += decisions
        tables += self.referrals(
            allocated & ~in_custody, allocated_from, termination, sentence_id, person_id, sex
        )
        tables += assessments_mod.build(
            self,
            start=start,
            termination=termination,
            sentence_id=sentence_id,
            person_id=person_id,
            assessor=assessor,
            kind=kind,
            sex=sex,
            age=age,
            drawn=drawn,
            recorder=recorder,
        )
        return tables

    # ------------------------------------------------------------------------------------------------------
    def birthday_bounds(self, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each age, the latest and earliest birth dates that give that age on the end date."""
        end = self.period.end
        latest = np.array([(years_after(end, -a) - EPOCH).days for a in range(params.AGE_MAX + 2)])
        return latest[age], latest[age + 1] + 1

    def bias_for(self, measure: str, month: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        code = self.person["code"] if rows is None else self.person["code"][rows]
        region = self.unit["region"] if rows is None else self.unit["region"][rows]
        pdu = self.unit["pdu"] if rows is None else self.unit["pdu"][rows]
        return self.bias.multipliers(measure, ethnicity=code, region=region, pdu=pdu, month=month)

    def contacts(self, allocated, allocated_from, drawn, tier_letter, tier_number, age) -> dict:
        """Appointments from allocation to the end of the sentence or period, and what happened at each."""
        rng, period, s = self.rng, self.period, self.sentence
        interval = np.array([params.CONTACT_INTERVAL_DAYS[t] for t in tier_letter.tolist()])
        first = np.maximum(allocated_from, period.start_day) + rng.integers(0, 7, len(interval))
        last = np.minimum(s["expected_end"], period.end_day + params.FUTURE_APPOINTMENT_DAYS)
        count = np.where(allocated & (last >= first), (last - first) // interval + 1, 0)
        row = np.repeat(np.arange(len(count)), count)
        step = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        day = first[row] + step * interval[row] + rng.integers(-1, 2, len(row))
        day = np.clip(day, s["start"][row], s["expected_end"][row])
        # Weekends and bank holidays move to the next working day (or the last one of the sentence).
        forward = np.busday_offset(day.astype("datetime64[D]"), 0, roll="forward", holidays=self.holidays)
        back = np.busday_offset(
            s["expected_end"][row].astype("datetime64[D]"), 0, roll="backward", holidays=self.holidays
        )
        forward, back = forward.astype(np.int64), back.astype(np.int64)
        day = np.where(forward <= s["expected_end"][row], forward, np.maximum(back, s["start"][row]))
        ctype = pick(rng, params.CONTACT_TYPES, len(row))
        requirement_rows, requirement_types = drawn
        with_upw = np.zeros(len(interval), bool)
        with_upw[requirement_rows[requirement_types == "unpaid_work"]] = True
        with_drugs = np.zeros(len(interval), bool)
        with_drugs[requirement_rows[requirement_types == "drug_treatment"]] = True
        # Orders with unpaid work: that share of their appointments are unpaid work sessions.
        has_upw = with_upw[row] & (rng.random(len(row)) < params.UNPAID_WORK_SESSION_SHARE)
        ctype = np.where(has_upw, "unpaid_work", ctype)
        seconds = rng.choice([9, 10, 11, 14, 15, 16], len(row)) * 3600 + rng.choice([0, 1800], len(row))
        order = np.lexsort((seconds, day, row))
        row, day, ctype, seconds = row[order], day[order], ctype[order], seconds[order]
        starts_at = self.local.utc(day, seconds)

        past = day <= self.last_outcome_day
        young = age[row] < 25
        drugs = with_drugs[row]
        p_miss = expit(
            params.MISS_BASE_LOGIT
            + params.MISS_AGE_UNDER_25 * young
            + params.MISS_PER_TIER_NUMBER * tier_number[row]
            + params.MISS_DRUGS * drugs
        )
        missed = rng.random(len(row)) < p_miss
        p_unacceptable = np.full(len(row), params.UNACCEPTABLE_BASE)
        month = period.month(day)
        biased = with_odds(
            p_unacceptable, self.bias_for("unacceptable_absence", month, self.person_index(row))
        )
        counted = missed & past & (day >= period.start_day)
        unacceptable = rng.random(len(row)) < biased
        u = rng.random(len(row))
        outcome = np.select(
            [
                missed & unacceptable,
                missed,
                u < params.ATTENDED_FAILED_TO_COMPLY,
                u < params.ATTENDED_FAILED_TO_COMPLY + params.RESCHEDULED,
            ],
            ["fta_unacceptable", "fta_acceptable", "attended_failed", "rescheduled"],
            default="attended_complied",
        )
        outcome = np.where(past, outcome, "")
        # Some recent appointments that went ahead have no outcome recorded yet (overdue on the to-do list).
        pending = (
            past
            & (day > self.last_outcome_day - params.OUTCOME_NOT_RECORDED_DAYS)
            & (outcome == "attended_complied")
            & (rng.random(len(row)) < params.OUTCOME_NOT_RECORDED_SHARE)
        )
        outcome = np.where(pending, "", outcome)
        return {
            "row": row,
            "day": day,
            "starts_at": starts_at,
            "type": ctype,
            "outcome": outcome,
            "counted": counted,
            "p0": p_unacceptable,
            "p1": biased,
        }

    def person_index(self, row: np.ndarray) -> np.ndarray:
        return row  # one sentence per person: a sentence's row is its person's row

    def enforcement(
        self, contacts, termination, reason, kind, rosh, tier_number, allocated_from
    ) -> list[Table]:
        """Decide every unacceptable failure in time order, by the rules plus human discretion."""
        rng, period = self.rng, self.period
        failures = np.flatnonzero(np.isin(contacts["outcome"], ["fta_unacceptable", "attended_failed"]))
        n = len(failures)
        row = contacts["row"][failures]
        delay = rng.integers(params.DECISION_DELAY_DAYS[0], params.DECISION_DELAY_DAYS[1] + 1, n)
        decided_day = contacts["day"][failures] + delay
        decided_at = self.local.utc(decided_day, rng.integers(10 * 3600, 17 * 3600, n))
        month = period.month(decided_day)
        # Baselines and their biased versions, vectorised; the loop below only walks the rules.
        p_breach = np.full(n, params.BREACH_BASE)
        p_breach_b = with_odds(p_breach, self.bias_for("breach", month, row))
        p_recall = expit(
            logit(params.RECALL_BASE) + params.RECALL_ROSH_HIGH_BONUS * np.isin(rosh[row], ["H", "V"])
        )
        p_recall_b = with_odds(p_recall, self.bias_for("recall", month, row))
        draw, draw2, draw3 = rng.random(n), rng.random(n), rng.random(n)
        recall_type = pick(rng, params.RECALL_TYPES, n)
        outcome_delay = rng.integers(20, 40, n)
        groups = self.person["group"]

        decision_rows: dict[str, list] = defaultdict(list)
        outcome_rows: dict[str, list] = defaultdict(list)
        # Every warning given on each sentence, as (when, local day): a failure can come before the decision on
        # an earlier one, so the warning that stands for it is the latest given before it, not the latest given.
        warnings: dict[int, list[tuple[int, int]]] = defaultdict(list)
        last_decision = self.last_decision = np.full(len(kind), -1)
        truth_breach: list[tuple[int, float, float]] = []
        truth_recall: list[tuple[int, float, float]] = []
        starts = contacts["starts_at"]
        for i, f in enumerate(failures.tolist()):
            r = int(row[i])
            if termination[r] >= 0 and contacts["day"][f] > termination[r]:
                continue  # the sentence had already ended
            if decided_day[i] > self.last_outcome_day or decided_day[i] > self.sentence["expected_end"][r]:
                continue  # not decided yet: an outstanding enforcement decision
            if termination[r] >= 0 and decided_day[i] > termination[r]:
                continue  # the sentence ended before anyone decided
            failure_at = int(starts[f])
            standing = [day for at, day in warnings[r] if at < failure_at]
            proposed = rules.proposed_decision(
                kind[r],
                failure_on=day_date(int(contacts["day"][f])),
                last_warning_on=day_date(max(standing)) if standing else None,
            )
            # The practitioner's discretion: the proposed step, or something less.
            if proposed in RECALLS:
                truth_recall.append((r, p_recall[i], p_recall_b[i]))
                decision = Decision(recall_type[i]) if draw[i] < p_recall_b[i] else lesser(draw2[i], 0.6)
            elif proposed == Decision.BREACH:
                truth_breach.append((r, p_breach[i], p_breach_b[i]))
                decision = Decision.BREACH if draw[i] < p_breach_b[i] else lesser(draw2[i], 0.7)
            else:
                decision = lesser(draw[i], params.WARNING_WHEN_PROPOSED)
            if decision == Decision.WARNING:
                warnings[r].append((int(decided_at[i]), int(decided_day[i])))
            decision_rows["row"].append(r)
            decision_rows["contact"].append(f)
            decision_rows["decision"].append(decision.value)
            decision_rows["proposed"].append(proposed.value)
            decision_rows["decided_at"].append(int(decided_at[i]))
            decision_rows["day"].append(int(decided_day[i]))
            last_decision[r] = int(decided_day[i])
            rationales = RATIONALES[decision]
            decision_rows["rationale"].append(rationales[int(draw3[i] * len(rationales))])
            # What became of a breach or recall, and whether it ended the sentence.
            if decision in rules.OUTCOMES_OF:
                outcome_day = int(decided_day[i] + (outcome_delay[i] if decision == Decision.BREACH else 1))
                if outcome_day <= self.last_outcome_day:
                    if decision == Decision.BREACH:
                        proven = draw2[i] < params.BREACH_PROVEN
                        result = (
                            DecisionOutcome.BREACH_PROVEN if proven else DecisionOutcome.BREACH_NOT_PROVEN
                        )
                        ends = proven and draw3[i] < params.REVOKED_IF_PROVEN
                        why = TerminationReason.REVOKED_BREACH
                    else:
                        approved = draw2[i] < params.RECALL_APPROVED
                        result = (
                            DecisionOutcome.RECALL_APPROVED if approved else DecisionOutcome.RECALL_REJECTED
                        )
                        ends, why = approved, TerminationReason.RECALLED
                    outcome_rows["decision_index"].append(len(decision_rows["row"]) - 1)
                    outcome_rows["outcome"].append(result.value)
                    outcome_rows["day"].append(outcome_day)
                    outcome_rows["row"].append(r)
                    if ends and outcome_day <= self.sentence["expected_end"][r]:
                        termination[r], reason[r] = max(outcome_day, int(allocated_from[r])), why.value
        for measure, items in (("breach", truth_breach), ("recall", truth_recall)):
            if items:
                rows = np.array([x[0] for x in items])
                self.truth.add(
                    measure,
                    self.p,
                    groups[rows],
                    np.array([x[1] for x in items]),
                    np.array([x[2] for x in items]),
                )
        self._decisions = decision_rows
        self._outcomes = outcome_rows
        return []  # written after the contacts, which they reference

    def write_contacts(self, contacts, termination, sentence_id, person_id) -> list[Table]:
        rng = self.rng
        row, day = contacts["row"], contacts["day"]
        keep = (termination[row] < 0) | (day <= termination[row])
        # The truth counts the missed appointments that are loaded (not those after a sentence ended).
        counted = contacts["counted"] & keep
        self.truth.add(
            "unacceptable_absence",
            self.p,
            self.person["group"][row][counted],
            contacts["p0"][counted],
            contacts["p1"][counted],
        )
        index_map = np.cumsum(keep) - 1  # position of each kept contact among the kept ones
        n = int(keep.sum())
        contact_id = self.ids.take("cases_contact", n)
        outcome = contacts["outcome"][keep]
        has_outcome = outcome != ""
        starts_at = contacts["starts_at"][keep]
        recorded_at = starts_at + rng.integers(3600, 4 * 3600, n)
        who = self.holder_at(row[keep], day[keep])
        created = np.where(has_outcome, recorded_at, starts_at - 7 * DAY)
        ctype = contacts["type"][keep]
        location = np.where(
            ctype == "home_visit",
            "Home address",
            np.where(ctype == "unpaid_work", "Unpaid work project", "Probation office"),
        )
        location = np.where(np.isin(ctype, ["phone", "video"]), "", location)
        notes = np.where(
            outcome == "attended_complied",
            "Reviewed progress against the sentence plan.",
            np.where(has_outcome, "See the enforcement record.", ""),
        )
        tables = [
            Table(
                "cases_contact",
                {
                    "id": contact_id,
                    "created_at": as_datetimes(created),
                    "modified_at": as_datetimes(created),
                    "person_id": person_id[row[keep]],
                    "sentence_id": sentence_id[row[keep]],
                    "type": ctype,
                    "starts_at": as_datetimes(starts_at),
                    "location": location,
                    "outcome": outcome,
                    "notes": notes,
                    "recorded_by_id": who,
                    "outcome_recorded_at": as_datetimes(recorded_at),
                    "outcome_recorded_by_id": who,
                    # Booked with the case's practitioner (the practitioner's week lists them by this).
                    "with_staff_id": who,
                    "mode": np.select([ctype == "phone", ctype == "video"], ["phone", "video"], "in_person"),
                    "duration_minutes": np.select(
                        [ctype == "unpaid_work", np.isin(ctype, ["phone", "video"])], [420, 30], 60
                    ),
                },
                nulls={"outcome_recorded_at": ~has_outcome, "outcome_recorded_by_id": ~has_outcome},
            )
        ]

        d = self._decisions
        if d["row"]:
            m = len(d["row"])
            decision_id = self.ids.take("cases_enforcementdecision", m)
            tables.append(
                Table(
                    "cases_enforcementdecision",
                    {
                        "id": decision_id,
                        "sentence_id": sentence_id[np.array(d["row"])],
                        "decision": d["decision"],
                        "proposed": d["proposed"],
                        "rationale": d["rationale"],
                        "decided_by_id": self.holder_at(np.array(d["row"]), np.array(d["day"])),
                        "decided_at": as_datetimes(np.array(d["decided_at"])),
                        "corrects_id": np.zeros(m, dtype=np.int64),
                    },
                    nulls={"corrects_id": np.ones(m, bool)},
                )
            )
            tables.append(
                Table(
                    "cases_enforcementdecision_triggering_contacts",
                    {
                        "id": self.ids.take("cases_enforcementdecision_triggering_contacts", m),
                        "enforcementdecision_id": decision_id,
                        "contact_id": contact_id[index_map[np.array(d["contact"])]],
                    },
                )
            )
            o = self._outcomes
            if o["outcome"]:
                k = len(o["outcome"])
                recorded = self.local.utc(np.array(o["day"]), np.full(k, 12 * 3600))
                tables.append(
                    Table(
                        "cases_enforcementoutcome",
                        {
                            "id": self.ids.take("cases_enforcementoutcome", k),
                            "decision_id": decision_id[np.array(o["decision_index"])],
                            "outcome": o["outcome"],
                            "outcome_date": as_dates(np.array(o["day"])),
                            "recorded_by_id": self.holder_at(np.array(o["row"]), np.array(o["day"])),
                            "recorded_at": as_datetimes(recorded),
                        },
                    )
                )
        return tables

    def offence_dates(self, start: np.ndarray, dob: np.ndarray) -> np.ndarray:
        """The date of the offences of each sentence: some weeks or months before the date of sentence (before
        the custody sentence, for a licence), never before the person was 10."""
        rng, episode = self.rng, self.sentence["episode_start"]
        before = rng.integers(*params.OFFENCE_BEFORE_SENTENCE_DAYS, len(start))
        return np.minimum(np.maximum(episode - before, dob + 10 * 365 + 3), episode)

    def earlier_sentences(self, ids: np.ndarray, **a) -> dict:
        """The sentences before the current one: the custody sentence each licence or PSS follows (released on
        the licence's first day, as ``record_release`` records it: terminated "released", the licence pointing
        at it), the licence between custody and PSS (completed at the sentence's expiry), and for some people
        an earlier court order, completed before this spell. Returns the tables and what the allocations and
        offences need."""
        rng = self.rng
        custody_rows = np.flatnonzero(a["after_custody"])
        licence_rows = np.flatnonzero(a["pss"])
        previous_rows = np.flatnonzero(a["previous"])
        k1, k2 = len(custody_rows), len(licence_rows)
        custody_ids, licence_ids, previous_ids = ids[:k1], ids[k1 : k1 + k2], ids[k1 + k2 :]
        person_id, court = a["person_id"], a["court"]
        c_start, released = a["custody_start"][custody_rows], a["released"][custody_rows]
        crown = np.full(k1, f"{self.org.pdu_codes[self.p]} Crown Court")

        def created(days: np.ndarray) -> np.ndarray:
            return as_datetimes(
                self.local.utc(np.maximum(days, self.local.first), np.full(len(days), 9 * 3600))
            )

        custody_table = Table(
            "cases_sentence",
            {
                "id": custody_ids,
                "created_at": created(c_start),
                "modified_at": created(released),
                "person_id": person_id[custody_rows],
                "type": np.full(k1, "CUS"),
                "court": crown,
                "start_date": as_dates(c_start),
                "expected_end_date": as_dates(released),
                "termination_date": as_dates(released),
                "termination_reason": np.full(k1, TerminationReason.RELEASED.value),
                "length": a["custody_months"][custody_rows],
                "length_unit": np.full(k1, "months"),
                "custody_id": np.zeros(k1, dtype=np.int64),
            },
            nulls={"custody_id": np.ones(k1, bool)},
        )
        # A previous court order: a community order (with a RAR) or a suspended sentence order, completed.
        k3 = len(previous_rows)
        previous_kind = np.where(rng.random(k3) < 0.6, "CO", "SSO")
        p_start, p_end = a["previous_start"][previous_rows], a["previous_end"][previous_rows]
        parent_of = dict(zip(custody_rows.tolist(), custody_ids.tolist(), strict=True))
        l_release, l_end = a["released"][licence_rows], a["licence_end"][licence_rows]
        others = Table(
            "cases_sentence",
            {
                "id": np.concatenate([licence_ids, previous_ids]),
                "created_at": np.concatenate([created(l_release), created(p_start)]),
                "modified_at": np.concatenate([created(l_end), created(p_end)]),
                "person_id": np.concatenate([person_id[licence_rows], person_id[previous_rows]]),
                "type": np.concatenate([np.full(k2, "LIC"), previous_kind]),
                "court": np.concatenate(
                    [court[licence_rows], np.full(k3, f"{self.org.pdu_codes[self.p]} Magistrates' Court")]
                ),
                "start_date": as_dates(np.concatenate([l_release, p_start])),
                "expected_end_date": as_dates(np.concatenate([l_end, p_end])),
                "termination_date": as_dates(np.concatenate([l_end, p_end])),
                "termination_reason": np.full(k2 + k3, TerminationReason.COMPLETED.value),
                "length": np.zeros(k2 + k3, dtype=np.int64),
                "length_unit": np.full(k2 + k3, ""),
                "custody_id": np.array(
                    [parent_of[r] for r in licence_rows.tolist()] + [0] * k3, dtype=np.int64
                ),
            },
            nulls={
                "length": np.ones(k2 + k3, bool),
                "custody_id": np.r_[np.zeros(k2, bool), np.ones(k3, bool)],
            },
        )
        previous_offence = pick(rng, params.OFFENCE_SHARES["community"], k3)
        previous_committed = np.maximum(
            p_start - rng.integers(*params.OFFENCE_BEFORE_SENTENCE_DAYS, k3),
            a["dob"][previous_rows] + 10 * 365 + 3,
        )
        return {
            "sentences": [custody_table, others],
            "custody_id": custody_ids,
            "custody_rows": custody_rows,
            "custody_start": c_start,
            "released": released,
            "licence_rows": licence_rows,
            "licence_ids": licence_ids,
            "licence_end": l_end,
            "previous_rows": previous_rows,
            "previous_ids": previous_ids,
            "previous_kind": previous_kind,
            "previous_offence": previous_offence,
            "previous_committed": previous_committed,
        }

    def history_offences(self, history: dict, rows: dict, committed: np.ndarray) -> list[Table]:
        """The earlier sentences' offences (and a previous community order's RAR): the custody sentence and the
        licence between it and PSS carry the offences of the sentence that follows (``record_release`` copies
        them from custody to the licence)."""
        parts = []
        for person_rows, sentence_ids in (
            (history["custody_rows"], history["custody_id"]),
            (history["licence_rows"], history["licence_ids"]),
        ):
            target = np.full(len(committed), -1, dtype=np.int64)
            target[person_rows] = sentence_ids
            mine = target[rows["row"]] >= 0
            parts.append(
                {key: values[mine] for key, values in rows.items()} | {"sentence": target[rows["row"]][mine]}
            )
        k = len(history["previous_rows"])
        parts.append(
            {
                "row": history["previous_rows"],
                "sentence": history["previous_ids"],
                "category": history["previous_offence"],
                "is_main": np.ones(k, bool),
                "committed": history["previous_committed"],
                **{flag: np.zeros(k, bool) for flag in OFFENCE_FLAGS},
            }
        )
        merged = {key: np.concatenate([part[key] for part in parts]) for key in parts[-1]}
        order = np.lexsort((~merged["is_main"], merged["sentence"]))
        merged = {key: values[order] for key, values in merged.items()}
        m = len(order)
        tables = [
            Table(
                "cases_offence",
                {
                    "id": self.ids.take("cases_offence", m),
                    "sentence_id": merged["sentence"],
                    "category": merged["category"],
                    "description": np.full(m, ""),
                    "is_main": merged["is_main"],
                    "committed_on": as_dates(merged["committed"]),
                    **{flag: merged[flag] for flag in OFFENCE_FLAGS},
                },
            )
        ]
        orders = history["previous_kind"] == "CO"
        c = int(orders.sum())
        tables.append(
            Table(
                "cases_requirement",
                {
                    "id": self.ids.take("cases_requirement", c),
                    "sentence_id": history["previous_ids"][orders],
                    "type": np.full(c, "rar"),
                    "unpaid_work_hours": np.zeros(c, dtype=np.int64),
                    "rar_days": self.rng.choice([10, 20, 30], c),
                    "length_months": np.zeros(c, dtype=np.int64),
                    "status": np.full(c, "completed"),
                },
                nulls={"unpaid_work_hours": np.ones(c, bool), "length_months": np.ones(c, bool)},
            )
        )
        return tables

    def choose_practitioners(self, is_po: np.ndarray, allocated_from: np.ndarray) -> np.ndarray:
        """The practitioner each case goes to: one of the grade it needs, in proportion to their weight
        (contracted hours, the team's pressure, their own), in post on the day it is allocated (a joiner only
        after joining, a leaver only before leaving; otherwise someone in post all year)."""
        rng, period = self.rng, self.period
        chosen = np.zeros(len(is_po), dtype=np.int64)
        for grade, mask in (("PO", is_po), ("PSO", ~is_po)):
            ids, weight, started, left = self.org.pool(self.p, grade)
            rows = np.flatnonzero(mask)
            index = rng.choice(len(ids), len(rows), p=weight / weight.sum())
            day = allocated_from[rows]
            in_post = (started[index] <= day) & ((left[index] < 0) | (left[index] >= day))
            all_year = np.flatnonzero((left < 0) & (started <= period.start_day))
            if len(all_year) == 0:
                all_year = np.flatnonzero(left < 0)
            again = rng.choice(all_year, int((~in_post).sum()), p=weight[all_year] / weight[all_year].sum())
            index[~in_post] = again
            chosen[rows] = ids[index]
        return chosen

    def allocate_sensitive(
        self, practitioner: np.ndarray, is_po: np.ndarray, allocated_from: np.ndarray, sensitive: np.ndarray
    ) -> None:
        """Move the practitioner of each sensitive case (racially or religiously aggravated, hate crime) by any
        ``sensitive_allocation`` bias, in place, and add the expected allocations to each group of
        practitioners (by declared ethnicity) with and without it to the truth.

        Among the practitioners of the grade the case needs who are in post on the day it is allocated, each is
        chosen in proportion to their weight, times the multiplier where the bias applies to them: the odds that
        the case goes to the group rather than to someone else are multiplied by it. Only cases the bias moves
        are drawn again, from a stream of their own, so without such a bias every draw is as it was."""
        org, period = self.org, self.period
        self.truth.add("sensitive_allocation", self.p, SORTED_GROUPS[:0], np.zeros(0), np.zeros(0))
        rng: np.random.Generator | None = None
        month = period.month(allocated_from)
        for grade, needs in (("PO", is_po), ("PSO", ~is_po)):
            rows = np.flatnonzero(sensitive & needs)
            if len(rows) == 0:
                continue
            ids, weight, started, left = org.pool(self.p, grade)
            codes = self.staff_ethnicity[np.searchsorted(org.staff_ids, ids)].astype(str)
            day = allocated_from[rows][:, None]
            eligible = (started <= day) & ((left < 0) | (left >= day))
            all_year = (left < 0) & (started <= period.start_day)
            eligible[~eligible.any(axis=1)] = all_year if all_year.any() else left < 0
            before = np.where(eligible, weight, 0.0)
            multiplier = np.ones_like(before)
            for m in np.unique(month[rows]).tolist():
                multiplier[month[rows] == m] = self.bias.multipliers(
                    "sensitive_allocation",
                    ethnicity=codes,
                    region=np.full(len(ids), self.unit["region"][0]),
                    pdu=np.full(len(ids), self.unit["pdu"][0]),
                    month=m,
                )
            after = before * multiplier
            p0 = before / before.sum(axis=1, keepdims=True)
            p1 = after / after.sum(axis=1, keepdims=True)
            # The truth counts the allocations the measure does: those starting in the period.
            counted = allocated_from[rows] >= period.start_day
            groups = np.array([str(GROUP_OF_ETHNICITY[c or "NR"]) for c in codes.tolist()], dtype=str)
            member = (groups[:, None] == SORTED_GROUPS).astype(float)  # practitioner by group
            k = int(counted.sum())
            self.truth.add(
                "sensitive_allocation",
                self.p,
                np.tile(SORTED_GROUPS, k),
                (p0[counted] @ member).ravel(),
                (p1[counted] @ member).ravel(),
            )
            moved = (multiplier != 1.0).any(axis=1)
            if not moved.any():
                continue
            if rng is None:
                rng = recall._own_rng(self.rng, SENSITIVE_STREAM)
            chosen = (rng.random(int(moved.sum()))[:, None] > np.cumsum(p1[moved], axis=1)).sum(axis=1)
            practitioner[rows[moved]] = ids[np.minimum(chosen, len(ids) - 1)]

    def in_post_all_year(self, grade: np.ndarray) -> np.ndarray:
        """For each grade given, a practitioner of it in post all year (chosen by weight)."""
        rng, period = self.rng, self.period
        out = np.zeros(len(grade), dtype=np.int64)
        for g in ("PO", "PSO"):
            rows = np.flatnonzero(grade == g)
            ids, weight, started, left = self.org.pool(self.p, g)
            all_year = np.flatnonzero((left < 0) & (started <= period.start_day))
            if len(all_year) == 0:
                all_year = np.flatnonzero(left < 0)
            out[rows] = ids[rng.choice(all_year, len(rows), p=weight[all_year] / weight[all_year].sum())]
        return out

    def custody_allocations(self, history: dict, practitioner, allocated) -> list[Table]:
        """The custody case held before release by the practitioner who then holds the licence (as
        ``record_release`` carries it over), ending the day before release; and the licence before PSS, held by
        them to its end. Only where that practitioner was in post all along (a joiner's case was someone
        else's in custody, and is not shown)."""
        org, rng = self.org, self.rng
        rows = history["custody_rows"]
        who = practitioner[rows]
        at = np.searchsorted(org.staff_ids, who)
        started, left = org.staff_start[at], org.staff_end[at]
        begin = history["custody_start"] + rng.integers(0, 10, len(rows))
        until = history["released"] - 1
        is_pss = np.isin(rows, history["licence_rows"])
        licence_end = np.zeros(len(rows), dtype=np.int64)
        licence_end[is_pss] = history["licence_end"]
        held_to = np.where(is_pss, licence_end, until)
        ok = allocated[rows] & (begin <= until) & (started <= begin) & ((left < 0) | (left >= held_to))
        licence_ids = np.zeros(len(rows), dtype=np.int64)
        licence_ids[is_pss] = history["licence_ids"]
        sentence = np.concatenate([history["custody_id"][ok], licence_ids[ok & is_pss]])
        whom = np.concatenate([who[ok], who[ok & is_pss]])
        start = np.concatenate([begin[ok], history["released"][ok & is_pss]])
        end = np.concatenate([until[ok], licence_end[ok & is_pss]])
        carried = np.r_[np.zeros(int(ok.sum()), bool), np.ones(int((ok & is_pss).sum()), bool)]
        order = np.argsort(sentence, kind="stable")
        sentence, whom, start, end, carried = (
            sentence[order],
            whom[order],
            start[order],
            end[order],
            carried[order],
        )
        m = len(sentence)
        rationale = np.where(
            carried,
            np.char.add("Carried over from the custody sentence on release (", as_dates(start)),
            "Allocated on grade, capacity and continuity.",
        )
        rationale = np.where(carried, np.char.add(rationale, ")."), rationale)
        return [
            Table(
                "cases_allocation",
                {
                    "id": self.ids.take("cases_allocation", m),
                    "sentence_id": sentence,
                    "practitioner_id": whom,
                    "start_date": as_dates(start),
                    "end_date": as_dates(end),
                    "reason": np.full(m, AllocationReason.NEW_CASE.value),
                    "rationale": rationale,
                    "allocated_by_id": org.spo_of(whom),
                    "allocated_at": as_datetimes(self.local.utc(start, np.full(m, 10 * 3600))),
                },
            )
        ]

    def offences(self, sentence_id, offence, custody, committed) -> tuple[list[Table], dict]:
        rng, n = self.rng, len(sentence_id)
        extra = rng.random(n) < 0.25
        sentence = np.concatenate([sentence_id, sentence_id[extra]])
        category = np.concatenate([offence, pick(rng, params.OFFENCE_SHARES["community"], int(extra.sum()))])
        main = np.concatenate([np.ones(n, bool), np.zeros(int(extra.sum()), bool)])
        m = len(sentence)
        racial = np.zeros(m, bool)
        for off, share in params.RACIALLY_AGGRAVATED.items():
            mask = category == off
            racial[mask] = rng.random(mask.sum()) < share
        domestic = np.zeros(m, bool)
        for off, share in params.DOMESTIC_ABUSE.items():
            mask = category == off
            domestic[mask] = rng.random(mask.sum()) < share
        order = np.argsort(sentence, kind="stable")
        row = np.concatenate([np.arange(n), np.flatnonzero(extra)])[order]
        values = {
            "row": row,
            "category": category[order],
            "is_main": main[order],
            "committed": committed[row],
            "racially_or_religiously_aggravated": racial[order],
            "hate_crime": (racial | (rng.random(m) < params.HATE_CRIME_EXTRA))[order],
            "domestic_abuse": domestic[order],
            "sexual": (category == "sexual")[order],
            "terrorism": (rng.random(m) < params.TERRORISM)[order],
        }
        # Which people carry each flag on any offence (their registrations follow from them).
        self.flags = {}
        for flag in ("domestic_abuse", "hate_crime", "terrorism"):
            has = np.zeros(n, bool)
            has[row[values[flag]]] = True
            self.flags[flag] = has
        table = Table(
            "cases_offence",
            {
                "id": self.ids.take("cases_offence", m),
                "sentence_id": sentence[order],
                "category": values["category"],
                "description": np.full(m, ""),
                "is_main": values["is_main"],
                "committed_on": as_dates(values["committed"]),
                **{flag: values[flag] for flag in OFFENCE_FLAGS},
            },
        )
        return [table], values

    def draw_requirements(self, kind) -> tuple[np.ndarray, np.ndarray]:
        """Which requirements each court order has (rows of the sentence arrays, and types)."""
        rng = self.rng
        orders = np.isin(kind, ["CO", "SSO"])
        rows, types = [], []
        for req, share in params.REQUIREMENT_SHARES.items():
            chosen = orders & (rng.random(len(kind)) < share)
            rows.append(np.flatnonzero(chosen))
            types.append(np.full(chosen.sum(), req))
        have = np.zeros(len(kind), bool)
        for r in rows:
            have[r] = True
        missing = np.flatnonzero((kind == "CO") & ~have)  # a community order has at least one requirement
        rows.append(missing)
        types.append(np.full(len(missing), "rar"))
        row = np.concatenate(rows)
        rtype = np.concatenate(types)
        order = np.lexsort((rtype, row))
        return row[order], rtype[order]

    def requirements(self, sentence_id, drawn, termination, reason) -> list[Table]:
        rng = self.rng
        row, rtype = drawn
        m = len(row)
        hours = rng.choice(np.arange(40, 301, 10), m, p=self.upw_weights())
        days = rng.choice([5, 10, 15, 20, 30, 40, 60], m)
        status = np.where(
            termination[row] >= 0, np.where(reason[row] == "completed", "completed", "terminated"), "active"
        )
        return [
            Table(
                "cases_requirement",
                {
                    "id": self.ids.take("cases_requirement", m),
                    "sentence_id": sentence_id[row],
                    "type": rtype,
                    "unpaid_work_hours": hours,
                    "rar_days": days,
                    "length_months": np.zeros(m, dtype=np.int64),
                    "status": status,
                },
                nulls={
                    "unpaid_work_hours": rtype != "unpaid_work",
                    "rar_days": rtype != "rar",
                    "length_months": np.ones(m, bool),
                },
            )
        ]

    @staticmethod
    def upw_weights() -> np.ndarray:
        hours = np.arange(40, 301, 10)
        weights = np.exp(-(((hours - 100) / 70.0) ** 2))
        return weights / weights.sum()

    def allocations(
        self, sentence_id, practitioner, allocated, allocated_from, termination, is_po
    ) -> list[Table]:
        rng, org, period = self.rng, self.org, self.period
        rows = np.flatnonzero(allocated)
        holder = practitioner[rows]
        left = org.staff_end[np.searchsorted(org.staff_ids, holder)]
        still_held = np.where(termination[rows] >= 0, termination[rows], period.end_day)
        # A practitioner who leaves hands on every case they still hold the day after (officer left).
        leaving = (left >= 0) & (left < still_held) & (left >= allocated_from[rows])
        # Some other cases change hands during the period: a second allocation, the first ending the day before.
        moves = rows[~leaving & (rng.random(len(rows)) < params.REALLOCATION_SHARE)]
        earliest = np.maximum(allocated_from[moves], period.start_day) + 14
        move_day = rng.integers(earliest, np.maximum(earliest + 1, period.end_day))
        ok = (move_day < np.where(termination[moves] >= 0, termination[moves], period.end_day)) & (
            move_day > allocated_from[moves]
        )
        moves, move_day = moves[ok], move_day[ok]
        forced, forced_day = rows[leaving], left[leaving] + 1
        moves = np.concatenate([moves, forced])
        move_day = np.concatenate([move_day, forced_day])
        why_moved = np.concatenate(
            [
                np.where(
                    rng.random(len(moves) - len(forced)) < 0.6,
                    AllocationReason.CASELOAD_ADJUSTMENT.value,
                    AllocationReason.CHANGE_OF_ADDRESS.value,
                ),
                np.full(len(forced), AllocationReason.OFFICER_LEFT.value),
            ]
        )
        new = self.in_post_all_year(np.where(is_po[moves], "PO", "PSO"))
        differs = new != practitioner[moves]
        moves, move_day, new, why_moved = moves[differs], move_day[differs], new[differs], why_moved[differs]
        order = np.argsort(moves, kind="stable")
        moves, move_day, new, why_moved = moves[order], move_day[order], new[order], why_moved[order]
        first_end = np.where(termination[rows] >= 0, termination[rows], -1)
        moved = np.isin(rows, moves)
        first_end[moved] = move_day[np.searchsorted(moves, rows[moved])] - 1
        second_end = np.where(termination[moves] >= 0, termination[moves], -1)
        row = np.concatenate([rows, moves])
        whom = np.concatenate([practitioner[rows], new])
        start = np.concatenate([allocated_from[rows], move_day])
        end = np.concatenate([first_end, second_end])
        why = np.concatenate([np.full(len(rows), AllocationReason.NEW_CASE.value), why_moved])
        order = np.lexsort((start, row))
        row, whom, start, end, why = row[order], whom[order], start[order], end[order], why[order]
        m = len(row)
        self.holder = (row, whom, start)  # who held each sentence from when, for contacts and decisions
        return [
            Table(
                "cases_allocation",
                {
                    "id": self.ids.take("cases_allocation", m),
                    "sentence_id": sentence_id[row],
                    "practitioner_id": whom,
                    "start_date": as_dates(start),
                    "end_date": as_dates(np.maximum(end, 0)),
                    "reason": why,
                    "rationale": np.select(
                        [why == AllocationReason.NEW_CASE.value, why == AllocationReason.OFFICER_LEFT.value],
                        [
                            "Allocated on grade, capacity and continuity.",
                            "Reallocated: the officer left the PDU.",
                        ],
                        "Reallocated within the PDU.",
                    ),
                    "allocated_by_id": org.spo_of(whom),
                    "allocated_at": as_datetimes(self.local.utc(start, np.full(m, 10 * 3600))),
                },
                nulls={"end_date": end < 0},
            )
        ]

    def referrals(self, allocated, allocated_from, termination, sentence_id, person_id, sex):
        rng, period, group = self.rng, self.period, self.person["group"]
        active_from = np.maximum(allocated_from, period.start_day)
        active_to = np.where(
            termination >= 0, np.minimum(termination, self.last_outcome_day), self.last_outcome_day
        )
        can = allocated & (active_to > active_from + 1)
        rows_all, areas_all, days_all = [], [], []
        for service, base in params.REFERRAL_BASE.items():
            eligible = can & ((sex == "F") if service == "womens" else True)
            made_day = rng.integers(active_from, np.maximum(active_to, active_from + 1))
            p0 = np.full(len(sex), base)
            p1 = with_odds(p0, self.bias_for(f"referral:{service}", period.month(made_day)))
            self.truth.add(f"referral:{service}", self.p, group[eligible], p0[eligible], p1[eligible])
            chosen = eligible & (rng.random(len(sex)) < p1)
            rows_all.append(np.flatnonzero(chosen))
            areas_all.append(np.full(chosen.sum(), service))
            days_all.append(made_day[chosen])
        row = np.concatenate(rows_all)
        area = np.concatenate(areas_all)
        made = np.concatenate(days_all)
        order = np.lexsort((area, made, row))
        row, area, made = row[order], area[order], made[order]
        m = len(row)
        referral_id = self.ids.take("cases_referral", m)
        limit = self.last_outcome_day
        u1, u2, u3 = rng.random(m), rng.random(m), rng.random(m)
        step = rng.integers(3, 21, (m, 3))
        d1 = made + step[:, 0]
        d2 = d1 + step[:, 1]
        d3 = d2 + 40 + step[:, 2] * 3
        first = np.where(
            u1 < params.REFERRAL_ACCEPTED,
            "accepted",
            np.where(u1 < params.REFERRAL_ACCEPTED + params.REFERRAL_DECLINED, "declined", "withdrawn"),
        )
        started = (first == "accepted") & (u2 < params.REFERRAL_STARTED)
        p0 = np.full(m, params.REFERRAL_COMPLETED)
        p1 = with_odds(p0, self.bias_for("referral_completed", period.month(np.minimum(d3, limit)), row))
        counted = started & (d3 <= limit)
        self.truth.add("referral_completed", self.p, group[row][counted], p0[counted], p1[counted])
        completed = started & (u3 < p1)
        who = self.holder_at(row, made)
        changes: dict[str, list] = defaultdict(list)
        status = np.full(m, "made", dtype="<U10")
        changed = made.copy()
        for i in range(m):
            steps = [("made", made[i])]
            if d1[i] <= limit:
                steps.append((first[i], d1[i]))
                if started[i] and d2[i] <= limit:
                    steps.append(("started", d2[i]))
                    if d3[i] <= limit:
                        steps.append(("completed" if completed[i] else "withdrawn", d3[i]))
            for s, day in steps:
                changes["referral"].append(i)
                changes["status"].append(s)
                changes["day"].append(day)
            status[i], changed[i] = steps[-1]
        tables = [
            Table(
                "cases_referral",
                {
                    "id": referral_id,
                    "created_at": as_datetimes(self.local.utc(made, np.full(m, 11 * 3600))),
                    "modified_at": as_datetimes(self.local.utc(changed, np.full(m, 11 * 3600))),
                    "person_id": person_id[row],
                    "sentence_id": sentence_id[row],
                    "service_area": area,
                    "provider": np.full(m, ""),
                    "reason": np.array([REFERRAL_REASONS[a] for a in area.tolist()], dtype=object),
                    "made_on": as_dates(made),
                    "made_by_id": who,
                    "status": status,
                    "status_changed_on": as_dates(changed),
                },
            )
        ]
        k = len(changes["status"])
        index = np.array(changes["referral"], dtype=np.int64)
        tables.append(
            Table(
                "cases_referralstatuschange",
                {
                    "id": self.ids.take("cases_referralstatuschange", k),
                    "referral_id": referral_id[index],
                    "status": changes["status"],
                    "changed_on": as_dates(np.array(changes["day"], dtype=np.int64)),
                    "changed_by_id": who[index],
                    "note": np.full(k, ""),
                },
            )
        )
        return tables

    def holder_at(self, row: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Who held each sentence on each day (the latest allocation starting on or before it)."""
        h_row, h_who, h_start = self.holder
        key = h_row.astype(np.int64) * 1_000_000 + h_start
        position = np.searchsorted(key, row.astype(np.int64) * 1_000_000 + day, side="right") - 1
        position = np.maximum(position, np.searchsorted(h_row, row))
        return h_who[position]
