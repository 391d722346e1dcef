from __future__ import annotations

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from metrics.daily import first_day, rebuild_done, team_rebuild
from teams.calendar import CalendarHistory
from teams.models import Team


class Command(BaseCommand):
    help = (
        "Rebuild the daily figures from ticket history: every day of every team (or from --since, or one "
        "--team). Idempotent: the same rows beat writes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=date.fromisoformat, help="First day to rebuild (YYYY-MM-DD).")
        parser.add_argument("--team", help="Only this team (its slug).")

    def handle(self, *args: Any, since: date | None = None, team: str | None = None, **options: Any) -> None:
        teams = Team.objects.prefetch_related("working_hours", "holidays").order_by("slug")
        if team:
            teams = teams.filter(slug=team)
            if not teams:
                raise CommandError(f"No team with the slug {team!r}.")
        now = timezone.now()
        if since is not None and since > now.date():
            raise CommandError("--since is in the future: nothing to rebuild.")
        plan = []
        for t in teams:
            start = since or first_day(t, CalendarHistory.for_team(t))
            if start is not None:
                plan.append((t, start, (now.date() - start).days + 2))
        total = sum(days for _, _, days in plan) or 1
        done = 0
        tty = self.stdout.isatty() if hasattr(self.stdout, "isatty") else sys.stdout.isatty()

        def progress(days: int) -> None:
            nonlocal done
            done += days
            if tty:
                width = 30
                filled = min(width, width * done // total)
                self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {min(done, total)}/{total} days",
                                  ending="")  # fmt: skip
                self.stdout.flush()

        written = 0
        for t, _, _ in plan:
            written += team_rebuild(t, since=since, now=now, progress=progress)
        if tty:
            self.stdout.write("")
        rebuild_done()
        self.stdout.write(f"{written} team-days of figures rebuilt for {len(plan)} team(s).")
