"""Demo data for what people are told and how they look at work: followers, mentions, customer replies,
saved views and notification choices. Everything goes through the services, so the notifications a
newcomer finds in the app are the real ones (not mailed: nobody needs email about demo tickets).
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import NotificationPreference
from notifications.services import preferences_save
from teams.models import Membership, Role, Team
from tickets import news
from tickets.choices import Status
from tickets.models import Comment, SavedView, Ticket
from tickets.services import comment_add

# (page, name, query, shared): what a lead shares with the team, and an agent keeps for themselves.
LEAD_VIEWS = (
    ("board", "At risk or breached", "sla_risk=on", True),
    ("board", "Breach-risk lanes", "lanes=sla", True),
    ("list", "Breached, still open", "sla=breached&status=open", True),
    ("list", "Escalated, most urgent first", "sort=-priority&status=escalated", True),
)
AGENT_VIEWS = (
    ("list", "My open tickets", "assignee=me&sort=-priority&status=open", False),
    ("board", "Mine", "mine=on", False),
)


@dataclass(frozen=True)
class FollowResult:
    views: int
    followed: int
    mentions: int


def seed_following(*, teams: dict[str, Team]) -> FollowResult:
    """Once per team: leads follow the escalated tickets, mention an assignee on a few open ones, log a
    customer's reply; saved views for leads and agents; the lead of each team takes followed tickets daily."""
    views = followed = mentions = 0
    for team in teams.values():
        if SavedView.objects.filter(team=team).exists():
            continue  # seeded before: running the seed again adds nothing
        members = list(Membership.objects.filter(team=team).select_related("user").order_by("user__username"))
        lead = next((m.user for m in members if m.role == Role.LEAD), None)
        agents = [m.user for m in members if m.role == Role.AGENT]
        if lead is None:
            continue
        for page, name, query, shared in LEAD_VIEWS:
            SavedView.objects.create(team=team, owner=lead, page=page, name=name, query=query, shared=shared)
            views += 1
        for agent in agents[:2]:
            for page, name, query, shared in AGENT_VIEWS:
                SavedView.objects.create(team=team, owner=agent, page=page, name=name, query=query, shared=shared)
                views += 1
        escalated = list(Ticket.objects.filter(team=team, status=Status.ESCALATED).select_related("team")[:6])
        for ticket in escalated:
            news.follow(ticket, [lead])
            followed += 1
        working = list(
            Ticket.objects.filter(team=team, status=Status.IN_PROGRESS, assignee__isnull=False)
            .exclude(assignee=lead)
            .select_related("team", "assignee")
            .order_by("-created_at")[:2]
        )
        for ticket in working:
            assert ticket.assignee is not None  # filtered above
            body = f"@{ticket.assignee.username} the customer called about this one; can you update them today?"
            comment_add(ticket=ticket, by=lead, body=body, is_public=False, mail=False)
            mentions += 1
        waiting = (
            Ticket.objects.filter(team=team, status=Status.WAITING, assignee__isnull=False)
            .select_related("team")
            .order_by("-created_at")
            .first()
        )
        if waiting is not None and agents and not Comment.objects.filter(ticket=waiting, from_customer=True).exists():
            logger = next((a for a in agents if a.pk != waiting.assignee_id), lead)
            comment_add(
                ticket=waiting, by=logger, body="Called back: the export works again after the update, thanks!",
                is_public=True, from_customer=True, mail=False,
            )  # fmt: skip
        if not NotificationPreference.objects.filter(user=lead).exists():
            preferences_save(user=lead, choices={"following": (True, "daily")})
    return FollowResult(views=views, followed=followed, mentions=mentions)
