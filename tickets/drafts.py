"""What a person, a survey or an integration submits for a new ticket, before routing."""

from __future__ import annotations

from dataclasses import dataclass, field

from projects.models import Project
from teams.models import User
from tickets.choices import Priority, Status
from tickets.models import Account, Label


@dataclass
class TicketDraft:
    """What a person (or an integration) submits for a new ticket."""

    title: str
    kind: str = "inquiry"
    description: str = ""
    requester_name: str = ""
    requester_email: str = ""
    account: Account | None = None
    channel: str = "email"
    priority: int = Priority.NORMAL
    status: str = Status.TODO
    assignee: User | None = None
    project: Project | None = None
    story_points: int | None = None
    impact: int | None = None
    effort: int | None = None
    labels: list[Label] = field(default_factory=list)
