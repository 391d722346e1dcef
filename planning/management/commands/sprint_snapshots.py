from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.bulk import analyze
from planning.models import Sprint, SprintSnapshot
from planning.snapshots import snapshots_due, snapshots_write
from teams.models import Team


class Command(BaseCommand):
    help = (
        "Write the sprint snapshots that are due (what beat does); with --backfill, rebuild every day of every "
        "started sprint from the membership and ticket history. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backfill", action="store_true", help="Rebuild every snapshot from history.")
        parser.add_argument("--team", help="Only this team's sprints (its slug).")

    def handle(self, *args: Any, backfill: bool = False, team: str | None = None, **options: Any) -> None:
        sprints = Sprint.objects.exclude(started_at=None)
        if team:
            found = Team.objects.filter(slug=team).first()
            if found is None:
                raise CommandError(f"No team with the slug {team!r}.")
            sprints = sprints.filter(team=found)
        if backfill:
            written = snapshots_write(sprints, rebuild=True)
            analyze(SprintSnapshot)  # a rebuild is a bulk load: the planner gets the new rows' statistics
        elif team:
            written = snapshots_write(sprints.filter(state="active"))
        else:
            written = snapshots_due()
        self.stdout.write(f"{written} sprint snapshot(s) written.")
