"""Teams, the people in them and each team's business calendar."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.stamps import new_stamp
from teams.querysets import MembershipQuerySet, TeamQuerySet


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (for example Europe/Berlin).")


class User(AbstractUser):
    """A person who signs in: agent, lead, manager or viewer, by membership."""

    @property
    def display_name(self) -> str:
        return self.display_name_of(self.first_name, self.last_name, self.username)

    @property
    def initials(self) -> str:
        return self.initials_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def display_name_of(first_name: str, last_name: str, username: str) -> str:
        """The name shown for a person; also for rows read without a model instance."""
        return f"{first_name} {last_name}".strip() or username

    @staticmethod
    def initials_of(first_name: str, last_name: str, username: str) -> str:
        parts = [p for p in (first_name, last_name) if p]
        if not parts:
            return username[:2].upper()
        return "".join(p[0] for p in parts).upper()


class Team(models.Model):
    """A support team. Its calendar (zone, weekly hours, holidays) drives SLA clocks."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves on with every save of the time zone and weekly hours: a stale save is refused.
    calendar_version = models.PositiveIntegerField(default=1)
    ageing_seconds = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="85th percentile of the team's cycle times over the last 30 days (written with the daily "
        "figures): open work started longer ago is marked as ageing on the board.",
    )  # fmt: skip
    # Changes with every write to the team's working hours, holidays, SLA policies and targets
    # (database triggers, core.stamps): a process keeps what it read of them under this stamp.
    # Django never writes it after the insert (see save), so a stale instance cannot put it back.
    sla_stamp = models.BigIntegerField(default=new_stamp, editable=False)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "sla_stamp"
            ]
        super().save(*args, **kwargs)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    LEAD = "lead", "Team lead"
    AGENT = "agent", "Agent"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's place in a team: role, sprint capacity and skills."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    capacity = models.PositiveSmallIntegerField(
        default=20, help_text="Story points this person can take on in a 2-week sprint."
    )
    skills = models.JSONField(default=list, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team"),
            models.CheckConstraint(condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


MINUTES_PER_DAY = 24 * 60


class WorkingHours(models.Model):
    """One interval of working time on a weekday, in the team's time zone.

    Minutes from local midnight: 540-1020 is 09:00-17:00; an end of 1440 is
    midnight. Hours across midnight are two intervals on consecutive days.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["team", "weekday", "start_minute"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday_valid"),
            models.CheckConstraint(
                condition=Q(start_minute__lt=models.F("end_minute")) & Q(end_minute__lte=MINUTES_PER_DAY),
                name="working_hours_interval_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_label}–{self.end_label}"

    @staticmethod
    def _label(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    @property
    def start_label(self) -> str:
        return self._label(self.start_minute)

    @property
    def end_label(self) -> str:
        return self._label(self.end_minute)


class Holiday(models.Model):
    """A day without working hours for the team (whole day, local date)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["team", "date"]
        constraints = [models.UniqueConstraint(fields=["team", "date"], name="holiday_unique_team_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class DayOff(models.Model):
    """A day a member does not work (leave, training): sprint capacity leaves it out."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="days_off")
    date = models.DateField()
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["membership", "date"]
        verbose_name_plural = "days off"
        constraints = [models.UniqueConstraint(fields=["membership", "date"], name="day_off_unique_member_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.membership.user}"


# Where a team's calendar history starts: the calendar before its first recorded change applies from here.
HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)


class CalendarPeriod(models.Model):
    """The weekly hours and time zone a team worked by from ``effective_from`` until the next period.

    Written when the calendar changes (the state before the first change is kept
    too, from the beginning of time), so business time measured over the past
    uses the calendar in force then: a change never rewrites history.
    Holidays are dated facts and apply in every period.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="calendar_periods")
    effective_from = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    intervals = models.JSONField(default=list, help_text="[[weekday, start minute, end minute], …]")

    class Meta:
        ordering = ["team", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["team", "effective_from"], name="calendar_period_unique_start")]

    def __str__(self) -> str:
        return f"{self.team_id} from {self.effective_from:%Y-%m-%d %H:%M}"
