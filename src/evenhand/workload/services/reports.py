"""A pre-sentence report in progress is its author's report task (``CountedTask``), counted in their workload
figure as any court report is: from the day it is started until the day it is delivered.

The assessment app, a lower layer, says when a report is started or delivered (``report_written``); this
receiver runs inside that transaction. It uses the court report already recorded for the author and the
person, if a manager recorded one by hand, rather than counting the same report twice; otherwise it records
one (fast or standard, due on the day of the hearing). A correction of a delivered report is not counted
again. Authors who hold no caseload (an SPO) have no counted tasks.
"""

from typing import Any

from evenhand.assessment.models import REPORT_FINISHED, REPORT_OPEN, PreSentenceReport

from ..models import CountedTask, TaskType
from ..selectors.figures import CASE_HOLDING_GRADES
from .capacity import complete_task, record_task

COURT_REPORTS = (TaskType.STANDARD_COURT_REPORT, TaskType.FAST_COURT_REPORT)


def _adopted(report: PreSentenceReport) -> CountedTask | None:
    """An open court report task of the author about the person that no other report counts already."""
    candidates = list(
        CountedTask.objects.filter(
            practitioner_id=report.author_id,
            person_id=report.person_id,
            task_type__in=COURT_REPORTS,
            completed_on__isnull=True,
        ).order_by("assigned_on", "id")[:10]
    )
    claimed = set(
        PreSentenceReport.objects.filter(counted_task_id__in=[t.pk for t in candidates]).values_list(
            "counted_task_id", flat=True
        )
    )
    return next((t for t in candidates if t.pk not in claimed), None)


def count_report(report: PreSentenceReport) -> CountedTask | None:
    """The report's task: recorded (or adopted) when it is started, completed when it is delivered."""
    author = report.author
    if report.corrects_id is not None or author.grade not in CASE_HOLDING_GRADES:
        return None
    task = CountedTask.objects.filter(pk=report.counted_task_id).first() if report.counted_task_id else None
    if task is None and report.status in REPORT_OPEN:
        task = _adopted(report)
        if task is None:
            task = record_task(
                by=author,
                practitioner=author,
                task_type=TaskType.FAST_COURT_REPORT if report.is_fast else TaskType.STANDARD_COURT_REPORT,
                assigned_on=report.started_on,
                due_date=max(report.hearing_date, report.started_on),
                reference=f"Pre-sentence report, {report.court}"[:68] + f", {report.hearing_date:%d/%m/%Y}",
                person=report.person,
            )
        PreSentenceReport.objects.filter(pk=report.pk).update(counted_task_id=task.pk)
        report.counted_task_id = task.pk
    if task is not None and report.status in REPORT_FINISHED and task.completed_on is None:
        assert report.delivered_on is not None
        task = complete_task(
            by=task.practitioner, task=task, completed_on=max(report.delivered_on, task.assigned_on)
        )
    return task


def on_report_written(sender: Any, report: PreSentenceReport, **kwargs: Any) -> None:
    count_report(report)
