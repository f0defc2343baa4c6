from django.urls import path

from . import compare_views, views

urlpatterns = [
    path("my-equality-profile/", views.my_equality_profile, name="my-equality-profile"),
    path("workforce/", views.workforce_figures, name="workforce-figures"),
    path("workforce/compare/", compare_views.workforce_comparison, name="workforce-comparison"),
    path("workforce/my-pdu/", views.pdu_workforce_figures, name="pdu-workforce-figures"),
    path("workforce/releases/", views.workforce_releases, name="workforce-releases"),
    path(
        "workforce/releases/<int:release_id>/<str:file_kind>/",
        views.workforce_release_file,
        name="workforce-release-file",
    ),
]
