from django.contrib import admin

from voice.models import CsatSurvey, FeedbackItem, FeedbackSettings


@admin.register(CsatSurvey)
class CsatSurveyAdmin(admin.ModelAdmin):
    """Read-mostly: surveys are written by the sweep and by customers' answers, never by hand."""

    list_display = ["ticket", "cycle", "team", "status", "sent_at", "answered_at", "score"]
    list_filter = ["team", "status", "score"]
    list_select_related = ["ticket", "team"]
    raw_id_fields = ["ticket", "follow_up"]
    readonly_fields = ["token_hash", "attempts", "sent_at", "expires_at", "answered_at", "score", "scale", "comment"]


@admin.register(FeedbackItem)
class FeedbackItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "channel", "status", "mentions", "impact_score", "created_at"]
    list_filter = ["team", "channel", "status", "source"]
    search_fields = ["text", "customer_name", "customer_email"]
    raw_id_fields = ["account", "created_by", "survey", "merged_into", "tickets", "projects"]
    # The score follows the team's formula (voice.feedback); edit weights on the settings page.
    readonly_fields = ["impact_score", "mentions", "version"]


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "csat_delay_minutes", "csat_expiry_days", "public_form_enabled"]
    readonly_fields = ["public_form_key", "version"]
