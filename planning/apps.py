from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Sprints and their membership history, daily sprint snapshots, the ordered backlog and capacity."""

    name = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        # The tickets board reads ?sprint=N through this resolver (tickets cannot import planning).
        from planning.board import sprint_scope
        from tickets.selectors.board import SCOPES

        SCOPES["sprint"] = sprint_scope
