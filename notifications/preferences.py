"""What each person wants to hear about, and how: kinds of notification grouped as people think of them.

Every kind of notification belongs to one group (:func:`group_of`); a person
sets, per group, whether it shows in the app and whether it is mailed at
once, in a daily digest, or not at all. Without a saved choice, the
defaults below apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models


class EmailWhen(models.TextChoices):
    NOW = "now", "Email at once"
    DAILY = "daily", "Daily digest"
    OFF = "off", "No email"


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    help: str
    email: str  # the default


GROUPS = (
    Group(
        "assigned", "A ticket is assigned to you", "By anyone else, by a bulk edit or by a routing rule.", EmailWhen.NOW
    ),
    Group("customer_reply", "The customer replies on your ticket", "On tickets assigned to you.", EmailWhen.NOW),
    Group("mentioned", "Someone @mentions you", "In a reply or an internal note.", EmailWhen.NOW),
    Group("following", "A ticket you follow changes", "Status, priority, assignee and new comments.", EmailWhen.DAILY),
    Group("sla", "SLA alerts", "A target at risk or breached on your ticket (leads: on the team's).", EmailWhen.NOW),
    Group("sprint", "Sprint alerts", "Reactive work passes a sprint's interrupt budget, for leads.", EmailWhen.NOW),
    Group(
        "raci",
        "Project work you are named on",
        "Deliverables and gates where you are Responsible, Accountable or Consulted (RACI).",
        EmailWhen.NOW,
    ),
    Group(
        "projects",
        "Project updates",
        "Status updates of projects you follow, and project news you are Informed of (RACI).",
        EmailWhen.DAILY,
    ),
    Group("risks", "Risks you own", "A risk you own or respond to occurs; its review is overdue.", EmailWhen.NOW),
    Group("goals", "Goals you own", "A weekly reminder while one of your goals is at risk.", EmailWhen.NOW),
    Group("team", "Changes to your team", "Its business calendar, for leads.", EmailWhen.NOW),
)
GROUP_BY_KEY = {g.key: g for g in GROUPS}


def group_of(kind: str) -> str:
    """The preference group of a notification kind ("sla_resolution_breached" is "sla")."""
    if kind in GROUP_BY_KEY:
        return kind
    if kind.startswith("sla_"):
        return "sla"
    if kind.startswith("sprint_"):
        return "sprint"
    if kind.startswith("risk_"):
        return "risks"
    if kind.startswith("goal_"):
        return "goals"
    if kind.startswith("raci_"):
        return "raci"
    if kind.startswith("project_"):
        return "projects"
    return "team"


@dataclass(frozen=True)
class Choice:
    in_app: bool
    email: str


def choices_of(user_ids: Iterable[int]) -> dict[tuple[int, str], Choice]:
    """Saved choices of these people by (user id, group), in one query; missing ones use the defaults."""
    from notifications.models import NotificationPreference

    rows = NotificationPreference.objects.filter(user_id__in=set(user_ids)).values_list(
        "user_id", "group", "in_app", "email"
    )
    return {(user_id, group): Choice(in_app, email) for user_id, group, in_app, email in rows}


def choice_for(saved: dict[tuple[int, str], Choice], user_id: int, kind: str) -> Choice:
    group = group_of(kind)
    default = GROUP_BY_KEY[group]
    return saved.get((user_id, group), Choice(True, default.email))
