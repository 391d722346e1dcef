from django.apps import AppConfig


class VoiceConfig(AppConfig):
    """The customer's voice: CSAT surveys and customer feedback with its impact score."""

    name = "voice"
    verbose_name = "Customer voice"
