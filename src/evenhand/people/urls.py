from django.urls import path

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter)

from . import views

urlpatterns = [
    path("search/", views.person_search, name="person-search"),
    # The access log is the audit app's table, read here where people can be named (audit sits below people).
    path("audit/access-log/", views.read_access_log, name="access-log"),
    path("people/new/", views.register_person, name="person-register"),
    path("people/<ref:person_ref>/diversity/", views.diversity_profile, name="person-diversity"),
    path("people/<ref:person_ref>/diversity/new/", views.record_diversity, name="record-diversity"),
    path("people/<ref:person_ref>/access/", views.manage_access, name="person-access"),
    path("people/<ref:person_ref>/details/", views.correct_details, name="person-details"),
    path("people/<ref:person_ref>/addresses/new/", views.add_address, name="add-address"),
]
