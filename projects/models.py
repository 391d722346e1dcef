"""Projects of a team: scope, dates, budget and costs, stakeholders and status updates.

Phases, gates, baselines and RACI come with their features; a project's
sprints live in planning, its goals and ROI in metrics, its tickets in tickets.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from projects.querysets import ProjectQuerySet


class Framework(models.TextChoices):
    KANBAN = "kanban", "Kanban"
    SCRUM = "scrum", "Scrum"
    WATERFALL = "waterfall", "Waterfall"


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Project(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=160)
    framework = models.CharField(max_length=16, choices=Framework.choices, default=Framework.KANBAN)
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")  # fmt: skip
    description = models.TextField(blank=True)
    scope_in = models.JSONField(default=list, blank=True, help_text="What the project delivers, one item a line.")
    scope_out = models.JSONField(default=list, blank=True, help_text="What it explicitly does not.")
    start = models.DateField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True, help_text="When it is due to finish.")
    launch_date = models.DateField(null=True, blank=True, help_text="When it went (or goes) live: ROI compares "
                                   "its goals' metrics before and after.")  # fmt: skip
    budget_planned = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0)])  # fmt: skip
    allow_overlap = models.BooleanField(default=False, help_text="Phases may overlap (hybrid plans).")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="project_unique_team_name"),
            models.CheckConstraint(condition=Q(target_date__isnull=True) | Q(start__isnull=True)
                                   | Q(target_date__gte=F("start")), name="project_dates_in_order"),
            models.CheckConstraint(condition=Q(budget_planned__isnull=True) | Q(budget_planned__gte=0),
                                   name="project_budget_not_negative"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class CostCategory(models.TextChoices):
    PEOPLE = "people", "People"
    TOOLS = "tools", "Tools"
    TRAINING = "training", "Training"
    EXTERNAL = "external", "External"


class CostEntry(models.Model):
    """Money spent on a project: what, when, how much, who entered it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="costs")
    date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    category = models.CharField(max_length=16, choices=CostCategory.choices)
    note = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")  # fmt: skip
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "date", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="cost_not_negative")]

    def __str__(self) -> str:
        return f"{self.date} {self.category} {self.amount}"


class Stakeholder(models.Model):
    """Someone the project keeps informed: a team member, or a named outside person with an email."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stakeholders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")  # fmt: skip
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=120, blank=True, help_text="Sponsor, vendor contact, …")
    wants_updates = models.BooleanField(default=True, help_text="Mail them each status update.")

    class Meta:
        ordering = ["project", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | (~Q(name="") & ~Q(email="")),
                                   name="stakeholder_is_someone"),
            models.UniqueConstraint(fields=["project", "user"], condition=Q(user__isnull=False),
                                    name="stakeholder_member_once"),
            models.UniqueConstraint(fields=["project", "email"], condition=~Q(email=""),
                                    name="stakeholder_email_once"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name or str(self.user_id)

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user_id and self.user else self.name


class StatusUpdate(models.Model):
    """A short note from a lead on how the project stands; the latest shows on the overview."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    health = models.CharField(max_length=8, choices=[("green", "On track"), ("amber", "At risk"),
                                                     ("red", "Off track")], default="green")  # fmt: skip
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.created_at:%Y-%m-%d}"


# --- Waterfall: phases, deliverables, gates, milestones --------------------------------------------------------

DEFAULT_PHASES = ("Planning", "Pilot", "Execution", "Testing", "Launch")


class Phase(models.Model):
    """A stage of a project in order, with planned and actual dates; it closes through an approved gate."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    planned_start = models.DateField()
    planned_end = models.DateField()
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    closed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "order"], name="phase_unique_order"),
            models.CheckConstraint(condition=Q(planned_end__gte=F("planned_start")), name="phase_dates_in_order"),
        ]

    def __str__(self) -> str:
        return self.name


class Deliverable(models.Model):
    """A checklist item of a phase: who delivers it by when; done, or waived with a reason."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="deliverables")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")  # fmt: skip
    due = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")  # fmt: skip
    waived_reason = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["phase", "due", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def settled(self) -> bool:
        return self.done_at is not None or bool(self.waived_reason)


class GateDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CONDITIONS = "conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"


class Gate(models.Model):
    """A decision at the end of a phase: who decided what, when and why. Never edited; a new one follows."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="gates")
    decision = models.CharField(max_length=16, choices=GateDecision.choices)
    comment = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phase", "decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.phase_id} {self.decision}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=160)
    date = models.DateField()
    reached_at = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "date", "id"]

    def __str__(self) -> str:
        return self.name


# --- RACI -------------------------------------------------------------------------------------------------------


class RaciRole(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class RaciRow(models.Model):
    """An activity of the matrix: a phase, a deliverable (each has a row) or a named activity."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="raci_rows")
    activity = models.CharField(max_length=200, blank=True)
    phase = models.OneToOneField(Phase, on_delete=models.CASCADE, null=True, blank=True, related_name="raci_row")
    deliverable = models.OneToOneField(Deliverable, on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="raci_row")  # fmt: skip
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.phase_id and self.phase:
            return f"Phase: {self.phase.name}"
        if self.deliverable_id and self.deliverable:
            return self.deliverable.title
        return self.activity


class RaciCell(models.Model):
    """One person's role on one row: a team member or an outside stakeholder."""

    row = models.ForeignKey(RaciRow, on_delete=models.CASCADE, related_name="cells")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")  # fmt: skip
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=1, choices=RaciRole.choices)

    class Meta:
        constraints = [
            # Exactly one person is Accountable for an activity: the database holds it, so two clicks at once
            # cannot make two.
            models.UniqueConstraint(fields=["row"], condition=Q(role="A"), name="raci_one_accountable"),
            models.UniqueConstraint(fields=["row", "user"], condition=Q(user__isnull=False), name="raci_user_once"),
            models.UniqueConstraint(fields=["row", "stakeholder"], condition=Q(stakeholder__isnull=False),
                                    name="raci_stakeholder_once"),
            models.CheckConstraint(condition=Q(user__isnull=False, stakeholder__isnull=True)
                                   | Q(user__isnull=True, stakeholder__isnull=False), name="raci_cell_one_person"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.row_id} {self.role}"


class Baseline(models.Model):
    """The plan frozen under a name (phases, milestones, deliverable due dates): never edited afterwards."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="baselines")
    name = models.CharField(max_length=120)
    plan = models.JSONField(help_text="phases, milestones and deliverables with their dates when saved")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="baseline_unique_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("A baseline is never edited: save a new one.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ProjectTemplate(models.Model):
    """A ready plan for a kind of support project: data, not code (shipped ones come with a migration).

    ``phases``: ``[{"name", "working_days", "deliverables": [{"title", "day"}]}]`` where ``day`` is the
    working day of the phase it is due on; ``milestones``: ``[{"name", "after_phase"}]`` (phase number);
    ``raci``: ``[{"activity", "roles": {"owner": "A", "lead": "R", …}}]`` suggested roles by position.
    """

    name = models.CharField(max_length=120, unique=True)
    framework = models.CharField(max_length=16, choices=Framework.choices, default=Framework.WATERFALL)
    description = models.TextField(blank=True)
    scope_in = models.JSONField(default=list, blank=True)
    scope_out = models.JSONField(default=list, blank=True)
    phases = models.JSONField(default=list)
    milestones = models.JSONField(default=list, blank=True)
    raci = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Remark(models.Model):
    """A comment on a deliverable: how Consulted people answer the input asked of them, and anyone on the
    project discusses the work."""

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="remarks")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deliverable", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.deliverable_id} {self.created_at:%Y-%m-%d}"
