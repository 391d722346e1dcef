"""Demo teams and people: calendars in three time zones, every role.

Deterministic for a given seed; running it again changes nothing that exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from teams.models import Holiday, Membership, Role, Team, User, WorkingHours

DEMO_PASSWORD = "supportpm-demo"  # noqa: S105 - documented demo sign-in


@dataclass(frozen=True)
class DemoTeam:
    slug: str
    name: str
    time_zone: str
    description: str
    # (weekday, start minute, end minute)
    hours: tuple[tuple[int, int, int], ...]
    # (month, day, name), repeated every year
    holidays: tuple[tuple[int, int, str], ...]


def _weekdays(start: int, end: int, days: range = range(5)) -> tuple[tuple[int, int, int], ...]:
    return tuple((d, start, end) for d in days)


TEAMS = (
    DemoTeam(
        slug="emea",
        name="Customer Care EMEA",
        time_zone="Europe/Berlin",
        description="First-line support for Europe, the Middle East and Africa: email, chat and phone.",
        hours=_weekdays(8 * 60, 18 * 60),
        holidays=(
            (1, 1, "New Year's Day"),
            (5, 1, "Labour Day"),
            (10, 3, "German Unity Day"),
            (12, 25, "Christmas Day"),
            (12, 26, "Boxing Day"),
        ),
    ),
    DemoTeam(
        slug="americas",
        name="Platform Support Americas",
        time_zone="America/New_York",
        description="Technical support for API and integration customers in the Americas.",
        # Weekdays 09:00-17:00 plus a Saturday morning shift.
        hours=(*_weekdays(9 * 60, 17 * 60), (5, 10 * 60, 14 * 60)),
        holidays=((1, 1, "New Year's Day"), (7, 4, "Independence Day"), (12, 25, "Christmas Day")),
    ),
    DemoTeam(
        slug="apac",
        name="APAC Premium 24x7",
        time_zone="Australia/Sydney",
        description="Round-the-clock support for premium accounts in Asia-Pacific.",
        hours=_weekdays(0, 24 * 60, range(7)),
        holidays=(),
    ),
)

# username, first, last, {team slug: role}
PEOPLE = (
    ("maya", "Maya", "Okafor", {"emea": Role.MANAGER, "americas": Role.MANAGER, "apac": Role.MANAGER}),
    ("leo", "Leo", "Lindqvist", {"emea": Role.LEAD}),
    ("priya", "Priya", "Raman", {"americas": Role.LEAD}),
    ("kenji", "Kenji", "Watanabe", {"apac": Role.LEAD}),
    ("ana", "Ana", "Costa", {"emea": Role.AGENT, "americas": Role.AGENT}),
    ("ben", "Ben", "Schneider", {"emea": Role.AGENT}),
    ("chloe", "Chloé", "Martin", {"emea": Role.AGENT}),
    ("diego", "Diego", "Alvarez", {"americas": Role.AGENT}),
    ("emma", "Emma", "Johnson", {"americas": Role.AGENT}),
    ("farah", "Farah", "Hassan", {"apac": Role.AGENT}),
    ("george", "George", "Nguyen", {"apac": Role.AGENT}),
    ("vic", "Victoria", "Stone", {"emea": Role.VIEWER, "americas": Role.VIEWER}),
)

SKILLS = (
    "billing",
    "API",
    "SSO",
    "mobile",
    "German",
    "Spanish",
    "French",
    "Japanese",
    "onboarding",
    "data export",
    "integrations",
    "security",
)

# The sign-ins printed by `make run` and listed in the README.
SIGN_INS = (
    ("maya", "manager of every team"),
    ("leo", "team lead, Customer Care EMEA"),
    ("ana", "agent in EMEA and Americas"),
    ("vic", "viewer (read-only)"),
    ("admin", "Django admin (staff), in no team"),
)


@transaction.atomic
def seed_people(*, seed: int, today: date) -> dict[str, Team]:
    """Create the demo teams, calendars and people; return the teams by slug."""
    rng = random.Random(seed)
    teams: dict[str, Team] = {}
    for spec in TEAMS:
        team, created = Team.objects.get_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "time_zone": spec.time_zone, "description": spec.description},
        )
        teams[spec.slug] = team
        if created:
            WorkingHours.objects.bulk_create(
                WorkingHours(team=team, weekday=d, start_minute=s, end_minute=e) for d, s, e in spec.hours
            )
            Holiday.objects.bulk_create(
                Holiday(team=team, date=date(year, month, day), name=name)
                # Last year too: demo ticket history reaches back months.
                for year in (today.year - 1, today.year, today.year + 1)
                for month, day, name in spec.holidays
            )

    for username, first, last, roles in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@supportpm.example"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        for slug, role in roles.items():
            Membership.objects.get_or_create(
                user=user,
                team=teams[slug],
                defaults={
                    "role": role,
                    "capacity": rng.choice((13, 16, 20, 24)) if role != Role.VIEWER else 0,
                    "skills": sorted(rng.sample(SKILLS, 3)) if role != Role.VIEWER else [],
                },
            )

    if not User.objects.filter(username="admin").exists():
        admin = User(
            username="admin",
            first_name="Site",
            last_name="Admin",
            email="admin@supportpm.example",
            is_staff=True,
            is_superuser=True,
        )
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    return teams
