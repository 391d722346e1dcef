from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from projects.models import Project
from risks.models import Risk
from risks.services import RiskDraft, risk_create
from teams.models import Role, Team, User


@dataclass
class Desk:
    team: Team
    lead: User
    manager: User
    agent: User
    viewer: User
    project: Project

    def draft(self, **overrides: Any) -> RiskDraft:
        values: dict[str, Any] = {
            "title": "Chat platform outage", "owner": self.agent, "inherent": (4, 5), "current": (3, 4),
            "target": (2, 3), "project": self.project, "cause": "One chat vendor", "event": "the widget goes down",
            "effect": "chats wait", "contingency_steps": "Switch to the form\nPost a banner",
        }  # fmt: skip
        values.update(overrides)
        return RiskDraft(**values)

    def risk(self, **overrides: Any) -> Risk:
        return risk_create(team=self.team, by=self.lead, draft=self.draft(**overrides))


@pytest.fixture
def desk(team, make_member) -> Desk:
    lead = make_member(team, Role.LEAD, first_name="Lea")
    manager = make_member(team, Role.MANAGER, first_name="Max")
    agent = make_member(team, Role.AGENT, first_name="Ana")
    viewer = make_member(team, Role.VIEWER, first_name="Vic")
    project = Project.objects.create(team=team, name="Live chat launch", framework="kanban", start=date(2026, 1, 5))
    return Desk(team, lead, manager, agent, viewer, project)
