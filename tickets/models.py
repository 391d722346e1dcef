"""Tickets, their comments and history, boards, columns and routing rules."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from tickets.choices import (
    ACTIVE_STATUSES,
    Channel,
    EventField,
    Kind,
    Priority,
    SLAAlertKind,
    SLAOutcomeKind,
    SLATargetKind,
    Status,
    Tier,
)
from tickets.querysets import (
    AccountQuerySet,
    LabelQuerySet,
    RoutingRuleQuerySet,
    SLAPolicyQuerySet,
    TicketQuerySet,
)


class Account(models.Model):
    """A customer organisation, as a CRM would know it."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(max_length=160)
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    notes = models.TextField(blank=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="account_unique_team_name")]

    def __str__(self) -> str:
        return self.name


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5.")


class Label(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=40)
    colour = models.CharField(max_length=7, default="#64748b", validators=[hex_colour])

    objects = LabelQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="label_unique_team_name")]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """A customer inquiry or an internal work item, on the team's board.

    Foreign keys whose lookups a composite index already serves carry no index
    of their own: every index is written again at each move or edit. The SLA
    sweep's claims change no indexed column and so write no index at all.
    """

    # Served by the (team, number) and board-order indexes.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="tickets", db_index=False)
    number = models.PositiveIntegerField(help_text="Per-team sequence; the key is TEAM-number.")
    project = models.ForeignKey(  # served by the project board-order index
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INQUIRY)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    requester_name = models.CharField(max_length=120, blank=True)
    requester_email = models.EmailField(blank=True)
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TODO)
    assignee = models.ForeignKey(  # served by the (assignee, status) index
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        db_index=False,
    )
    story_points = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    impact = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    effort = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="tickets")
    # Order within its status on the team's boards: gapped, so a move writes one row.
    position = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Since when an open standup blocker names this ticket (planning keeps it); boards mark it "blocked".
    blocked_since = models.DateTimeField(null=True, blank=True)
    # First entry into In Progress or Escalated: how long work has been under way (ageing work on the board).
    work_started_at = models.DateTimeField(null=True, blank=True)
    # SLA state (tickets/sla.py). Due times are NULL whenever a target is not
    # running: met, paused, resolved, or no target; the sweep reads only these.
    sla_policy = models.ForeignKey(
        "tickets.SLAPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets",
        verbose_name="SLA policy",
    )  # fmt: skip
    sla_started_at = models.DateTimeField("SLA clock started", null=True, blank=True)
    sla_pauses = models.JSONField(
        "SLA clock stops", default=list, blank=True,
        help_text="[[start, end or null, 'paused' or 'resolved'], …] in ISO 8601 UTC.",
    )  # fmt: skip
    sla_paused_since = models.DateTimeField("SLA clock stopped since", null=True, blank=True)
    sla_cycle = models.PositiveSmallIntegerField("SLA cycle", default=1, help_text="1, then one more per reopening.")
    frt_due_at = models.DateTimeField("first response due", null=True, blank=True)
    frt_warn_at = models.DateTimeField("first response at risk from", null=True, blank=True)
    frt_warned_at = models.DateTimeField("first response at-risk alert", null=True, blank=True)
    frt_breached_at = models.DateTimeField("first response breach alert", null=True, blank=True)
    res_due_at = models.DateTimeField("resolution due", null=True, blank=True)
    res_warn_at = models.DateTimeField("resolution at risk from", null=True, blank=True)
    res_warned_at = models.DateTimeField("resolution at-risk alert", null=True, blank=True)
    res_breached_at = models.DateTimeField("resolution breach alert", null=True, blank=True)
    # The due times as first set in the current cycle (first response: the ticket's only one), kept when a
    # priority or policy change moves the due time later: a decision records both.
    frt_first_due_at = models.DateTimeField("first response due, as first set", null=True, blank=True)
    res_first_due_at = models.DateTimeField("resolution due, as first set this cycle", null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="ticket_unique_team_number"),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__range=(1, 5)), name="ticket_impact_1_5"
            ),
            models.CheckConstraint(
                condition=Q(effort__isnull=True) | Q(effort__range=(1, 5)), name="ticket_effort_1_5"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "position", "id"], name="ticket_board_order"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["project", "status", "position"], name="ticket_project_board_order"),
            # The SLA sweep's claims read a window of due times (see tickets.sla.sla_sweep). No index
            # names a breach or warning stamp, so a claim is a heap-only (HOT) update that rewrites no
            # index entry; the table's fillfactor leaves each page room for it.
            models.Index(fields=["frt_due_at"], condition=Q(frt_due_at__isnull=False), name="ticket_sla_frt_due"),
            models.Index(fields=["res_due_at"], condition=Q(res_due_at__isnull=False), name="ticket_sla_res_due"),
            models.Index(fields=["frt_warn_at"], condition=Q(frt_warn_at__isnull=False), name="ticket_sla_frt_warn"),
            models.Index(fields=["res_warn_at"], condition=Q(res_warn_at__isnull=False), name="ticket_sla_res_warn"),
            # Surveys go out for recently resolved tickets. Partial: open tickets (the ones
            # the SLA sweep rewrites) have no entry here, so claims do not pay for it.
            models.Index(fields=["resolved_at"], condition=Q(status="resolved"), name="ticket_resolved_at"),
            # The board's Resolved column shows recent work: its count and first page read this range.
            models.Index(
                fields=["team", "resolved_at"], condition=Q(status="resolved"), name="ticket_team_recently_resolved"
            ),
            models.Index(
                fields=["project", "resolved_at"],
                condition=Q(status="resolved"),
                name="ticket_project_recently_resolv",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return f"{self.team.slug.upper()}-{self.number}"

    def mark_started(self, now: datetime) -> None:
        """Work starts the first time the ticket enters an active status (cycle time runs from here)."""
        if self.work_started_at is None and self.status in ACTIVE_STATUSES:
            self.work_started_at = now

    @property
    def is_open(self) -> bool:
        return self.status != Status.RESOLVED

    @property
    def quadrant(self) -> str | None:
        """Impact-effort quadrant (DESIGN.md): split at 3 on both axes."""
        if self.impact is None or self.effort is None:
            return None
        if self.impact >= 3:
            return "quick win" if self.effort < 3 else "major project"
        return "fill-in" if self.effort < 3 else "thankless"


class Comment(models.Model):
    """A public reply to the requester or an internal note for the team."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    body_html = models.TextField(editable=False)
    is_public = models.BooleanField(default=True, help_text="Public reply (visible to the requester) or internal note.")
    from_customer = models.BooleanField(
        default=False, help_text="The customer's own message (received by email or phone), logged by the author."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{'Reply' if self.is_public else 'Note'} on {self.ticket_id}"


class TicketEvent(models.Model):
    """One change of a tracked field: who, when, from, to.

    Cycle time, lead time and cumulative flow read these rows. Values are the
    stored codes or ids; labels are the human names at the time.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    field = models.CharField(max_length=16, choices=EventField.choices)
    from_value = models.CharField(max_length=64, blank=True)
    to_value = models.CharField(max_length=64, blank=True)
    from_label = models.CharField(max_length=160, blank=True)
    to_label = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["field", "created_at"], name="event_field_time")]

    def __str__(self) -> str:
        return f"{self.field}: {self.from_label or '—'} → {self.to_label or '—'}"


class Board(models.Model):
    """A Kanban board: of a team (all its tickets) or of one Kanban project."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="boards")
    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="board"
    )
    name = models.CharField(max_length=120)
    wip_per_agent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most tickets one agent may have in progress; auto-assign respects it."
    )
    resolved_days = models.PositiveSmallIntegerField(
        "days of resolved work shown",
        default=14,
        validators=[MaxValueValidator(3650)],
        help_text="The Resolved column shows tickets resolved in the last N days (0: all of them).",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(project__isnull=True), name="board_one_team_board_per_team"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Column(models.Model):
    """A board column: the status it maps to, its order and its WIP limit."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=60)
    status = models.CharField(max_length=16, choices=Status.choices)
    order = models.PositiveSmallIntegerField()
    wip_limit = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    pauses_sla = models.BooleanField(
        default=False, help_text="SLA clocks stop while a ticket is here (e.g. waiting on the customer)."
    )

    class Meta:
        ordering = ["board", "order"]
        constraints = [
            models.UniqueConstraint(fields=["board", "status"], name="column_unique_board_status"),
            models.UniqueConstraint(fields=["board", "order"], name="column_unique_board_order"),
        ]

    def __str__(self) -> str:
        return f"{self.board}: {self.name}"


DEFAULT_COLUMNS = (
    ("To Do", Status.TODO, None),
    ("In Progress", Status.IN_PROGRESS, 5),
    ("Waiting on customer", Status.WAITING, None),
    ("Escalated", Status.ESCALATED, 3),
    ("Resolved", Status.RESOLVED, None),
)
DEFAULT_PAUSED_STATUSES = (Status.WAITING,)


class RoutingRule(models.Model):
    """On creation, the first active rule (by order) whose conditions all match applies.

    Empty conditions match anything. Actions set the team, priority, labels
    and/or assignee; ``auto_assign`` picks the least-loaded agent instead.
    """

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="routing_rules")
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # Conditions
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, null=True, blank=True)
    account_tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    keywords = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated; any one found in the title or description matches."
    )
    # Actions
    set_team = models.ForeignKey(
        "teams.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Route to this team instead.",
    )
    set_priority = models.PositiveSmallIntegerField(choices=Priority.choices, null=True, blank=True)
    add_labels = models.ManyToManyField(Label, blank=True, related_name="+")
    set_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    auto_assign = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["team", "order", "id"]

    def __str__(self) -> str:
        return self.name


# --- SLA ---------------------------------------------------------------------------------


class SLAPolicy(models.Model):
    """Targets per priority for the tickets it matches; the first active match (by order) applies.

    Empty conditions match anything. Targets count business time on the
    team's calendar, or calendar time when ``business_hours`` is off.
    """

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="sla_policies")
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    account_tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, null=True, blank=True)
    business_hours = models.BooleanField(default=True, help_text="Count only the team's working hours.")
    first_response_customer_only = models.BooleanField(
        "first response for customer work only",
        default=True,
        help_text="First-response targets apply to customer inquiries, incidents and bugs only: internal tasks "
        "and improvements have nobody waiting for a reply. Resolution targets apply to every kind the policy matches.",
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Warn when this share of a target has elapsed.",
    )
    escalate_to_column = models.BooleanField(
        default=True, help_text="On breach, move to Escalated (ignoring its WIP limit)."
    )
    raise_priority = models.BooleanField(default=True, help_text="On breach, raise the priority one step.")
    notify = models.BooleanField(
        default=True, help_text="Notify the assignee and the team leads (in the app and by email)."
    )
    version = models.PositiveIntegerField(default=1)

    objects = SLAPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["team", "order", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "-priority"]
        constraints = [models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_unique_priority")]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_priority_display()}"


class SLAAlert(models.Model):
    """A claimed warning or breach. Unique per ticket, target and kind: a re-run sweep alerts once."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_alerts")
    target = models.CharField(max_length=16, choices=SLATargetKind.choices)
    kind = models.CharField(max_length=16, choices=SLAAlertKind.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "kind"], name="sla_alert_once_per_ticket_target_kind")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.kind}"


class SLASweepMark(models.Model):
    """Where the SLA sweep's next claims start: targets due at or after ``after`` may be unclaimed.

    Each sweep deletes the marks it finds, claims the targets due from the
    earliest of them up to now, and leaves one mark a few minutes before its
    own time. A write that sets a due or warning time at or before the near
    future (a raised priority, a tighter policy) leaves a mark at that time.
    No mark at all means "look at every due time".
    """

    after = models.DateTimeField()

    def __str__(self) -> str:
        return f"sweep from {self.after:%Y-%m-%d %H:%M:%S}"


class SLAOutcome(models.Model):
    """How one target of one SLA cycle of a ticket was decided: met or breached, when, judged by what.

    Written once, when the target's event happens (the first public reply, the
    resolution) or its due time passes, whichever is first, and never judged
    again: a later change of priority or policy, or an edited calendar, does
    not rewrite it. Dashboards count these rows (DESIGN.md's attainment).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_outcomes")
    target = models.CharField(max_length=16, choices=SLATargetKind.choices)
    cycle = models.PositiveSmallIntegerField(help_text="The ticket's SLA cycle: 1, then one more per reopening.")
    outcome = models.CharField(max_length=16, choices=SLAOutcomeKind.choices)
    decided_at = models.DateTimeField(help_text="The event's time when met; the due time when breached.")
    first_due_at = models.DateTimeField(help_text="The due time as first set in the cycle.")
    due_at = models.DateTimeField(help_text="The due time as last set: the one the target was judged against.")
    target_seconds = models.PositiveIntegerField(help_text="The target, in the policy's clock (business or calendar).")
    elapsed_seconds = models.PositiveIntegerField(help_text="How long the clock had run when it was decided.")
    policy = models.ForeignKey(SLAPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    policy_name = models.CharField(max_length=120, help_text="The policy's name then (policies can be deleted).")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)

    class Meta:
        ordering = ["ticket", "cycle", "target"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "cycle"], name="sla_outcome_once_per_target_cycle")
        ]
        indexes = [models.Index(fields=["decided_at"], name="sla_outcome_decided")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} cycle {self.cycle}: {self.outcome}"


class TicketFollower(models.Model):
    """A person who follows a ticket: told of its changes and comments (as they chose to hear of them)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="follow_ticket_once")]
        indexes = [models.Index(fields=["user"], name="follower_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.ticket_id}"


class SavedView(models.Model):
    """A named set of filters of the ticket list or the board: one person's, or shared with the team.

    ``query`` is the page's query string, so the view's link opens the very
    same filters; a person who lacks access to the team never sees it.
    """

    class Page(models.TextChoices):
        LIST = "list", "Ticket list"
        BOARD = "board", "Board"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="saved_views")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=8, choices=Page.choices)
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    shared = models.BooleanField(default=False, help_text="Everyone in the team sees it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "owner", "page", "name"], name="saved_view_name_once_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class DeliverableLink(models.Model):
    """A project deliverable done through a ticket, so its work shows on the board (tickets sit above
    projects: the link lives here)."""

    deliverable = models.OneToOneField("projects.Deliverable", on_delete=models.CASCADE, related_name="ticket_link")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="deliverable_links")

    def __str__(self) -> str:
        return f"{self.deliverable_id} → {self.ticket_id}"
