from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"
    verbose_name = "Risks"
