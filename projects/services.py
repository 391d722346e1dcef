"""Writes to projects."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.errors import RuleBroken
from projects.models import Project
from teams.models import Team, User


def project_create(*, team: Team, by: User, name: str, framework: str, status: str) -> Project:
    """Create a project of the team; names are unique within a team."""
    name = name.strip()
    if Project.objects.filter(team=team, name__iexact=name).exists():
        raise RuleBroken(f"This team already has a project called “{name}”.")
    try:
        with transaction.atomic():
            return Project.objects.create(team=team, name=name, framework=framework, status=status)
    except IntegrityError as clash:  # a concurrent create with the same name
        raise RuleBroken(f"This team already has a project called “{name}”.") from clash
