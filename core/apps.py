from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks; no models."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core.db import connect_signals

        connect_signals()
