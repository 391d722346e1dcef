"""Projects of a team. Sprints, goals, phases and RACI arrive with their features."""

from __future__ import annotations

from django.db import models

from projects.querysets import ProjectQuerySet


class Framework(models.TextChoices):
    KANBAN = "kanban", "Kanban"
    SCRUM = "scrum", "Scrum"
    WATERFALL = "waterfall", "Waterfall"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Project(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=160)
    framework = models.CharField(max_length=16, choices=Framework.choices, default=Framework.KANBAN)
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="project_unique_team_name")]

    def __str__(self) -> str:
        return self.name
