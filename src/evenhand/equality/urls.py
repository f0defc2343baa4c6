from django.urls import path

from . import views

urlpatterns = [
    path("equality/", views.dashboard, name="equality-dashboard"),
    path("equality/publications/", views.publish, name="equality-publish"),
    path(
        "equality/publications/<int:job_id>/<path:file_name>",
        views.publication_file,
        name="equality-publication-file",
    ),
]
