from django.urls import path

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter)

from . import views

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
]
