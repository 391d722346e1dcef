from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks; no models."""

    name = "core"
    verbose_name = "Core"
