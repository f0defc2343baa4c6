from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.person_search, name="person-search"),
]
