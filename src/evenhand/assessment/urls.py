from django.urls import path

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter)

from . import plan_views, views

urlpatterns = [
    path("people/<ref:person_ref>/assessments/", views.assessments, name="assessments"),
    path("people/<ref:person_ref>/assessments/new/", views.start, name="start-assessment"),
    path("people/<ref:person_ref>/tier/", views.tier, name="person-tier"),
    path("assessments/<ref:assessment_ref>/", views.assessment, name="assessment"),
    path(
        "assessments/<ref:assessment_ref>/sections/<slug:section_key>/",
        views.section,
        name="assessment-section",
    ),
    path("assessments/<ref:assessment_ref>/diversity/", views.conversation, name="assessment-conversation"),
    path("assessments/<ref:assessment_ref>/predictors/", views.predictors, name="assessment-predictors"),
    path("assessments/<ref:assessment_ref>/complete/", views.complete, name="assessment-complete"),
    path("assessments/<ref:assessment_ref>/countersign/", views.countersign, name="assessment-countersign"),
    # Pre-sentence reports.
    path("people/<ref:person_ref>/reports/", views.reports, name="reports"),
    path("people/<ref:person_ref>/reports/new/", views.start_report, name="start-report"),
    path("reports/<ref:report_ref>/", views.report, name="report"),
    path(
        "reports/<ref:report_ref>/sections/<slug:report_part>/", views.report_section, name="report-section"
    ),
    path("reports/<ref:report_ref>/submit/", views.report_submit, name="report-submit"),
    path("reports/<ref:report_ref>/sign-off/", views.report_sign_off, name="report-sign-off"),
    path("reports/<ref:report_ref>/return/", views.report_return, name="report-return"),
    path("reports/<ref:report_ref>/correct/", views.report_correct, name="report-correct"),
    path("reports/<ref:report_ref>/document/", views.report_document, name="report-document"),
    path("reports/<ref:report_ref>/report.pdf", views.report_pdf, name="report-pdf"),
    # The sentence plan answering an assessment.
    path("people/<ref:person_ref>/plan/", plan_views.person_plan, name="person-plan"),
    path("assessments/<ref:assessment_ref>/plan/", plan_views.plan, name="sentence-plan"),
    path("assessments/<ref:assessment_ref>/plan/new/", plan_views.make, name="make-plan"),
    path("assessments/<ref:assessment_ref>/plan/goals/new/", plan_views.add_goal, name="plan-add-goal"),
    path(
        "assessments/<ref:assessment_ref>/plan/goals/<ref:goal_ref>/",
        plan_views.change_goal,
        name="plan-change-goal",
    ),
    path(
        "assessments/<ref:assessment_ref>/plan/goals/<ref:goal_ref>/steps/new/",
        plan_views.add_step,
        name="plan-add-step",
    ),
    path(
        "assessments/<ref:assessment_ref>/plan/steps/<ref:step_ref>/",
        plan_views.change_step,
        name="plan-change-step",
    ),
    path("assessments/<ref:assessment_ref>/plan/agreement/", plan_views.agreement, name="plan-agreement"),
    path("assessments/<ref:assessment_ref>/plan/review/", plan_views.review, name="plan-review"),
]
