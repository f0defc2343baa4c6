from django.urls import path

from . import action_views, moderation_views, results_views, round_views, views

urlpatterns = [
    path("reviews/", views.queue, name="review-queue"),
    path("reviews/<int:review_id>/", views.review, name="review"),
    path("reviews/<int:review_id>/questions/<str:question>/", views.question, name="review-question"),
    path("reviews/<int:review_id>/submit/", views.submit, name="review-submit"),
    path("reviews/results/", results_views.my_results, name="review-my-results"),
    path("reviews/staff/<str:staff_code>/results/", results_views.staff_results, name="review-staff-results"),
    path("reviews/actions/", action_views.actions, name="review-actions"),
    path("reviews/actions/<int:action_id>/", action_views.action, name="review-action"),
    path("reviews/rounds/<int:round_id>/report/", round_views.report, name="review-round-report"),
    path("reviews/rounds/<int:round_id>/publish/", round_views.publish, name="review-round-publish"),
    path("reviews/rounds/<int:round_id>/release/", round_views.release, name="review-round-release"),
    path(
        "reviews/rounds/<int:round_id>/release/<str:file_kind>/",
        round_views.release_file,
        name="review-round-release-file",
    ),
    path("reviews/rounds/<int:round_id>/actions/", action_views.round_actions, name="review-round-actions"),
    path("reviews/rounds/", round_views.rounds, name="review-rounds"),
    path("reviews/rounds/<int:round_id>/", round_views.round_page, name="review-round"),
    path("reviews/rounds/<int:round_id>/confirm/", round_views.confirm, name="review-round-confirm"),
    path("reviews/rounds/<int:round_id>/discard/", round_views.discard, name="review-round-discard"),
    path("reviews/rounds/<int:round_id>/reviewers/", round_views.assign, name="review-round-assign"),
    path(
        "reviews/rounds/<int:round_id>/moderation/",
        moderation_views.disagreements,
        name="review-moderation",
    ),
    path(
        "reviews/rounds/<int:round_id>/moderation/<int:sampled_id>/<str:question>/",
        moderation_views.moderate,
        name="review-moderate",
    ),
]
