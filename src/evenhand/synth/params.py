"""Every distribution and rate the generator uses, in one place. docs/synthetic-data.md gives the source or the
reason for each; change them here and there together."""

# The 12 probation regions of England and Wales, with each region's share of the people under supervision
# (after HMPPS Offender Management Statistics, caseload by region, rounded).
REGIONS: list[tuple[str, str, float]] = [
    ("NE", "North East", 0.055),
    ("NW", "North West", 0.095),
    ("GM", "Greater Manchester", 0.075),
    ("YH", "Yorkshire and the Humber", 0.100),
    ("EM", "East Midlands", 0.080),
    ("WM", "West Midlands", 0.100),
    ("EE", "East of England", 0.080),
    ("WA", "Wales", 0.060),
    ("SW", "South West", 0.065),
    ("SC", "South Central", 0.070),
    ("KS", "Kent, Surrey and Sussex", 0.080),
    ("LN", "London", 0.140),
]

# Ethnic group among people whose ethnicity is recorded, London and elsewhere (after MoJ "Statistics on
# Race and the Criminal Justice System" and the 2021 census): about one in five minority ethnic nationally,
# far more in London.
GROUP_SHARES = {
    "london": {"white": 0.52, "black": 0.24, "asian": 0.12, "mixed": 0.08, "other": 0.04},
    "elsewhere": {"white": 0.86, "black": 0.04, "asian": 0.06, "mixed": 0.03, "other": 0.01},
}
# Within each group, the ONS 2021 categories (census shares within the group, rounded).
CATEGORY_SHARES = {
    "white": {"W1": 0.86, "W2": 0.02, "W3": 0.02, "W4": 0.01, "W5": 0.09},
    "black": {"B1": 0.45, "B2": 0.38, "B3": 0.17},
    "asian": {"A1": 0.12, "A2": 0.05, "A3": 0.25, "A4": 0.38, "A5": 0.20},
    "mixed": {"M1": 0.24, "M2": 0.12, "M3": 0.44, "M4": 0.20},
    "other": {"O1": 0.30, "O2": 0.70},
}
NOT_RECORDED_SHARE = 0.09  # about one case in ten (HM Inspectorate of Probation, race equality, 2021)
PREFER_NOT_TO_SAY_SHARE = 0.015
SELF_IDENTIFIED_SHARE = 0.85

# Sex and age of people on probation (Offender Management Statistics: about 86% men; ages skewed young).
MALE_SHARE = 0.86
AGE_MIN, AGE_MAX = 18, 80
AGE_GAMMA_SHAPE, AGE_GAMMA_SCALE = 2.0, 8.0  # 18 + Gamma(2, 8): median about 31, mean about 34
# Minority ethnic groups are younger on average (2021 census age structure).
AGE_SHIFT = {"white": 0.0, "black": -3.0, "asian": -3.0, "mixed": -5.0, "other": -2.0}

RELIGION_SHARES = {  # by ethnic group, among people with religion recorded (2021 census)
    "white": {
        "none": 0.50,
        "christian": 0.45,
        "buddhist": 0.01,
        "jewish": 0.005,
        "muslim": 0.01,
        "other": 0.025,
    },
    "black": {"none": 0.15, "christian": 0.60, "muslim": 0.22, "other": 0.03},
    "asian": {
        "none": 0.05,
        "christian": 0.04,
        "hindu": 0.20,
        "muslim": 0.58,
        "sikh": 0.10,
        "buddhist": 0.02,
        "other": 0.01,
    },
    "mixed": {"none": 0.45, "christian": 0.35, "muslim": 0.12, "other": 0.08},
    "other": {"none": 0.15, "christian": 0.20, "muslim": 0.55, "other": 0.10},
    "unknown": {"none": 0.45, "christian": 0.40, "muslim": 0.08, "other": 0.07},
}
RELIGION_NOT_RECORDED = 0.10
RELIGION_PREFER_NOT_TO_SAY = 0.03
DISABILITY_SHARES = {"yes": 0.30, "no": 0.58, "prefer_not_to_say": 0.03, "not_recorded": 0.09}
NOT_ENGLISH_FIRST_LANGUAGE = 0.08
INTERPRETER_IF_NOT_ENGLISH = 0.25

# Sentence types among people supervised (Offender Management Statistics, probation caseload: court orders,
# pre-release and post-release cases). Custody (CUS) is a case managed before release: in custody on the end
# date, released within 1 to 18 months. A licence or PSS follows a custody sentence of the same person.
SENTENCE_SHARES = {"CO": 0.30, "SSO": 0.17, "CUS": 0.22, "LIC": 0.25, "PSS": 0.06}
# Months of supervision in the community (for CUS: the whole sentence the court passed, half served in custody).
SENTENCE_MONTHS = {"CO": (6, 36), "SSO": (6, 24), "CUS": (6, 48), "LIC": (12, 36), "PSS": (12, 12)}
# The custody sentence before a PSS: more than a day and under two years (so PSS applies), in months.
PSS_CUSTODY_MONTHS = (4, 23)
# Released at the halfway point (standard determinate sentences); the licence runs to the sentence's expiry.
RELEASE_POINT = 0.5
# A custody case is managed from allocation; the expected release is within this many days of the end date.
CUSTODY_RELEASE_AFTER_END = (14, 540)
# Some people have served an earlier sentence (a court order, completed before the current one began).
PREVIOUS_SENTENCE_SHARE = 0.35
PREVIOUS_SENTENCE_MONTHS = (6, 24)
PREVIOUS_GAP_DAYS = (60, 1500)  # from the end of the earlier sentence to the start of the current episode
OFFENCE_BEFORE_SENTENCE_DAYS = (21, 300)  # from the date of the offence to the date of sentence

# Main offence group, by sentence kind (MoJ Criminal Justice Statistics, sentencing by offence group).
OFFENCE_SHARES = {
    "community": {
        "violence": 0.24,
        "theft": 0.16,
        "drugs": 0.10,
        "public_order": 0.09,
        "motoring": 0.09,
        "criminal_damage": 0.06,
        "weapons": 0.06,
        "fraud": 0.04,
        "burglary": 0.04,
        "sexual": 0.03,
        "summary_other": 0.06,
        "misc_society": 0.03,
    },
    "custody": {
        "violence": 0.28,
        "drugs": 0.16,
        "theft": 0.12,
        "burglary": 0.09,
        "robbery": 0.07,
        "sexual": 0.07,
        "weapons": 0.06,
        "public_order": 0.04,
        "fraud": 0.03,
        "criminal_damage": 0.03,
        "motoring": 0.03,
        "misc_society": 0.02,
    },
}
RACIALLY_AGGRAVATED = {
    "violence": 0.03,
    "public_order": 0.12,
    "criminal_damage": 0.03,
}  # share of that offence
HATE_CRIME_EXTRA = 0.005  # other hate crime flags (disability, sexual orientation, transgender identity)
DOMESTIC_ABUSE = {"violence": 0.35, "criminal_damage": 0.20, "public_order": 0.10, "misc_society": 0.15}
TERRORISM = 0.001

# Risk of serious harm by offence: (low, medium, high, very high).
ROSH = {
    "violence": (0.20, 0.50, 0.27, 0.03),
    "sexual": (0.10, 0.45, 0.38, 0.07),
    "robbery": (0.10, 0.50, 0.35, 0.05),
    "weapons": (0.25, 0.50, 0.23, 0.02),
    "default": (0.50, 0.43, 0.07, 0.00),
}
# Likelihood of reoffending (the tier number 0-3) rises with youth and a latent history of offending.
HISTORY_POISSON_MEAN = 3.0

REQUIREMENT_SHARES = {
    "unpaid_work": 0.55,
    "rar": 0.60,
    "programme": 0.12,
    "curfew": 0.15,
    "drug_treatment": 0.08,
    "alcohol_treatment": 0.06,
    "mental_health": 0.03,
    "residence": 0.02,
    "exclusion": 0.02,
}

# Allocation: a PO holds any case with high or very high RoSH or MAPPA; otherwise the chance of a PO falls
# with the tier letter (the workload model's grade guidance).
PO_SHARE_BY_TIER_LETTER = {"A": 0.85, "B": 0.70, "C": 0.50, "D": 0.30}
ALLOCATION_DAYS_MEAN = 4.0  # days from sentence to allocation, gamma with shape 2
REALLOCATION_SHARE = 0.08

# Staffing, calibrated against the workload model (workload.selectors.figures: case points by case type and
# tier over available points) so that a PDU runs at about TARGET_CAPACITY on the end date. POINTS_PER_PERSON is
# the workload points each grade's cases carry on the end date per person the PDU holds, measured on the
# generator's own output (tests/synth/test_calibration.py checks the result, not these numbers).
TARGET_CAPACITY = 1.12
POINTS_PER_PERSON = {"PO": 20.0, "PSO": 10.4}
# Teams differ (vacancies, sickness, a court team's share of the work): each team's share of the PDU's cases is
# scaled by a lognormal factor, and each practitioner's within it by another.
TEAM_PRESSURE_SIGMA = 0.16
PRACTITIONER_SIGMA = 0.18
# Staff who leave during the year (HMPPS workforce quarterly: band 4 PO 7.5%, band 3 PSO 11.8% leaving rate);
# most are replaced by a joiner of the same grade in the same team after a vacancy of 4 to 12 weeks.
LEAVING_RATE = {"PO": 0.075, "PSO": 0.118}
REPLACED_SHARE = 0.8
VACANCY_DAYS = (28, 84)

# Risk of serious harm reviews: at most six months apart (the next review due six months after a review);
# reviews are done 110 to 181 days after the last (six months are never fewer than 181 days); some cases are
# overdue on the end date.
ROSH_REVIEW_DUE_MONTHS = 6
ROSH_REVIEW_GAP_DAYS = (110, 181)
ROSH_REVIEW_OVERDUE_SHARE = 0.08

# Registrations on the national registers, beyond those that follow from the offence and MAPPA: the chance a
# person is on each (modelling choice). Reviewed every 6 months; some reviews overdue; some ended.
REGISTER_SHARES = {
    "child_protection": 0.03,
    "child_concerns": 0.04,
    "street_gangs": 0.02,
    "risk_to_staff": 0.02,
    "vulnerability": 0.05,
    "mental_health": 0.10,
    "self_harm": 0.05,
    "adult_at_risk": 0.01,
    "serious_organised_crime": 0.005,
}
REGISTRATION_REVIEW_DAYS = 182
REGISTRATION_OVERDUE_SHARE = 0.10
REGISTRATION_ENDED_SHARE = 0.15  # an earlier registration of the type, ended before the current one started

# Addresses: one to three, the latest current (no end date).
ADDRESS_COUNT = {1: 0.55, 2: 0.30, 3: 0.15}

# Diversity history: a share of people whose profile has a history, with a value that changed.
DIVERSITY_HISTORY_SHARE = 0.12

# Overdue outcomes: appointments in the last fortnight with the outcome not yet recorded.
OUTCOME_NOT_RECORDED_SHARE = 0.04
OUTCOME_NOT_RECORDED_DAYS = 14

# Contacts: the interval between appointments by tier letter (days); for orders with unpaid work, a share of
# those appointments are unpaid work sessions.
CONTACT_INTERVAL_DAYS = {"A": 7, "B": 7, "C": 9, "D": 12}
CONTACT_TYPES = {"office": 0.66, "home_visit": 0.08, "phone": 0.16, "video": 0.05, "other": 0.05}
# Outcomes: the chance of missing an appointment rises with youth, the tier number and drug treatment.
MISS_BASE_LOGIT = -2.9  # about 5% at the reference profile (older, tier number 0, no drug treatment)
# Logit increments: under 25, per point of tier number, and for an order with a drug rehabilitation requirement.
MISS_AGE_UNDER_25, MISS_PER_TIER_NUMBER, MISS_DRUGS = 0.35, 0.15, 0.40
UNACCEPTABLE_BASE = 0.30  # share of missed appointments judged unacceptable
ATTENDED_FAILED_TO_COMPLY = 0.002
RESCHEDULED = 0.03
FUTURE_APPOINTMENT_DAYS = 21
UNPAID_WORK_SESSION_SHARE = 0.40  # of the appointments of an order with unpaid work, held as work sessions

# Enforcement discretion: the baseline chance of each decision.
WARNING_WHEN_PROPOSED = 0.88  # otherwise no further action
BREACH_BASE = 0.70  # after a further failure within 12 months of a warning; otherwise a warning or NFA
RECALL_BASE = 0.35  # on licence; higher with high RoSH
RECALL_ROSH_HIGH_BONUS = 0.8  # on the logit scale
RECALL_TYPES = {"recall_standard": 0.60, "recall_fixed_term": 0.35, "recall_emergency": 0.05}
DECISION_DELAY_DAYS = (1, 5)
BREACH_PROVEN = 0.80
REVOKED_IF_PROVEN = 0.40
RECALL_APPROVED = 0.92

# Referrals: the chance a person is referred to each service in the year (women's services: women only).
REFERRAL_BASE = {
    "accommodation": 0.12,
    "ete": 0.15,
    "finance": 0.08,
    "dependency": 0.14,
    "wellbeing": 0.10,
    "family": 0.05,
    "womens": 0.45,
    "cultural_faith": 0.02,
}
REFERRAL_ACCEPTED, REFERRAL_DECLINED = 0.78, 0.12  # the rest are withdrawn
REFERRAL_STARTED = 0.85
REFERRAL_COMPLETED = 0.62

# Assessment: completed within 15 working days, and whether the diversity conversation was held in full.
ASSESSMENT_TIMELY = 0.72
DIVERSITY_DISCUSSED = 0.58
# A conversation not held in full: each topic discussed, declined or not yet (with the reason) at these shares.
TOPIC_DISCUSSED_IF_NOT_HELD = 0.40
TOPIC_DECLINED_IF_NOT_HELD = 0.15
# Reviews: due cases.todo.ASSESSMENT_REVIEW_MONTHS after the last completed assessment, begun from two
# weeks before to six weeks after that (some late), completed in 2 to 20 working days; kept from the period.
ASSESSMENT_REVIEW_START_DAYS = (-14, 43)
ASSESSMENT_REVIEW_WORKING_DAYS = (2, 21)
ASSESSMENT_MAX_REVIEWS = 16
SECTION_UNCHANGED_AT_REVIEW = 0.55  # a review confirms "no change" for this share of sections
REVIEW_IMPROVEMENT = 0.2  # latent need lower at a review (logit scale): supervision helps a little
# The latent need of each answered section (logit scale) before what the record says of the person; chosen so
# that about a third to a half of people have each need, thinking and behaviour the most common.
NEED_BASE = {
    "accommodation": -1.7,
    "ete": -1.0,
    "finance": -0.8,
    "relationships": -1.5,
    "lifestyle": -1.4,
    "drugs": -1.8,
    "alcohol": -0.8,
    "wellbeing": -0.8,
    "thinking": -0.4,
    "attitudes": -1.7,
}
PARENTING_SHARE = {"F": 0.55, "M": 0.30}  # item 6.9, has parenting responsibilities
LINKED_TO_HARM_BASE = 0.10  # a need linked to risk of serious harm: this plus 0.15 a RoSH level above low
RSR_MEDIAN = (1.2, 3.0, 5.5, 8.5)  # RSR by RoSH low, medium, high, very high (lognormal, sd 0.45)
COMPLETION_BASE = 0.70  # orders and licences reaching their end that are completed successfully

# Sentence plans (issue 14): a goal for each identified need, the person's agreement, what is done by a review.
PLAN_GOAL_PER_NEED = 0.85  # an identified need has a goal whose main need area it is
PLAN_AGREED = 0.80  # the person agrees the plan (otherwise does not agree 60%, could not answer 40%)
AGREED_WHEN_MADE = 0.70  # asked at the appointment the plan is made; otherwise 1 to 14 days later
GOAL_CITES_TOPIC = 0.25  # a goal cites a topic of the diversity conversation (when that topic was discussed)
PRACTITIONER_STEP_SHARE = 0.5  # a goal has the practitioner's step as well as the person's
GOAL_ACHIEVED_BY_REVIEW = 0.35  # a goal of a plan a review replaced had been achieved
# Pre-sentence reports: the share of sentences passed in the period with a report, its format, and the chance
# it proposes custody by the sentence passed (plus a little for high or very high RoSH).
PSR_SHARE = {"CO": 0.70, "SSO": 0.75, "CUS": 0.60}
PSR_FORMATS = {"fast_oral": 0.30, "fast_short": 0.45, "standard": 0.25}
PSR_CUSTODY = {"CO": 0.03, "SSO": 0.12, "CUS": 0.65}
PSR_CUSTODY_HIGH_ROSH = 0.08

# Review rounds (synth.reviews): the share of PDUs with completed rounds over the period, the sample of a case
# round and of each decision round (review.sampling's allocation: a minimum per stratum, the rest in
# proportion) and their double marking.
REVIEW_PDU_SHARE = 1.0
REVIEW_SAMPLE_SIZE = 120
REVIEW_DECISION_SAMPLE_SIZE = 40
REVIEW_MINIMUM_PER_STRATUM = 3
REVIEW_DOUBLE_MARK_SHARE = 0.10
# A key question is sufficient with probability expit(logit(REVIEW_SUFFICIENT) - REVIEW_CAPACITY_SLOPE x
# (capacity % - 100)): 75% at 100% capacity, about 52% at 130% and 88% at 70% (the inspectorate's
# finding that quality falls with caseload, as a simple logistic dependence).
REVIEW_SUFFICIENT = 0.75
REVIEW_CAPACITY_SLOPE = 0.035
REVIEW_NOT_APPLICABLE = 0.05  # a prompt other than a key question's first does not apply
REVIEW_AGREEMENT = 0.88  # a second marker's judgement of a key question agrees with the first's
