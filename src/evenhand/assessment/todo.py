"""Assessments due or overdue on the to-do list: the initial assessment of each sentence that calls for one,
and the review of the latest completed assessment, by the rules in ``cases.todo``.

``cases`` may not read assessments (ADR 4), so this is a to-do source the app registers into
``cases.agenda`` when it starts (``AssessmentConfig.ready``): one query for any caseload, whatever its size.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery

from evenhand.cases import todo
from evenhand.cases.agenda import People, TodoItem
from evenhand.cases.models import Sentence, SentenceType
from evenhand.core.formatting import date_text
from evenhand.org.models import StaffMember

from .models import FINISHED, Assessment, AssessmentKind


def _finished() -> Any:
    """The person's completed assessments of their case (not those written for a pre-sentence report)."""
    return Assessment.objects.filter(person_id=OuterRef("person_id"), status__in=FINISHED).exclude(
        kind=AssessmentKind.PSR
    )


def assessments_due(people: People, viewer: StaffMember, today: dt.date) -> Iterable[TodoItem]:
    """For each running sentence that calls for an assessment and has none completed for it or since it started:
    the assessment, due by 15 working days after the start. For each person with such a sentence whose latest
    completed assessment is older: its review, once overdue (one item a person). One query."""
    running = Q(termination_date__isnull=True) | Q(termination_date__gte=today)
    rows = (
        Sentence.objects.filter(person_id__among=people, type__in=todo.ASSESSED_SENTENCES)
        .filter(running)
        .annotate(
            assessed=Exists(
                _finished().filter(
                    Q(sentence_id=OuterRef("pk")) | Q(completed_on__gte=OuterRef("start_date"))
                )
            ),
            last_completed=Subquery(_finished().order_by("-completed_on", "-id").values("completed_on")[:1]),
        )
        .order_by("start_date", "pk")
        .values_list("pk", "person_id", "type", "start_date", "assessed", "last_completed")
    )
    labels = dict(SentenceType.choices)
    items: list[TodoItem] = []
    waiting: set[int] = set()  # people with an initial assessment due: no review of an older one as well
    reviews: dict[int, TodoItem] = {}
    for pk, person_id, type_, start, assessed, last_completed in rows:
        if not assessed:
            if todo.assessment_due(start, today):
                deadline = todo.assessment_deadline(start)
                overdue = todo.assessment_overdue(start, today)
                label = str(labels[type_]).lower()
                items.append(
                    TodoItem(
                        kind=todo.TodoKind.ASSESSMENT,
                        person_id=person_id,
                        due=deadline,
                        overdue=overdue,
                        text=f"Assessment for the {label} {'was due' if overdue else 'is due'} by "
                        f"{date_text(deadline)}",
                        record_id=pk,
                    )
                )
                waiting.add(person_id)
            continue
        if person_id in reviews or not todo.assessment_review_overdue(last_completed, today):
            continue
        due = todo.assessment_review_due(last_completed)
        reviews[person_id] = TodoItem(
            kind=todo.TodoKind.ASSESSMENT,
            person_id=person_id,
            due=due,
            overdue=True,
            text=f"Review of the assessment completed on {date_text(last_completed)} was due by {date_text(due)}",
            record_id=pk,
        )
    return items + [item for person_id, item in reviews.items() if person_id not in waiting]
