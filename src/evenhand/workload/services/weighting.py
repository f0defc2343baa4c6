"""Publishing weighting tables."""

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.services import require_text, validated
from evenhand.org.models import Role, StaffMember

from ..models import CaseType, CaseWeighting, TaskType, TaskWeighting, WeightingVersion
from ..rules import FIRST_VERSION_EFFECTIVE_FROM, PUBLISHED_WEIGHTINGS, TIER_ORDER


def _check_table(cases: Mapping[str, Mapping[str, int]], tasks: Mapping[str, int]) -> None:
    missing = [
        f"{case_type} {tier}"
        for case_type in CaseType.values
        for tier in TIER_ORDER
        if tier not in cases.get(case_type, {})
    ] + [task for task in TaskType.values if task not in tasks]
    if missing:
        raise ValidationError({"cases": f"The table has no figure for: {', '.join(missing)}"})
    points = [p for row in cases.values() for p in row.values()] + list(tasks.values())
    if any(not isinstance(p, int) or p < 0 for p in points):
        raise ValidationError({"cases": "Points must be whole numbers, 0 or more"})


def _create(
    *,
    number: int,
    effective_from: dt.date,
    nominal_target: int,
    source: str,
    cases: Mapping[str, Mapping[str, int]],
    tasks: Mapping[str, int],
    by: StaffMember | None,
) -> WeightingVersion:
    version = validated(
        WeightingVersion(
            number=number,
            effective_from=effective_from,
            nominal_target=nominal_target,
            source=require_text(source, "source", "where the figures come from"),
            published_by=by,
        )
    )
    version.save()
    CaseWeighting.objects.bulk_create(
        CaseWeighting(version=version, case_type=case_type, tier=tier, points=cases[case_type][tier])
        for case_type in CaseType.values
        for tier in TIER_ORDER
    )
    TaskWeighting.objects.bulk_create(
        TaskWeighting(version=version, task_type=task, points=tasks[task]) for task in TaskType.values
    )
    return version


@transaction.atomic
def publish_weighting_version(
    *,
    by: StaffMember,
    effective_from: dt.date,
    nominal_target: int,
    source: str,
    cases: Mapping[str, Mapping[str, int]],
    tasks: Mapping[str, int],
) -> WeightingVersion:
    """Publish a new weighting table, in force from ``effective_from`` (today or later, and after the latest
    version). Figures for earlier dates keep the version that was in force then."""
    if by.role != Role.ADMIN:
        raise PermissionDenied("Only an administrator publishes weighting tables.")
    if effective_from < timezone.localdate():
        raise ValidationError(
            {"effective_from": "A new table takes effect today or later; past figures keep theirs"}
        )
    latest = WeightingVersion.objects.select_for_update().order_by("-number").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationError(
            {"effective_from": f"A new table must take effect after {latest.effective_from:%-d %B %Y}"}
        )
    _check_table(cases, tasks)
    return _create(
        number=(latest.number + 1) if latest else 1,
        effective_from=effective_from,
        nominal_target=nominal_target,
        source=source,
        cases=cases,
        tasks=tasks,
        by=by,
    )


@transaction.atomic
def ensure_published_weightings() -> WeightingVersion:
    """Version 1 with the published figures, created if the database has no table at all (the data migration
    seeds it; a test database that was flushed may not have it)."""
    existing = WeightingVersion.objects.order_by("number").first()
    if existing is not None:
        return existing
    return _create(
        number=1,
        effective_from=FIRST_VERSION_EFFECTIVE_FROM,
        nominal_target=PUBLISHED_WEIGHTINGS.nominal_target,
        source=PUBLISHED_WEIGHTINGS.source,
        cases=PUBLISHED_WEIGHTINGS.cases,
        tasks=PUBLISHED_WEIGHTINGS.tasks,
        by=None,
    )
