from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date, datetime
from multiprocessing import get_context
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.utils import timezone

from metrics.daily import first_day, rebuild_done, team_rebuild
from teams.calendar import CalendarHistory
from teams.models import Team


def _rebuild_one(team_id: int, since: date | None, now: datetime) -> int:
    """One team's rebuild, in a worker process with its own database connection."""
    team = Team.objects.prefetch_related("working_hours", "holidays").get(pk=team_id)
    return team_rebuild(team, since=since, now=now)


class Command(BaseCommand):
    help = (
        "Rebuild the daily figures from ticket history: every day of every team (or from --since, or one "
        "--team). Idempotent: the same rows beat writes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=date.fromisoformat, help="First day to rebuild (YYYY-MM-DD).")
        parser.add_argument("--team", help="Only this team (its slug).")
        parser.add_argument(
            "--jobs", type=int, default=1,
            help="Teams rebuilt at once, each in its own process (PostgreSQL only; default 1).",
        )  # fmt: skip

    def handle(
        self, *args: Any, since: date | None = None, team: str | None = None, jobs: int = 1, **options: Any
    ) -> None:
        teams = Team.objects.prefetch_related("working_hours", "holidays").order_by("slug")
        if team:
            teams = teams.filter(slug=team)
            if not teams:
                raise CommandError(f"No team with the slug {team!r}.")
        if jobs < 1:
            raise CommandError("--jobs is at least 1.")
        if jobs > 1 and connection.vendor != "postgresql":
            raise CommandError("--jobs above 1 needs PostgreSQL (SQLite takes one writer at a time).")
        now = timezone.now()
        if since is not None and since > now.date():
            raise CommandError("--since is in the future: nothing to rebuild.")
        plan = []
        for t in teams:
            start = since or first_day(t, CalendarHistory.for_team(t))
            if start is not None:
                plan.append((t, (now.date() - start).days + 2))
        total = sum(days for _, days in plan) or 1
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
        if jobs == 1:
            for t, _ in plan:
                written += team_rebuild(t, since=since, now=now, progress=progress)
        else:
            connections.close_all()  # each worker opens its own connection
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
                futures = {pool.submit(_rebuild_one, t.pk, since, now): days for t, days in plan}
                for future in as_completed(futures):
                    written += future.result()
                    progress(futures[future])
        if tty:
            self.stdout.write("")
        rebuild_done()
        self.stdout.write(f"{written} team-days of figures rebuilt for {len(plan)} team(s).")
