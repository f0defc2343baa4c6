from django.urls import path

from . import views

urlpatterns = [
    path("equality/", views.dashboard, name="equality-dashboard"),
]
