"""Choices of surveys and feedback."""

from __future__ import annotations

from django.db import models

CSAT_SCALE = 5


class SurveyStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    CANCELLED = "cancelled", "Not sent (reopened)"
    FAILED = "failed", "Could not be sent"


class FeedbackChannel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    SOCIAL = "social", "Social"
    MOBILE_APP = "mobile_app", "Mobile app"
    SURVEY = "survey", "Survey"
    WEB_FORM = "web_form", "Web form"


class FeedbackStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    LINKED = "linked", "Linked"
    CLOSED = "closed", "Closed"


class FeedbackSource(models.TextChoices):
    AGENT = "agent", "Logged by an agent"
    PUBLIC = "public", "Public form"
    API = "api", "API"
    SURVEY = "survey", "Survey answer"
