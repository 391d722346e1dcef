from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.bulk import analyze
from teams.models import Team
from tickets.models import Ticket
from tickets.sla.recompute import team_clocks_recompute


class Command(BaseCommand):
    help = (
        "Recompute the SLA due and warning times of every open ticket (of one team with --team), with the "
        "current policies, calendars and clock rules. Run once after upgrading to a release that changes "
        "how clocks count (the same bulk recompute a policy or calendar change queues); safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", metavar="SLUG", help="Only this team.")

    def handle(self, *args: Any, **options: Any) -> None:
        teams = Team.objects.order_by("slug")
        if options["team"]:
            teams = teams.filter(slug=options["team"])
            if not teams.exists():
                raise CommandError(f"No team with the slug “{options['team']}”.")
        total = 0
        for team in teams:
            written = team_clocks_recompute(team=team)
            total += written
            self.stdout.write(f"{team.slug}: {written} open tickets recomputed.")
        analyze(Ticket)  # a bulk rewrite: the planner's statistics of the new due times
        self.stdout.write(f"SLA clocks recomputed for {total} open tickets.")
