from django.urls import path

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter)

from . import views

urlpatterns = [
    path("", views.my_cases, name="my-cases"),
    path("my-cases.csv", views.my_cases_csv, name="my-cases-csv"),
    path("people/<ref:ref>/", views.person_detail, name="person-detail"),
    path("people/<ref:person_ref>/contacts/new/", views.record_contact, name="record-contact"),
    path("contacts/<ref:contact_ref>/outcome/", views.record_outcome, name="record-outcome"),
    path("sentences/<ref:sentence_ref>/enforcement/new/", views.record_decision, name="record-decision"),
    path("people/<ref:person_ref>/referrals/new/", views.make_referral, name="make-referral"),
    path("referrals/<ref:referral_ref>/status/", views.update_referral, name="update-referral"),
    path("people/<ref:person_ref>/sentences/new/", views.record_sentence, name="record-sentence"),
    path("sentences/<ref:sentence_ref>/release/", views.record_release, name="record-release"),
    path("sentences/<ref:sentence_ref>/end/", views.end_sentence, name="end-sentence"),
    path("sentences/<ref:sentence_ref>/extend/", views.extend_sentence, name="extend-sentence"),
    path("sentences/<ref:sentence_ref>/correct/", views.correct_sentence, name="correct-sentence"),
    path("people/<ref:person_ref>/risk-reviews/new/", views.record_risk_review, name="record-risk-review"),
    path("people/<ref:person_ref>/registrations/new/", views.add_registration, name="add-registration"),
    path(
        "people/<ref:person_ref>/registrations/review/", views.review_registration, name="review-registration"
    ),
    path("people/<ref:person_ref>/registrations/end/", views.end_registration, name="end-registration"),
    path(
        "people/<ref:person_ref>/risk-information/new/",
        views.record_risk_information,
        name="record-risk-information",
    ),
    path(
        "risk-information/<ref:information_ref>/decision/",
        views.decide_on_information,
        name="decide-on-information",
    ),
    path("decisions/<ref:decision_ref>/endorse/", views.endorse_decision, name="endorse-decision"),
]
