from django.apps import AppConfig


class DemoConfig(AppConfig):
    """``seed_demo``: it seeds every app, so it sits on top of them all; no models."""

    name = "demo"
    verbose_name = "Demo data"
