from django.urls import path

from . import views

urlpatterns = [
    # The reporter's pages: no sign-in, never tied to an account, never logged by address.
    path("voice/", views.start, name="voice-start"),
    path("voice/raise/", views.raise_concern, name="voice-raise"),
    path("voice/proof/", views.proof, name="voice-proof"),
    path("voice/return/", views.return_with_receipt, name="voice-return"),
    path("voice/concern/", views.concern, name="voice-concern"),
    path("voice/concern/identity/", views.answer_disclosure, name="voice-disclosure-answer"),
    path("voice/concern/rate/", views.rate, name="voice-rate"),
    path(
        "voice/concern/attachments/<str:attachment_id>/", views.reporter_attachment, name="voice-attachment"
    ),
    path("voice/leave/", views.leave, name="voice-leave"),
    # The published quarterly summary: public, and under /voice/ so that reading it is not logged either.
    path("voice/summary/", views.summaries, name="voice-summaries"),
    path("voice/summary/<str:quarter>/", views.summary_page, name="voice-summary"),
    *(
        path(
            f"voice/summary/<str:quarter>/{kind}/",
            views.summary_file,
            {"kind": kind},
            name=f"voice-summary-{kind}",
        )
        for kind in views.SUMMARY_FILES
    ),
    # The staff survey: answered anonymously under /voice/ with a token taken, signed in, under /staff-survey/.
    path("voice/survey/<int:survey_id>/", views.take_survey, name="voice-survey"),
    path("staff-survey/", views.staff_surveys, name="staff-surveys"),
    path("staff-survey/<int:survey_id>/token/", views.survey_token, name="staff-survey-token"),
    path("staff-survey/<int:survey_id>/results/", views.survey_results, name="staff-survey-results"),
    # Handlers and custodians.
    path("voice-team/", views.inbox, name="voice-inbox"),
    path("voice-team/key/", views.set_up_key, name="voice-key"),
    path("voice-team/unlock/", views.unlock, name="voice-unlock"),
    path("voice-team/lock/", views.lock, name="voice-lock"),
    path("voice-team/conflicts/", views.declare_conflict, name="voice-conflict"),
    path("voice-team/grant/", views.grant, name="voice-grant"),
    path("voice-team/handlers/", views.invite, name="voice-invite"),
    path("voice-team/handlers/end/", views.end_membership, name="voice-end-membership"),
    path("voice-team/custodian/", views.custodian, name="voice-custodian"),
    path("voice-team/concerns/<str:concern_ref>/", views.handle, name="voice-handle"),
    path(
        "voice-team/concerns/<str:concern_ref>/attachments/<str:attachment_id>/",
        views.handler_attachment,
        name="voice-handle-attachment",
    ),
]
