"""Customer voice: CSAT surveys and the feedback customers send, scored by impact.

The tables keep the names they had when these models lived in ``tickets``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from voice.choices import CSAT_SCALE, FeedbackChannel, FeedbackSource, FeedbackStatus, SurveyStatus


class CsatSurvey(models.Model):
    """One satisfaction survey for one resolution cycle of a ticket.

    Only a SHA-256 of the link's token is stored: the token itself exists in
    the email alone. Score and scale are stored raw (DESIGN.md: CSAT is the
    share of answers scoring 4 or 5 on the 1-5 scale).
    """

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="csat_surveys", db_index=False)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="csat_surveys", db_index=False)
    cycle = models.PositiveSmallIntegerField(help_text="The ticket's resolution cycle (its SLA cycle).")
    email = models.EmailField()
    status = models.CharField(max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    scale = models.PositiveSmallIntegerField(default=CSAT_SCALE)
    comment = models.TextField(blank=True)
    follow_up = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_of_surveys",
        help_text="The ticket opened for a low score (closed loop).",
    )

    class Meta:
        db_table = "tickets_csatsurvey"  # kept from when these lived in ``tickets``
        verbose_name = "CSAT survey"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "cycle"], name="csat_one_survey_per_ticket_cycle"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=1) & Q(score__lte=models.F("scale"))),
                name="csat_score_within_scale",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "answered_at"], name="csat_team_answered"),
            models.Index(fields=["team", "sent_at"], name="csat_team_sent"),
            models.Index(fields=["status"], condition=Q(status__in=["pending", "sending"]), name="csat_to_send"),
        ]

    def __str__(self) -> str:
        return f"Survey of {self.ticket_id} (cycle {self.cycle})"


class FeedbackItem(models.Model):
    """What a customer told us, from any channel, scored by impact.

    A merged duplicate points at the item it was merged into; its mentions
    and account count there (``mentions`` carries the frequency).
    """

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="feedback_items", db_index=False)
    channel = models.CharField(max_length=16, choices=FeedbackChannel.choices, default=FeedbackChannel.EMAIL)
    source = models.CharField(max_length=16, choices=FeedbackSource.choices, default=FeedbackSource.AGENT)
    account = models.ForeignKey(
        "tickets.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback_items"
    )
    customer_name = models.CharField(max_length=120, blank=True)
    customer_email = models.EmailField(blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW)
    tags = models.ManyToManyField(
        "tickets.Label", blank=True, related_name="feedback_items", db_table="tickets_feedbackitem_tags"
    )
    tickets = models.ManyToManyField(
        "tickets.Ticket", blank=True, related_name="feedback_items", db_table="tickets_feedbackitem_tickets"
    )
    projects = models.ManyToManyField(
        "projects.Project", blank=True, related_name="feedback_items", db_table="tickets_feedbackitem_projects"
    )
    survey = models.ForeignKey(
        CsatSurvey, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback_items"
    )
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates")
    mentions = models.PositiveIntegerField(default=1, help_text="This report plus the duplicates merged into it.")
    impact_score = models.FloatField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "tickets_feedbackitem"  # kept from when these lived in ``tickets``
        ordering = ["-impact_score", "-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["team", "-impact_score", "-created_at"],
                condition=Q(merged_into__isnull=True),
                name="feedback_by_impact",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class FeedbackSettings(models.Model):
    """A team's survey timing, impact-score weights and public feedback form."""

    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="feedback_settings")
    csat_delay_minutes = models.PositiveIntegerField(
        default=24 * 60, help_text="How long after resolution the survey is sent."
    )
    csat_expiry_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(365)], help_text="How long a link works."
    )
    weight_accounts = models.FloatField(default=3.0, validators=[MinValueValidator(0)])
    weight_tier = models.FloatField(default=2.0, validators=[MinValueValidator(0)])
    weight_frequency = models.FloatField(default=1.0, validators=[MinValueValidator(0)])
    weight_sentiment = models.FloatField(default=2.0, validators=[MinValueValidator(0)])
    public_form_enabled = models.BooleanField(default=True)
    public_form_key = models.CharField(max_length=32, unique=True, help_text="The unguessable part of the form's URL.")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "tickets_feedbacksettings"  # kept from when these lived in ``tickets``
        verbose_name_plural = "feedback settings"

    def __str__(self) -> str:
        return f"Feedback settings of {self.team}"
