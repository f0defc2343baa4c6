"""Benchmark assessments on PostgreSQL: every person's tier recomputed from the record, the assessment pages, and
a review prefilled from the previous assessment.

    createdb -h 127.0.0.1 -U postgres evenhand_assessment
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evenhand_assessment \\
        .venv/bin/python benchmarks/assessment.py --scale national

The database must be one you can spare: the script migrates it and, when it holds no staff yet, fills it with the
synthetic generator (``evenhand synth --scale … --seed 1``). The generator writes assessment summaries, not
assessments: the summaries are copied as the data migration does, and up to ``--answered`` of the complete ones
are followed by a complete review with predictors and answers to every section (drawn at random, scored by
``sections.py``), inserted in bulk, so that the tier reads needs and predictors as it would in service. A
database already filled is used as it is.

It times ``recompute_all`` over every person twice (the first run stores a tier for everyone, the second finds
nothing changed), the task list and a section page of an assessment (one request at a time through the real
views), and starting a review prefilled from the previous assessment. It prints the load average and ends with
``tier recompute national s: N; assessment page p95 ms: N`` (goals: under 60 s; under 150 ms). It is a
benchmark, not a test.
"""

import argparse
import random
import statistics
import time
from decimal import Decimal

from national import build, configure, load_average, percentile


def assessments(answered: int, seed: int) -> None:
    """Copy the summaries into assessments (as the data migration does) and answer every section of up to
    ``answered`` complete ones, with bulk inserts."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    from evenhand.assessment import sections as S
    from evenhand.assessment.models import Assessment, AssessmentKind, AssessmentStatus, SectionAnswer

    started = time.perf_counter()
    import_module("evenhand.assessment.migrations.0002_copy_assessment_summaries").copy(apps, None)
    rng = random.Random(seed)
    copied = list(
        Assessment.objects.filter(status=AssessmentStatus.COMPLETE, sections__isnull=True).values_list(
            "pk", "person_id", "sentence_id", "assessor_id", "completed_on"
        )[:answered]
    )
    # A finished assessment cannot be changed (the database refuses, migration assessment 0004): each copied
    # one is followed by a complete review with predictors and answers, inserted whole, and becomes locked,
    # the one change a complete assessment allows.
    reviews = Assessment.objects.bulk_create(
        [
            Assessment(
                person_id=person_id,
                sentence_id=sentence_id,
                kind=AssessmentKind.REVIEW,
                status=AssessmentStatus.COMPLETE,
                previous_id=pk,
                assessor_id=assessor_id,
                started_on=completed_on,
                completed_on=completed_on,
                ogrs=rng.randint(5, 94),
                rsr=Decimal(rng.randint(0, 900)) / 100,
            )
            for pk, person_id, sentence_id, assessor_id, completed_on in copied
        ],
        batch_size=5_000,
    )
    Assessment.objects.filter(pk__in=[row[0] for row in copied]).update(status=AssessmentStatus.LOCKED)
    ids = [review.pk for review in reviews]
    rows = []
    for n, assessment_id in enumerate(ids):
        for sec in S.SECTIONS:
            answers = {
                item.code: rng.choices(item.values, weights=(6, 3, 1) if len(item.values) == 3 else (3, 1))[0]
                for item in sec.items
            }
            score = S.section_score(sec, answers) if sec.items else None
            rows.append(
                SectionAnswer(
                    assessment_id=assessment_id,
                    section=sec.key,
                    answers=answers,
                    score=score,
                    severity=S.severity(sec, score) if score is not None else S.Severity.UNSCORED,
                    linked_to_harm=False,
                    linked_to_reoffending=score is not None and score > 2,
                    analysis=f"Analysis of {sec.title.lower()}",
                    complete=True,
                )
            )
        if len(rows) >= 24_000 or n == len(ids) - 1:
            # Bulk inserts skip save(): the rows are written as a completed assessment's would have been.
            SectionAnswer.objects.bulk_create(rows, batch_size=4_000)
            rows = []
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assessment_assessment; ANALYZE assessment_sectionanswer")
    print(
        f"  {Assessment.objects.count():,} assessments, {len(ids):,} answered, in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )


def time_page(client, url: str, runs: int) -> list[float]:
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", help="synthetic scale when the database is empty")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=40, help="timed requests per page")
    parser.add_argument("--answered", type=int, default=60_000, help="complete assessments given answers")
    arguments = parser.parse_args()
    configure()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from evenhand.assessment.models import Assessment, AssessmentStatus, TierCalculation
    from evenhand.assessment.services import recompute_all, start_assessment
    from evenhand.cases.models import Allocation
    from evenhand.org.models import StaffMember
    from evenhand.people.models import Person

    call_command("migrate", verbosity=0)
    if not StaffMember.objects.exists():
        build(arguments.scale, arguments.seed)
    if not Assessment.objects.filter(sections__isnull=False).exists():
        print("Assessments from the summaries, with answers …", flush=True)
        assessments(arguments.answered, arguments.seed)
    people = Person.objects.count()
    print(
        f"Database: {connection.vendor}, {people:,} people, {Assessment.objects.count():,} assessments, "
        f"{TierCalculation.objects.count():,} tiers stored",
        flush=True,
    )
    if TierCalculation.objects.exists():
        # Time the full recompute (a tier stored for everyone) on every run: the benchmark's own database.
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TierCalculation._meta.db_table}")
    print(f"load average before: {load_average()}", flush=True)

    started = time.perf_counter()
    first = recompute_all()
    recompute = time.perf_counter() - started
    print(
        f"  tier recompute, every person: {recompute:.1f} s ({first.changed:,} changed, {first.refused} refused)"
    )
    started = time.perf_counter()
    second = recompute_all()
    print(f"  again, nothing changed: {time.perf_counter() - started:.1f} s ({second.changed:,} changed)")

    # A practitioner's person with an answered, complete assessment.
    row = (
        Allocation.objects.filter(
            end_date__isnull=True,
            practitioner__end_date__isnull=True,
            sentence__person__full_assessments__status=AssessmentStatus.COMPLETE,
            sentence__person__full_assessments__sections__isnull=False,
        )
        .values_list("practitioner_id", "sentence__person_id")
        .first()
    )
    assert row is not None, "no allocated person with an answered assessment"
    practitioner = StaffMember.objects.get(pk=row[0])
    person = Person.objects.get(pk=row[1])
    if practitioner.user_id is None:
        practitioner.user, _ = get_user_model().objects.get_or_create(
            username=f"bench-{practitioner.staff_code.lower()}"
        )
        practitioner.save(update_fields=["user"])
    client = Client()
    client.force_login(practitioner.user)
    Assessment.objects.filter(person=person, status=AssessmentStatus.IN_PROGRESS).delete()
    started = time.perf_counter()
    review = start_assessment(by=practitioner, person=person)
    prefill_ms = (time.perf_counter() - started) * 1000
    print(
        f"  a review prefilled from the last assessment: {prefill_ms:.0f} ms ({review.prefilled_fields} fields)"
    )
    pages = [
        ("Assessment task list (a review)", reverse("assessment", args=[review.pk])),
        (
            "Section page (thinking and behaviour)",
            reverse("assessment-section", args=[review.pk, "thinking"]),
        ),
        ("Assessments and tier", reverse("assessments", args=[person.pk])),
        ("Tier with its working", reverse("person-tier", args=[person.pk])),
    ]
    worst = 0.0
    for name, url in pages:
        samples = time_page(client, url, arguments.runs)
        p50, p95 = statistics.median(samples), percentile(samples, 95)
        worst = max(worst, p95)
        print(f"  {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms", flush=True)
    Assessment.objects.filter(pk=review.pk).delete()
    print(f"load average after: {load_average()}")
    scale = "national" if people > 100_000 else f"{people:,} people"
    print(f"tier recompute {scale} s: {recompute:.1f}; assessment page p95 ms: {worst:.0f}")


if __name__ == "__main__":
    main()
