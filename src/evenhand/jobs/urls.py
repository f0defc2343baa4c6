from django.urls import path

from . import views

urlpatterns = [
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/cancel/", views.cancel, name="job-cancel"),
]
