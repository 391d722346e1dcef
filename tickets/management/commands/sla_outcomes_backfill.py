from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from teams.models import Team
from tickets.sla.outcomes import outcomes_backfill


class Command(BaseCommand):
    help = (
        "Store the SLA outcome (met or breached) of every target of every ticket with a clock, for tickets "
        "decided before outcomes were stored, judged by today's policies and calendars with the engine's rules. "
        "Outcomes already stored are kept. Run once after upgrading; safe to run again."
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
            self.stdout.write(f"{team.slug}: {outcomes_backfill(team=team, now=now)} outcomes stored.")
