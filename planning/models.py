"""Sprints, the history of what was in them, their daily snapshots, and the backlog's order.

A sprint's membership is a history (``SprintChange``): every entry and exit,
with when, by whom, why and the points at that moment, and every re-estimate
while in the sprint. ``SprintItem`` is the current membership, kept with the
history in the same transaction for fast reads; every figure of a sprint is
computed from the history, so snapshots can be rebuilt.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from planning.choices import ActionDecision, ChangeKind, ChangeReason, RetroColumn, SprintState


class Sprint(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="sprints")
    number = models.PositiveIntegerField(help_text="Per-team sequence.")
    name = models.CharField(max_length=120)
    goal = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of the sprint (inclusive).")
    state = models.CharField(max_length=16, choices=SprintState.choices, default=SprintState.PLANNED)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    focus_factor = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.80"),
        validators=[MinValueValidator(0.1), MaxValueValidator(1)],
        help_text="Share of a working day that goes to planned work (meetings, mail and support aside).",
    )  # fmt: skip
    interrupt_share = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(0.9)],
        help_text="Share of capacity reserved for work that arrives during the sprint. Empty: the reactive share "
        "measured over the last three closed sprints.",
    )  # fmt: skip
    # Locked when the sprint starts: the commitment the burndown starts from.
    committed_points = models.PositiveIntegerField(null=True, blank=True)
    committed_items = models.PositiveIntegerField(null=True, blank=True)
    goal_met = models.BooleanField(null=True, blank=True)
    # The sprint review as it stood at the close (planning.review); never recomputed after.
    review = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["team", "-start_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="sprint_unique_team_number"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="sprint_dates_in_order"),
            models.CheckConstraint(condition=Q(state__in=[s.value for s in SprintState]), name="sprint_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "team"], name="sprint_state_team")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_planned(self) -> bool:
        return self.state == SprintState.PLANNED

    @property
    def is_active(self) -> bool:
        return self.state == SprintState.ACTIVE

    @property
    def is_closed(self) -> bool:
        return self.state == SprintState.CLOSED


class SprintItem(models.Model):
    """A ticket in a sprint now, in sprint order. Written with its ``SprintChange`` rows."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sprint_items")
    rank = models.BigIntegerField(default=0)
    reason = models.CharField(max_length=16, choices=ChangeReason.choices)
    entered_at = models.DateTimeField()
    # Sprints this ticket was carried out of before it came here (0: planned fresh).
    times_carried = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sprint", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["sprint", "ticket"], name="sprint_item_unique_ticket")]
        indexes = [models.Index(fields=["ticket"], name="sprint_item_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} in {self.sprint_id}"


class SprintChange(models.Model):
    """One entry, exit or re-estimate of a ticket in a sprint: the history every sprint figure is read from."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="changes")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sprint_changes")
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    reason = models.CharField(max_length=16, choices=ChangeReason.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Points of the ticket at that moment (None: not estimated); for a re-estimate, the new points.
    points = models.PositiveSmallIntegerField(null=True, blank=True)
    # A re-estimate's points before; a carry-over's other sprint.
    points_before = models.PositiveSmallIntegerField(null=True, blank=True)
    other_sprint = models.ForeignKey(Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["sprint", "at", "id"]
        indexes = [models.Index(fields=["sprint", "at"], name="sprint_change_sprint_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ticket_id} ({self.get_reason_display()})"


class SprintSnapshot(models.Model):
    """A sprint's figures at the end of one of its days (the team's working day), rebuilt from history."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    committed_remaining = models.IntegerField(help_text="Points of the locked commitment not yet done.")
    scope_points = models.IntegerField(help_text="Points in the sprint at the end of the day (done included).")
    completed_points = models.IntegerField()
    added_points = models.IntegerField(help_text="Points added since the start (entries and raised estimates).")
    removed_points = models.IntegerField(help_text="Points removed since the start (exits and lowered estimates).")
    remaining_points = models.IntegerField(help_text="Points in the sprint not yet done.")
    reactive_points = models.IntegerField(
        help_text="Work created after the start and resolved since (1 per unestimated ticket)."
    )
    reactive_items = models.IntegerField()
    unestimated_items = models.IntegerField()

    class Meta:
        ordering = ["sprint", "day"]
        constraints = [models.UniqueConstraint(fields=["sprint", "day"], name="sprint_snapshot_unique_day")]

    def __str__(self) -> str:
        return f"{self.sprint_id} on {self.day}"


class BacklogRank(models.Model):
    """The place of a ticket in its team's ordered backlog (gapped; tickets without one follow, by priority)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="backlog_rank"
    )
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+", db_index=False)
    rank = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["team", "rank"], name="backlog_rank_team_rank")]

    def __str__(self) -> str:
        return f"{self.ticket_id} at {self.rank}"


class Standup(models.Model):
    """The daily standup of one working day of a sprint."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="standups")
    day = models.DateField()

    class Meta:
        ordering = ["sprint", "day"]
        constraints = [models.UniqueConstraint(fields=["sprint", "day"], name="standup_unique_day")]

    def __str__(self) -> str:
        return f"{self.sprint} standup {self.day}"


class StandupEntry(models.Model):
    """What one member said at a standup: yesterday, today and what blocks them."""

    standup = models.ForeignKey(Standup, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    yesterday = models.TextField(blank=True)
    today = models.TextField(blank=True)
    blockers = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["standup", "member_id"]
        constraints = [models.UniqueConstraint(fields=["standup", "member"], name="standup_entry_unique_member")]

    def __str__(self) -> str:
        return f"{self.member_id} at {self.standup_id}"


class Blocker(models.Model):
    """Something in a member's way, raised at a standup, open until somebody clears it."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="blockers")
    entry = models.ForeignKey(StandupEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="blockers"
    )
    text = models.CharField(max_length=300)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_at = models.DateTimeField()
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sprint", "raised_at", "id"]
        indexes = [
            models.Index(fields=["sprint", "cleared_at"], name="blocker_sprint_open"),
            models.Index(fields=["ticket", "cleared_at"], name="blocker_ticket_open"),
        ]

    def __str__(self) -> str:
        return self.text


class Retrospective(models.Model):
    """A sprint's retrospective: notes in three columns, votes, and actions."""

    sprint = models.OneToOneField(Sprint, on_delete=models.CASCADE, related_name="retrospective")
    anonymous = models.BooleanField(default=False, help_text="Notes do not record who wrote them.")
    votes_each = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)], help_text="Votes per participant."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Retrospective of {self.sprint}"


class RetroNote(models.Model):
    retro = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="notes")
    column = models.CharField(max_length=8, choices=RetroColumn.choices)
    text = models.CharField(max_length=500)
    # None when the retrospective is anonymous, or for a fact the sprint's history wrote.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fact = models.BooleanField(default=False, help_text="Pre-filled from the sprint's figures.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["retro", "column", "id"]

    def __str__(self) -> str:
        return self.text


class RetroVote(models.Model):
    note = models.ForeignKey(RetroNote, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["note", "voter"], name="retro_vote_once_per_note")]

    def __str__(self) -> str:
        return f"{self.voter_id} on {self.note_id}"


class RetroAction(models.Model):
    """An action agreed at a retrospective; a backlog ticket once made one, reviewed at the next ones."""

    retro = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="retro_action"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept or dropped explicitly once it has been carried over twice unfinished.
    decision = models.CharField(max_length=8, choices=ActionDecision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["retro", "id"]

    def __str__(self) -> str:
        return self.text
