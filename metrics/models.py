"""Pre-aggregated figures of each team's days, written set-based from ticket history (metrics.daily).

``DailyFigure`` holds additive counts of one local day of one team, per
priority and channel: sums over any period, team set and filter are exact.
``TicketDuration`` holds each measured duration (first response, resolution,
lead and cycle time of a resolved cycle) with the day it ended, so medians and
90th percentiles over any period are exact too, read without touching tickets.
Both are rebuilt from history by ``metrics_rebuild`` and refreshed by beat.
"""

from __future__ import annotations

from django.db import models


class DailyFigure(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The team's local date.")
    priority = models.PositiveSmallIntegerField(help_text="The ticket's priority when the day was computed.")
    channel = models.CharField(max_length=16, help_text="The ticket's channel when the day was computed.")
    # Flow of the day.
    created = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0, help_text="Resolutions (a reopened ticket can resolve again).")
    reopened = models.PositiveIntegerField(default=0)
    # SLA outcomes decided that day (every cycle of a reopened ticket counts).
    frt_met = models.PositiveIntegerField(default=0)
    frt_breached = models.PositiveIntegerField(default=0)
    res_met = models.PositiveIntegerField(default=0)
    res_breached = models.PositiveIntegerField(default=0)
    # Tickets first resolved that day, and what became of them.
    first_resolved = models.PositiveIntegerField(default=0)
    first_resolved_reopened = models.PositiveIntegerField(default=0)
    first_resolved_one_touch = models.PositiveIntegerField(default=0)
    first_resolved_breached = models.PositiveIntegerField(default=0, help_text="Any target breached, any cycle.")
    # CSAT: surveys sent that day and how many of them were answered (the cohort); answers given that day.
    surveys_sent = models.PositiveIntegerField(default=0)
    surveys_sent_answered = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    answers_positive = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "day", "priority", "channel"], name="daily_figure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.day} p{self.priority} {self.channel}"


class DurationKind(models.TextChoices):
    FIRST_RESPONSE = "frt", "First response time"
    RESOLUTION = "resolution", "Resolution time"
    LEAD = "lead", "Lead time"
    CYCLE = "cycle", "Cycle time"


class TicketDuration(models.Model):
    """One measured duration of one ticket (per resolved cycle for resolution, lead and cycle time)."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=16, choices=DurationKind.choices)
    cycle = models.PositiveSmallIntegerField()
    day = models.DateField(help_text="The team's local date the duration ended.")
    priority = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=16)
    seconds = models.PositiveIntegerField(help_text="Business seconds (first response, resolution) or calendar ones.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "kind", "cycle"], name="ticket_duration_unique")]
        indexes = [models.Index(fields=["team", "kind", "day"], name="duration_team_kind_day")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} #{self.cycle}: {self.seconds} s"


class RefreshMark(models.Model):
    """Where beat's last refresh of a team's figures reached: the next one looks for late events after it."""

    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="+")
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.team_id} at {self.refreshed_at}"
