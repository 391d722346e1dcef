from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.bulk import analyze
from teams.models import Team
from tickets.models import SLAOutcome, Ticket
from tickets.sla.outcomes import outcomes_backfill
from tickets.sla.recompute import clocks_start_from_history, team_clocks_recompute


class Command(BaseCommand):
    help = (
        "Store the SLA outcome (met or breached) of every target of every ticket with a clock, for tickets "
        "decided before outcomes were stored, judged by today's policies and calendars with the engine's rules. "
        "Tickets from before the SLA engine first get their clocks from their status history. Outcomes "
        "already stored are kept. Run once after upgrading; safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", metavar="SLUG", help="Only this team.")

    def handle(self, *args: Any, **options: Any) -> None:
        teams = Team.objects.order_by("slug")
        if options["team"]:
            teams = teams.filter(slug=options["team"])
            if not teams.exists():
                raise CommandError(f"No team with the slug “{options['team']}”.")
        now = timezone.now()
        for team in teams:
            # Tickets from before the SLA engine: their clocks from their status history first.
            started = clocks_start_from_history(team=team)
            if started:
                team_clocks_recompute(team=team)
            stored = outcomes_backfill(team=team, now=now)
            self.stdout.write(f"{team.slug}: {started} clocks started from history, {stored} outcomes stored.")
        analyze(Ticket, SLAOutcome)  # a rebuild: the planner's statistics of what it wrote
