from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app and mail notifications that any app sends, each about a subject, exactly once per recipient."""

    name = "notifications"
    verbose_name = "Notifications"
