"""A round's report: its findings (the round's gaps and low ratings, the cases' key questions judged not
sufficient), the estimates by group, agreement between reviewers, the results against workload, moderation and
the actions raised. For the head of the round's PDU; the reviewers are never named and the cases are
pseudonyms."""

from dataclasses import dataclass

from evenhand.org.models import StaffMember

from .charts import ResultFigure, result_figures
from .judgement import INADEQUATE, REQUIRES_IMPROVEMENT
from .models import ReviewAction, RoundRelease
from .results import RoundResults, group_label, round_results
from .selectors import CaseFinding, RoundPage, case_findings, disagreements, round_actions, round_for

# A comparison with White people is reported as a finding when its Benjamini-Hochberg q-value is below this.
FINDING_Q = 0.05


@dataclass(frozen=True)
class RoundReport:
    page: RoundPage
    results: RoundResults | None  # None until a review is submitted
    round_findings: list[str]
    case_findings: list[CaseFinding]
    moderated: int
    awaiting_moderation: int
    actions: list[ReviewAction]
    release: RoundRelease | None  # once the report is published (``publication``)
    figures: list[ResultFigure]


def round_findings(results: RoundResults) -> list[str]:
    found = []
    for group, rating in results.ratings.items():
        if rating in (REQUIRES_IMPROVEMENT, INADEQUATE):
            found.append(f"{group_label(group)}: rated {rating.replace('_', ' ')}.")
    for row in results.rows:
        if row.comparison is not None and row.q_value is not None and row.q_value < FINDING_Q:
            c = row.comparison
            direction = "less" if c.difference < 0 else "more"
            found.append(
                f"{row.key_question}: {group_label(row.ethnic_group)} people's cases judged sufficient {direction} often "
                f"than White people's ({100 * c.difference:+.0f} points, 95% interval {100 * c.difference_low:+.0f} "
                f"to {100 * c.difference_high:+.0f}; q = {row.q_value:.3f})."
            )
    return found


def round_report(viewer: StaffMember, round_id: int) -> RoundReport:
    """The report of one round of the viewer's PDU (a head of PDU only; 404 for another PDU's round)."""
    page = round_for(viewer, round_id)
    results = round_results(page.round) if page.submitted else None
    found = disagreements(page.round)
    return RoundReport(
        page=page,
        results=results,
        round_findings=round_findings(results) if results else [],
        case_findings=case_findings(page.round),
        moderated=sum(not d.awaiting for d in found),
        awaiting_moderation=sum(d.awaiting for d in found),
        actions=round_actions(page.round),
        figures=result_figures(results) if results else [],
        release=RoundRelease.objects.filter(round=page.round).only("pk", "published_at", "round_id").first(),
    )
