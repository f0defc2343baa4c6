from django.urls import path

from . import views

urlpatterns = [
    path("", views.my_cases, name="my-cases"),
    path("my-cases.csv", views.my_cases_csv, name="my-cases-csv"),
    path("search/", views.person_search, name="person-search"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
]
