"""A team's planning as the pages see it, at any backlog size: shared by the pinned query counts
(tests/planning/test_queries.py) and the planning benchmark (tests/bench/test_planning_bench.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from planning import retros, services, standups
from planning.choices import RetroColumn
from planning.models import Sprint
from teams.calendar import BusinessCalendar
from teams.models import Membership, Role, Team, User
from tests.factories import MembershipFactory, UserFactory, make_ticket
from tickets.choices import Kind, Status
from tickets.models import Ticket


@dataclass
class World:
    team: Team
    lead: User
    active: Sprint
    planned: Sprint

    def pages(self) -> dict[str, str]:
        """Every planning page a lead opens, by name."""
        slug, a, p = self.team.slug, self.active.number, self.planned.number
        return {
            "backlog": reverse("planning:backlog", args=[slug]),
            "backlog page 2": reverse("planning:backlog", args=[slug]) + "?page=2",
            "matrix": reverse("planning:matrix", args=[slug]),
            "sprints": reverse("planning:sprints", args=[slug]),
            "planning view": reverse("planning:sprint", args=[slug, p]),
            "sprint page": reverse("planning:sprint", args=[slug, a]),
            "standup": reverse("planning:standup", args=[slug, a]),
            "review": reverse("planning:review", args=[slug, a]),
            "retrospective": reverse("planning:retro", args=[slug, a]),
        }


def backlog_add(team: Team, count: int) -> None:
    """``count`` open backlog tasks, in one insert; a third unestimated, every fourth scored on the matrix."""
    first = (Ticket.objects.filter(team=team).aggregate(m=Max("number"))["m"] or 0) + 1
    now = timezone.now()
    Ticket.objects.bulk_create(
        [
            Ticket(
                team=team, number=first + n, kind=Kind.TASK if n % 2 else Kind.IMPROVEMENT,
                title=f"Backlog item {first + n}", status=Status.TODO, position=(first + n) * 1024,
                story_points=None if n % 3 == 0 else 1 + n % 8, impact=1 + n % 5 if n % 4 == 0 else None,
                effort=1 + (n // 5) % 5 if n % 4 == 0 else None, created_at=now - timedelta(hours=n), updated_at=now,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )  # fmt: skip


def planning_world(team: Team, backlog: int, agents: int = 3) -> World:
    """A lead and ``agents`` agents; an active sprint of 12 items (started three days ago, standup entries,
    a blocker, a retrospective with notes and an action) and the next sprint planned with 8 items;
    ``backlog`` more items waiting."""
    lead = UserFactory(username=f"lead-{team.slug}")
    MembershipFactory(user=lead, team=team, role=Role.LEAD)
    members = [UserFactory() for _ in range(agents)]
    for agent in members:
        MembershipFactory(user=agent, team=team, role=Role.AGENT)
    Membership.objects.filter(team=team).update(joined_at=timezone.now() - timedelta(days=60))
    today = timezone.localdate()
    active = services.sprint_create(team=team, by=lead, start_date=today - timedelta(days=3))
    work = [make_ticket(team, title=f"Sprint work {n}", kind="task", story_points=1 + n % 5) for n in range(20)]
    services.sprint_add(sprint=active, by=lead, tickets=work[:12])
    active = services.sprint_start(sprint=active, by=lead)
    planned = services.sprint_create(team=team, by=lead, start_date=active.end_date + timedelta(days=1))
    services.sprint_add(sprint=planned, by=lead, tickets=work[12:])
    day = standups.standup_day_for(active, BusinessCalendar.for_team(team), today)
    assert day is not None
    standup = standups.standup_open(sprint=active, day=day)
    for member in [lead, *members]:
        standups.standup_entry_save(
            standup=standup, member=member, by=member, expected_version=0,
            text={"yesterday": "Closed the refund queue", "today": "Macros"},
        )  # fmt: skip
    standups.blocker_raise(sprint=active, by=members[0], text="Waiting on billing", ticket=work[0])
    retro = retros.retro_open(sprint=active)
    note = retros.note_add(retro=retro, by=lead, column=RetroColumn.WENT_BADLY, text="Too many walk-ins")
    retros.note_vote(note=note, voter=lead)
    retros.action_add(retro=retro, by=lead, text="Write the VAT macro")
    backlog_add(team, backlog)
    return World(team=team, lead=lead, active=active, planned=planned)
