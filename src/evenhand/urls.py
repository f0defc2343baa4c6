from django.urls import include, path

handler403 = "evenhand.core.views.permission_denied"
handler404 = "evenhand.core.views.page_not_found"

urlpatterns = [
    path("", include("evenhand.core.urls")),
    path("", include("evenhand.people.urls")),
    path("", include("evenhand.cases.urls")),
    path("", include("evenhand.assessment.urls")),
    path("", include("evenhand.review.urls")),
    path("", include("evenhand.cases.diary_urls")),
    path("", include("evenhand.audit.urls")),
    path("", include("evenhand.workload.urls")),
    path("", include("evenhand.equality.urls")),
    path("", include("evenhand.workforce.urls")),
    path("", include("evenhand.voice.urls")),
    path("", include("evenhand.jobs.urls")),
    path("api/v1/", include("evenhand.api.urls")),
]
