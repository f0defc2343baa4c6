from django.urls import path

from . import views

urlpatterns = [
    path("people/<int:person_id>/contacts/new/", views.record_contact, name="record-contact"),
    path("contacts/<int:contact_id>/outcome/", views.record_outcome, name="record-outcome"),
    path("sentences/<int:sentence_id>/enforcement/new/", views.record_decision, name="record-decision"),
    path("people/<int:person_id>/referrals/new/", views.make_referral, name="make-referral"),
    path("referrals/<int:referral_id>/status/", views.update_referral, name="update-referral"),
]
