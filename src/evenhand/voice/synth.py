"""Synthetic safe voice data with declared effects (issue 16 item 10), so the quarterly summary, the survey
results and their tests have something real to show.

Everything goes through the services a reporter, a handler and a respondent use: each concern is raised
(content encrypted under its own key, wrapped for the receipt and sealed to the handler group's key; the
receipt hashed and thrown away), acknowledged, asked about and answered, tagged with themes, closed with a
written outcome and rated; each survey response is answered with a one-time token taken by a member of staff.
Nothing is written in plaintext. The services stamp everything with today's date, so the generator then sets
the days its schedule drew (received, acknowledged, closed, rated; the status log and the messages with them):
dates are plain columns, outside the encryption.

The receipts of synthetic concerns are never shown to anyone, so they are hashed, and their keys derived, at
the lowest Argon2id cost (recorded with each concern, as for any concern; nothing else changes).

**Declared effects** (``Effects``, the ground truth, written by ``evenhand voice_synth --truth FILE``):

- concerns about racism are upheld (upheld or partly upheld) less often in ``effect_region`` than elsewhere
  (``racism_upheld_in_region`` against ``upheld``);
- in the staff survey, Black respondents agree less often that they feel safe to raise racial
  discrimination (``black_safe_to_raise`` against ``safe_to_raise``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from evenhand.org.models import Grade, Region, StaffMember

from . import services, surveys
from .models import (
    Concern,
    ConcernKind,
    FairnessRating,
    Message,
    OutcomeCategory,
    Status,
    StatusChange,
    Survey,
    SurveyEthnicGroup,
    SurveyResponse,
)
from .summary import Quarter, publish

Progress = Callable[[str], None]
# The cheapest Argon2id libsodium and argon2-cffi allow: for receipts nobody will ever type.
_CHEAP_HASHING = {
    "VOICE_KDF_OPS": 1,
    "VOICE_KDF_MEM": 8192,
    "VOICE_HASH_TIME_COST": 1,
    "VOICE_HASH_MEMORY_KIB": 8,
    "VOICE_HASH_PARALLELISM": 1,
}
NOT_UPHELD = (
    OutcomeCategory.NOT_UPHELD,
    OutcomeCategory.COULD_NOT_INVESTIGATE,
    OutcomeCategory.RESOLVED_INFORMALLY,
    OutcomeCategory.REFERRED,
)
THEMES_OF_KIND = {
    "racism": ("micro-aggressions", "progression", "allocation", "management-response"),
    "bullying": ("threats", "management-response", "allocation"),
    "sexual-harassment": ("threats", "confidentiality"),
    "safeguarding": ("management-response", "confidentiality"),
    "other": ("allocation", "progression"),
}
WHAT_HAPPENED = {
    "racism": "Remarks about my background were made in a team meeting and laughed off when I raised them.",
    "bullying": "A colleague repeatedly undermines me in front of others and leaves me out of decisions.",
    "sexual-harassment": "Comments about my appearance made me uncomfortable and continued after I objected.",
    "safeguarding": "Home visits for a high-risk case have been put off for weeks without a plan.",
    "other": "Complaints from staff about the office are not passed on or answered.",
}


@dataclass(frozen=True)
class Effects:
    """The declared ground truth of the synthetic safe voice data."""

    concerns_per_quarter: int = 300
    # Shares of the kinds of concern (by code; kinds missing from the database are left out).
    kinds: dict[str, float] = field(
        default_factory=lambda: {
            "racism": 0.35,
            "bullying": 0.30,
            "sexual-harassment": 0.10,
            "safeguarding": 0.15,
            "other": 0.10,
        }
    )
    anonymous: float = 0.75
    region_not_given: float = 0.05
    # The share of closed concerns upheld or partly upheld; and of racism concerns in the effect region.
    upheld: float = 0.45
    racism_upheld_in_region: float = 0.15
    # The region with the effect: this code, or the first region by code when empty.
    effect_region: str = ""
    acknowledged_late: float = 0.10  # after the 7 days
    rated: float = 0.6
    survey_responses: int = 400
    safe_to_raise: float = 0.60  # agree or strongly agree
    black_safe_to_raise: float = 0.25
    black_share: float = 0.15

    def truth(self, region: str) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "effect_region": region}


@dataclass
class Generated:
    concerns: int = 0
    closed: int = 0
    rated: int = 0
    responses: int = 0
    effect_region: str = ""
    truth: dict[str, Any] = field(default_factory=dict)


def _effect_region(regions: Sequence[Region], effects: Effects) -> Region | None:
    if effects.effect_region:
        return next((r for r in regions if r.code == effects.effect_region), None)
    return min(regions, key=lambda r: r.code) if len(regions) > 1 else None


def _days(concern: Concern, **days: dt.date | None) -> None:
    fields = {name: day for name, day in days.items()}
    Concern.objects.filter(pk=concern.pk).update(**fields)


def generate_concerns(
    *,
    quarters: Sequence[Quarter],
    handler: StaffMember,
    passphrase: str,
    effects: Effects = Effects(),
    seed: int = 16,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Generated:
    """Raise, work, close and rate ``effects.concerns_per_quarter`` concerns received in each quarter (up to
    ``today``), through the services. ``handler`` must be a member of every group the concerns route to and
    hold its key (their ``passphrase`` opens it). Concerns whose outcome would fall after ``today`` stay open."""
    say = progress or (lambda _: None)
    rng = np.random.default_rng(seed)
    today = today or timezone.localdate()
    kinds = {k.code: k for k in ConcernKind.objects.filter(active=True, code__in=effects.kinds)}
    codes = [code for code in effects.kinds if code in kinds]
    shares = np.array([effects.kinds[code] for code in codes])
    shares = shares / shares.sum()
    regions = list(Region.objects.order_by("code"))
    effect_region = _effect_region(regions, effects)
    result = Generated(effect_region=effect_region.code if effect_region else "")
    result.truth = effects.truth(result.effect_region)
    private_key = services.unlock(staff=handler, passphrase=passphrase)
    with override_settings(**_CHEAP_HASHING):
        for quarter in quarters:
            last = min(quarter.end, today)
            if last < quarter.start:
                continue
            span = (last - quarter.start).days + 1
            for number in range(effects.concerns_per_quarter):
                code = str(rng.choice(codes, p=shares))
                region = None
                if regions and rng.random() >= effects.region_not_given:
                    region = regions[int(rng.integers(len(regions)))]
                received = quarter.start + dt.timedelta(days=int(rng.integers(span)))
                closed = _one_concern(
                    kinds[code], region, received, handler, private_key, effects, effect_region, rng, today
                )
                result.concerns += 1
                result.closed += closed[0]
                result.rated += closed[1]
                if number % 50 == 49:
                    say(f"{quarter}: {number + 1} concerns")
    return result


@transaction.atomic
def _one_concern(
    kind: ConcernKind,
    region: Region | None,
    received: dt.date,
    handler: StaffMember,
    private_key: bytes,
    effects: Effects,
    effect_region: Region | None,
    rng: np.random.Generator,
    today: dt.date,
) -> tuple[bool, bool]:
    anonymous = bool(rng.random() < effects.anonymous)
    submitted = services.raise_concern(
        kind=kind,
        region=region,
        answers={
            "what_happened": WHAT_HAPPENED.get(kind.code, WHAT_HAPPENED["other"]),
            "when": "In the last few weeks",
            "where": "",
            "who": "A colleague",
            "witnesses": "Nobody else",
            "outcome_wanted": "For it to be looked into and to stop",
        },
        anonymous=anonymous,
        identity="" if anonymous else "A member of staff (synthetic), by email",
    )
    concern, access = submitted.concern, submitted.access
    reference = concern.reference
    services.acknowledge(by=handler, reference=reference)
    late = rng.random() < effects.acknowledged_late
    acknowledged = received + dt.timedelta(days=int(rng.integers(8, 20) if late else rng.integers(1, 7)))
    if rng.random() < 0.5:
        services.send_message(
            by=handler,
            private_key=private_key,
            reference=reference,
            text="Thank you. Can you tell us roughly when?",
        )
        if rng.random() < 0.7:
            services.reporter_reply(
                access=access, text="It started about two months ago and is still happening."
            )
        services.change_status(by=handler, reference=reference, status=Status.LOOKING_INTO)
    themes = THEMES_OF_KIND.get(kind.code, ())
    if themes:
        chosen = rng.choice(themes, size=int(rng.integers(1, min(2, len(themes)) + 1)), replace=False)
        services.set_themes(by=handler, reference=reference, theme_codes=[str(t) for t in chosen])
    closed_on = received + dt.timedelta(days=int(rng.integers(14, 110)))
    closed_on = max(closed_on, acknowledged)
    outcome_days: dict[str, dt.date | None] = {}
    rated = False
    if closed_on <= today:
        rate = effects.upheld
        if kind.code == "racism" and effect_region is not None and region == effect_region:
            rate = effects.racism_upheld_in_region
        upheld = rng.random() < rate
        if upheld:
            category = OutcomeCategory.UPHELD if rng.random() < 0.6 else OutcomeCategory.PARTLY_UPHELD
        else:
            category = NOT_UPHELD[int(rng.choice(len(NOT_UPHELD), p=[0.55, 0.15, 0.2, 0.1]))]
        services.close_concern(
            by=handler,
            private_key=private_key,
            reference=reference,
            outcome="We looked into what you told us, spoke to the people involved and have decided what to do.",
            category=category,
        )
        outcome_days = {"closed_on": closed_on, "feedback_on": closed_on}
        if rng.random() < effects.rated:
            base = 4 if upheld else 2
            scores: dict[str, object] = {
                d: int(np.clip(base + rng.integers(-1, 2), 1, 5)) for d in FairnessRating.DIMENSIONS
            }
            services.rate_handling(access=access, scores=scores)
            FairnessRating.objects.filter(concern=concern).update(
                rated_on=min(closed_on + dt.timedelta(days=int(rng.integers(0, 10))), today)
            )
            rated = True
    _days(
        concern,
        received_on=received,
        acknowledge_by=received + services.ACKNOWLEDGE_WITHIN,
        feedback_by=services.add_months(received, services.FEEDBACK_WITHIN_MONTHS),
        acknowledged_on=acknowledged,
        **outcome_days,
    )
    # The log and the messages on the days they happened: arrival, acknowledgement, the rest in between.
    changes = list(
        StatusChange.objects.filter(concern=concern).order_by("position").values_list("pk", "status")
    )
    for pk, status in changes:
        day = {str(Status.RECEIVED): received, str(Status.CLOSED): closed_on}.get(str(status), acknowledged)
        StatusChange.objects.filter(pk=pk).update(changed_on=day)
    Message.objects.filter(concern=concern).update(sent_on=acknowledged)
    return bool(outcome_days), rated


def generate_survey(
    *,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    effects: Effects = Effects(),
    seed: int = 16,
) -> tuple[Survey, int]:
    """A staff survey answered by up to ``effects.survey_responses`` current members of staff, each with a
    one-time token taken through the service; the answers carry the declared effect. The survey is opened
    today (answers are taken only while it is open), then given its own days."""
    rng = np.random.default_rng(seed)
    today = timezone.localdate()
    survey = surveys.create_survey(title=title, opens_on=today, closes_on=today)
    staff = list(
        StaffMember.objects.filter(end_date__isnull=True)
        .exclude(grade__in=surveys.NOT_RESPONDENTS)
        .select_related("team__pdu__region")
        .order_by("pk")[: effects.survey_responses]
    )
    groups = [g for g in SurveyEthnicGroup.values if g not in ("black",)]
    answered = 0
    for member in staff:
        token = surveys.issue_token(survey=survey, staff=member)
        black = rng.random() < effects.black_share
        group = "black" if black else str(rng.choice(groups))
        agree = rng.random() < (effects.black_safe_to_raise if black else effects.safe_to_raise)
        answers: dict[str, object] = {
            name: int(rng.integers(4, 6) if agree else rng.integers(1, 4))
            if name == "safe_to_raise"
            else int(rng.integers(1, 6))
            for name in SurveyResponse.QUESTIONS
        }
        answers["complaint_satisfied"] = int(rng.integers(1, 6)) if rng.random() < 0.2 else None
        region = member.team.pdu.region if member.team is not None else None
        surveys.submit_response(
            survey=survey,
            token=token,
            answers=answers,
            ethnic_group=group if rng.random() > 0.05 else "",
            grade=member.grade if member.grade in Grade.values else "",
            region=region,
        )
        answered += 1
    Survey.objects.filter(pk=survey.pk).update(opens_on=opens_on, closes_on=closes_on)
    survey.refresh_from_db()
    return survey, answered


def write_truth(path: str, generated: Generated) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(generated.truth, file, indent=2, sort_keys=True)


def load_demo_data(*, lead: StaffMember, passphrase: str, today: dt.date | None = None) -> Generated:
    """For ``evenhand demo``: the last two ended quarters of concerns (a demo's volume), a closed staff survey
    and the last quarter's summary published by ``lead``, so every safe voice page has something to show."""
    today = today or timezone.localdate()
    last = Quarter.of(today).previous()
    effects = Effects(concerns_per_quarter=80, survey_responses=80)
    generated = generate_concerns(
        quarters=[last.previous(), last], handler=lead, passphrase=passphrase, effects=effects, today=today
    )
    _, generated.responses = generate_survey(
        title=f"Staff survey {last.label} (synthetic)",
        opens_on=last.start,
        closes_on=last.end,
        effects=effects,
    )
    publish(quarter=last, by=lead, on=today)
    return generated
