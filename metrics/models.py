"""Pre-aggregated figures of each team's days, written set-based from ticket history (metrics.daily).

``DailyFigure`` holds additive counts of one local day of one team, per
priority and channel: sums over any period, team set and filter are exact.
``TicketDuration`` holds each measured duration (first response, resolution,
lead and cycle time of a resolved cycle) with the day it ended, so medians and
90th percentiles over any period are exact too, read without touching tickets.
Both are rebuilt from history by ``metrics_rebuild`` and refreshed by beat.
"""

from __future__ import annotations

from django.conf import settings
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
    # Moves into and out of each open status that day (creation enters the first status): the cumulative
    # flow diagram adds them up from the open counts now.
    in_todo = models.PositiveIntegerField(default=0)
    out_todo = models.PositiveIntegerField(default=0)
    in_in_progress = models.PositiveIntegerField(default=0)
    out_in_progress = models.PositiveIntegerField(default=0)
    in_waiting = models.PositiveIntegerField(default=0)
    out_waiting = models.PositiveIntegerField(default=0)
    in_escalated = models.PositiveIntegerField(default=0)
    out_escalated = models.PositiveIntegerField(default=0)

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


class GoalStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    NO_DATA = "no_data", "No data yet"


class Goal(models.Model):
    """A SMART goal bound to a metric of the definitions: its baseline is computed, never typed in."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="goals")
    project = models.ForeignKey("projects.Project", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="goals")  # fmt: skip
    name = models.CharField(max_length=160)
    metric = models.CharField(max_length=40)
    direction = models.CharField(max_length=8, choices=[("up", "Raise it"), ("down", "Lower it")])
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    window_days = models.PositiveSmallIntegerField(default=30, help_text="The metric is read over this many days.")
    baseline_first = models.DateField()
    baseline_last = models.DateField()
    baseline = models.FloatField()
    target_kind = models.CharField(max_length=8, choices=[("absolute", "A value"), ("percent", "% change")])
    target_input = models.FloatField(help_text="As typed: the value, or the % change from the baseline.")
    target = models.FloatField()
    start = models.DateField()
    deadline = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    current = models.FloatField(null=True, blank=True)
    current_on = models.DateField(null=True, blank=True)
    # [[ISO day, value], …] of the points with a value, in day order: the sparkline, read with the goal.
    trail = models.JSONField(default=list, blank=True)
    suggested = models.CharField(max_length=12, choices=GoalStatus.choices, default=GoalStatus.NO_DATA)
    confirmed = models.CharField(max_length=12, choices=GoalStatus.choices, blank=True,
                                 help_text="Set by the owner or a lead: replaces the suggestion.")  # fmt: skip
    confirmed_comment = models.CharField(max_length=300, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")  # fmt: skip
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("start")), name="goal_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_last__gte=models.F("baseline_first")), name="goal_baseline_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status(self) -> str:
        return self.confirmed or self.suggested

    def get_status_display(self) -> str:
        return GoalStatus(self.status).label


class GoalPoint(models.Model):
    """The goal's metric on one day (over the goal's window ending that day) and where the path expected it."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="points")
    day = models.DateField()
    value = models.FloatField(null=True)
    expected = models.FloatField()

    class Meta:
        ordering = ["goal", "day"]
        constraints = [models.UniqueConstraint(fields=["goal", "day"], name="goal_point_once_a_day")]

    def __str__(self) -> str:
        return f"{self.goal_id} {self.day}: {self.value}"
