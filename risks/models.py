"""The risk register: risks with three scores, their assessments, mitigations (tickets), contingency plans,
triggers from support data, occurrences and the team's review cadence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from risks.scoring import REVIEW_DAYS, Level, Score


class Category(models.TextChoices):
    SERVICE = "service", "Service interruption"
    TECHNOLOGY = "technology", "Technology"
    PEOPLE = "people", "People and skills"
    CUSTOMERS = "customers", "Customer expectations"
    VENDOR = "vendor", "Vendor"
    BUDGET = "budget", "Budget"
    COMPLIANCE = "compliance", "Compliance"
    OTHER = "other", "Other"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigating"
    OCCURRED = "occurred", "Occurred"
    CLOSED = "closed", "Closed"
    ACCEPTED = "accepted", "Accepted"


LIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.MITIGATING, RiskStatus.OCCURRED, RiskStatus.ACCEPTED)


class Strategy(models.TextChoices):
    AVOID = "avoid", "Avoid"
    MITIGATE = "mitigate", "Mitigate"
    TRANSFER = "transfer", "Transfer"
    ACCEPT = "accept", "Accept"


SCORE_KINDS = ("inherent", "current", "target")


def _scale(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}), name=f"risk_{name}_1_to_5")


class Risk(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="risks")
    project = models.ForeignKey("projects.Project", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="risks")  # fmt: skip
    title = models.CharField(max_length=200)
    cause = models.TextField(blank=True, help_text="Because of…")
    event = models.TextField(blank=True, help_text="…this may happen…")
    effect = models.TextField(blank=True, help_text="…with this effect.")
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.SERVICE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    strategy = models.CharField(max_length=10, choices=Strategy.choices, default=Strategy.MITIGATE)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", help_text="Who accepted the risk (accept only).")  # fmt: skip
    accept_until = models.DateField(null=True, blank=True, help_text="The acceptance is reconsidered by then.")
    proximity = models.DateField(null=True, blank=True, help_text="When the risk could happen.")
    next_review = models.DateField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    inherent_probability = models.PositiveSmallIntegerField()
    inherent_impact = models.PositiveSmallIntegerField()
    current_probability = models.PositiveSmallIntegerField()
    current_impact = models.PositiveSmallIntegerField()
    target_probability = models.PositiveSmallIntegerField()
    target_impact = models.PositiveSmallIntegerField()
    # The contingency plan: what to do when it happens.
    contingency_trigger = models.TextField(blank=True, help_text="What tells us it has happened.")
    contingency_steps = models.TextField(blank=True, help_text="One step a line, in order.")
    contingency_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")  # fmt: skip
    contingency_hours = models.PositiveIntegerField(null=True, blank=True, help_text="Target response time, hours.")
    occurrences = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["team", "-id"]
        constraints = [_scale(f"{k}_{a}") for k in SCORE_KINDS for a in ("probability", "impact")]
        indexes = [
            models.Index(fields=["team", "next_review"], name="risk_team_review"),
            models.Index(fields=["project", "status"], name="risk_project_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def score(self, kind: str) -> Score:
        return Score(getattr(self, f"{kind}_probability"), getattr(self, f"{kind}_impact"))

    @property
    def inherent(self) -> Score:
        return self.score("inherent")

    @property
    def current(self) -> Score:
        return self.score("current")

    @property
    def target(self) -> Score:
        return self.score("target")

    @property
    def steps(self) -> list[str]:
        return [s.strip() for s in self.contingency_steps.splitlines() if s.strip()]


class AssessmentReason(models.TextChoices):
    CREATED = "created", "Recorded"
    REVIEW = "review", "Reviewed"
    EDIT = "edit", "Scores edited"


class Assessment(models.Model):
    """The three scores as someone assessed them, when and why: the register's history."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="assessments")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(max_length=8, choices=AssessmentReason.choices)
    note = models.TextField(blank=True)
    inherent_probability = models.PositiveSmallIntegerField()
    inherent_impact = models.PositiveSmallIntegerField()
    current_probability = models.PositiveSmallIntegerField()
    current_impact = models.PositiveSmallIntegerField()
    target_probability = models.PositiveSmallIntegerField()
    target_impact = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["risk", "at", "id"]

    def __str__(self) -> str:
        return f"{self.risk_id} {self.at:%Y-%m-%d}: {self.current_probability}×{self.current_impact}"

    @property
    def current(self) -> Score:
        return Score(self.current_probability, self.current_impact)


class Mitigation(models.Model):
    """A ticket that reduces a risk's likelihood or impact; one ticket may serve several risks."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="mitigations")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="risk_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["risk", "ticket"], name="mitigation_once")]

    def __str__(self) -> str:
        return f"{self.risk_id} ← {self.ticket_id}"


class Comparison(models.TextChoices):
    BELOW = "below", "below"
    ABOVE = "above", "above"


class Window(models.TextChoices):
    EACH_DAY = "each_day", "on each of the last N days"
    OVER = "over", "over the last N days together"


class Trigger(models.Model):
    """A condition on support data that means the risk has happened."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="triggers")
    metric = models.CharField(max_length=40)
    comparison = models.CharField(max_length=8, choices=Comparison.choices)
    threshold = models.FloatField()
    days = models.PositiveSmallIntegerField(default=3)
    window = models.CharField(max_length=8, choices=Window.choices, default=Window.EACH_DAY)
    label = models.CharField(max_length=60, blank=True, help_text="The ticket label counted (label triggers).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True, help_text="When its reading last changed.")
    last_value = models.FloatField(null=True, blank=True)  # the latest day's (or window's) value when checked
    holds = models.BooleanField(default=False)

    class Meta:
        ordering = ["risk", "id"]
        constraints = [models.CheckConstraint(condition=Q(days__gte=1, days__lte=90), name="trigger_days_1_to_90")]

    def __str__(self) -> str:
        return f"{self.metric} {self.comparison} {self.threshold:g}"


class Occurrence(models.Model):
    """The risk happened: by hand or by a trigger, with the evidence; its incident ticket is made once."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="occurrence_rows")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")  # fmt: skip
    trigger = models.ForeignKey(Trigger, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    evidence = models.JSONField(default=dict, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["risk", "-number"]
        constraints = [models.UniqueConstraint(fields=["risk", "number"], name="occurrence_once")]

    def __str__(self) -> str:
        return f"{self.risk_id} #{self.number}"


class ReviewCadence(models.Model):
    """How often a team reviews its risks of each level, in days."""

    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="risk_cadence")
    critical_days = models.PositiveSmallIntegerField(default=REVIEW_DAYS[Level.CRITICAL])
    high_days = models.PositiveSmallIntegerField(default=REVIEW_DAYS[Level.HIGH])
    medium_days = models.PositiveSmallIntegerField(default=REVIEW_DAYS[Level.MEDIUM])
    low_days = models.PositiveSmallIntegerField(default=REVIEW_DAYS[Level.LOW])
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(critical_days__gte=1, high_days__gte=1, medium_days__gte=1, low_days__gte=1),
                name="cadence_at_least_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.as_dict()}"

    def as_dict(self) -> dict[str, int]:
        return {Level.CRITICAL: self.critical_days, Level.HIGH: self.high_days, Level.MEDIUM: self.medium_days,
                Level.LOW: self.low_days}  # fmt: skip
