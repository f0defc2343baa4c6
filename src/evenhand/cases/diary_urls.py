"""Addresses of the practitioner's day: appointments and the week's diary."""

from django.urls import path

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter)

from . import diary_views

urlpatterns = [
    path("diary/", diary_views.week, name="week"),
    path("people/<ref:person_ref>/appointments/new/", diary_views.book, name="book-appointment"),
    path("appointments/<ref:contact_ref>/reschedule/", diary_views.reschedule, name="reschedule-appointment"),
    path("appointments/<ref:contact_ref>/cancel/", diary_views.cancel, name="cancel-appointment"),
    path("appointments/<ref:contact_ref>/outcome/", diary_views.record_outcome, name="appointment-outcome"),
]
