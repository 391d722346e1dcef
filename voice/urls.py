from django.urls import path

from voice.views import csat, feedback, options

app_name = "voice"

urlpatterns = [
    # Regions of the team and ticket pages (PAGE_REGIONS)
    path("csat/", csat.team_csat, name="team-csat"),
    path("tickets/<int:number>/csat/", csat.ticket_csat, name="ticket-csat"),
    # Customer feedback
    path("feedback/", feedback.feedback_list, name="feedback"),
    path("feedback/new/", feedback.feedback_create, name="feedback-create"),
    path("feedback/settings/", options.feedback_settings, name="feedback-settings"),
    path("feedback/settings/new-link/", options.feedback_settings_regenerate, name="feedback-settings-regenerate"),
    path("feedback/<int:pk>/", feedback.feedback_detail, name="feedback-detail"),
    path("feedback/<int:pk>/status/", feedback.feedback_status, name="feedback-status"),
    path("feedback/<int:pk>/tags/", feedback.feedback_tags, name="feedback-tags"),
    path("feedback/<int:pk>/ticket/", feedback.feedback_to_ticket, name="feedback-to-ticket"),
    path("feedback/<int:pk>/link/", feedback.feedback_link_ticket, name="feedback-link-ticket"),
    path("feedback/<int:pk>/project/", feedback.feedback_attach_project, name="feedback-attach-project"),
    path(
        "feedback/<int:pk>/tickets/<int:ticket_pk>/unlink/",
        feedback.feedback_unlink_ticket,
        name="feedback-unlink-ticket",
    ),
    path(
        "feedback/<int:pk>/projects/<int:project_pk>/detach/",
        feedback.feedback_detach_project,
        name="feedback-detach-project",
    ),
    path("feedback/<int:pk>/merge/", feedback.feedback_merge, name="feedback-merge"),
]
