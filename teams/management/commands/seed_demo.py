from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from teams.demo import DEMO_PASSWORD, SIGN_INS, seed_people
from teams.models import Team


class Command(BaseCommand):
    help = "Load deterministic demo data: teams with calendars, people in every role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help="Random seed (same seed, same data).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any team exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Team.objects.exists():
            self.stdout.write("Demo data: the database already has teams; nothing loaded.")
        else:
            teams = seed_people(seed=options["seed"], today=timezone.now().date())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(teams)} teams."))
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for username, what in SIGN_INS:
            self.stdout.write(f"  {username:<8} {what}")
