from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Sprints and their membership history, daily sprint snapshots, the ordered backlog and capacity."""

    name = "planning"
    verbose_name = "Planning"
