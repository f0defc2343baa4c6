from django.urls import path

import evenhand.core.converters  # noqa: F401  (registers the "ref" path converter)

from . import views

urlpatterns = [
    path("", views.my_cases, name="my-cases"),
    path("my-cases.csv", views.my_cases_csv, name="my-cases-csv"),
    path("search/", views.person_search, name="person-search"),
    path("people/<ref:ref>/", views.person_detail, name="person-detail"),
]
