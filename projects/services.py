"""Writes to projects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from notifications.services import mail_people, notify
from projects import template_text
from projects.models import CostCategory, CostEntry, Project, ProjectTemplate, Stakeholder, StatusUpdate
from teams.models import Membership, Team, User


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


# --- Scope, dates, budget --------------------------------------------------------------------------------------

EDITABLE = ("name", "framework", "status", "owner", "description", "scope_in", "scope_out", "start", "target_date",
            "launch_date", "budget_planned", "allow_overlap")  # fmt: skip


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    return [" ".join(str(v).split()) for v in value or [] if str(v).strip()]


@transaction.atomic
def project_update(*, project: Project, by: User, expected_version: int, changes: dict[str, Any]) -> Project:
    """Edit a project's facts. A write based on an old version raises StaleEdit with the saved project."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = lock_if_current(Project.objects, pk=project.pk, seen=expected_version)
    problems: dict[str | None, str] = {}
    start = changes.get("start", locked.start)
    target = changes.get("target_date", locked.target_date)
    if start and target and target < start:
        problems["target_date"] = "The target date is before the start."
    budget = changes.get("budget_planned", locked.budget_planned)
    if budget is not None and budget < 0:
        problems["budget_planned"] = "A budget cannot be negative."
    name = " ".join(str(changes.get("name", locked.name)).split())
    if not name:
        problems["name"] = "Give the project a name."
    elif Project.objects.filter(team_id=locked.team_id, name__iexact=name).exclude(pk=locked.pk).exists():
        problems["name"] = f"This team already has a project called “{name}”."
    owner = changes.get("owner", locked.owner)
    if owner is not None and not Membership.objects.filter(team_id=locked.team_id, user=owner).exists():
        problems["owner"] = "The owner must be a member of the team."
    if problems:
        raise Invalid(problems)
    for field, value in changes.items():
        if field in ("scope_in", "scope_out"):
            value = _lines(value)
        setattr(locked, field, value)
    locked.name = name
    locked.version += 1
    locked.save()
    return locked


@dataclass(frozen=True)
class Budget:
    planned: Decimal | None
    spent: Decimal
    by_category: list[tuple[str, Decimal]]
    burn: list[tuple[date, Decimal]]  # cumulative spend after each day with costs

    @property
    def left(self) -> Decimal | None:
        return self.planned - self.spent if self.planned is not None else None

    @property
    def spent_percent(self) -> int | None:
        return round(100 * self.spent / self.planned) if self.planned else None

    @property
    def over(self) -> bool:
        return self.planned is not None and self.spent > self.planned


def budget_of(project: Project) -> Budget:
    """Planned vs spent, spend by category and the cumulative burn (one query)."""
    rows = list(project.costs.order_by("date", "id").values_list("date", "amount", "category"))
    spent = sum((a for _, a, _ in rows), Decimal(0))
    categories: dict[str, Decimal] = {}
    burn: list[tuple[date, Decimal]] = []
    running = Decimal(0)
    for day, amount, category in rows:
        categories[category] = categories.get(category, Decimal(0)) + amount
        running += amount
        if burn and burn[-1][0] == day:
            burn[-1] = (day, running)
        else:
            burn.append((day, running))
    by_category = [(CostCategory(c).label, categories[c]) for c in CostCategory.values if c in categories]
    return Budget(project.budget_planned, spent, by_category, burn)


def cost_add(*, project: Project, by: User, day: date, amount: Decimal, category: str, note: str = "") -> CostEntry:
    problems: dict[str | None, str] = {}
    if amount is None or amount < 0:
        problems["amount"] = "An amount cannot be negative; enter a refund as a note on a smaller cost."
    if category not in CostCategory.values:
        problems["category"] = "Choose people, tools, training or external."
    if day > timezone.localdate() + timedelta(days=366):
        problems["date"] = "A cost is entered when it is incurred, not more than a year ahead."
    if problems:
        raise Invalid(problems)
    return CostEntry.objects.create(project=project, date=day, amount=amount, category=category,
                                    note=" ".join(note.split())[:200], entered_by=by)  # fmt: skip


def stakeholder_add(
    *, project: Project, user: User | None = None, name: str = "", email: str = "", role: str = "",
    wants_updates: bool = True,
) -> Stakeholder:  # fmt: skip
    name, email = " ".join(name.split()), email.strip().lower()
    if user is not None:
        if not Membership.objects.filter(team_id=project.team_id, user=user).exists():
            raise Invalid({"user": "Only members of the team are added by name; add others with an email."})
        if project.stakeholders.filter(user=user).exists():
            raise Invalid({"user": f"{user.display_name} is already a stakeholder."})
    elif not name or not email:
        raise Invalid({"name": "An outside stakeholder needs a name and an email."})
    elif project.stakeholders.filter(email=email).exists():
        raise Invalid({"email": f"{email} is already a stakeholder."})
    return Stakeholder.objects.create(project=project, user=user, name=name, email=email if user is None else "",
                                      role=" ".join(role.split())[:120], wants_updates=wants_updates)  # fmt: skip


@transaction.atomic
def update_post(*, project: Project, by: User, text: str, health: str) -> StatusUpdate:
    """Post a status update; members who asked are told in the app, outside stakeholders by mail."""
    text = text.strip()
    if not text:
        raise Invalid({"text": "Say how the project stands."})
    if len(text) > 2000:
        raise Invalid({"text": "Keep an update under 2,000 characters."})
    if health not in ("green", "amber", "red"):
        raise Invalid({"health": "Choose on track, at risk or off track."})
    update = StatusUpdate.objects.create(project=project, author=by, text=text, health=health)
    wanting = list(project.stakeholders.filter(wants_updates=True).select_related("user"))
    link = reverse("projects:detail", args=[project.team.slug, project.pk])
    label = dict(StatusUpdate._meta.get_field("health").choices or [])[health]  # type: ignore[arg-type]
    message = f"{project.name} ({label}): {text}"
    notify(users=[s.user for s in wanting if s.user is not None], kind="project_update", team_id=project.team_id,
           subject=f"Update on {project.name}", message=message[:300], link=link,
           dedupe_key=f"project-update:{update.pk}", exclude=by)  # fmt: skip
    mail_people(addresses=[s.email for s in wanting if s.user is None], subject=f"Update on {project.name}",
                body=f"{message}\n\n— {by.display_name}, {project.team.name}")  # fmt: skip
    return update


def template_save(
    *, template: ProjectTemplate | None, name: str, framework: str, description: str, scope_in: str,
    scope_out: str, phases: str, milestones: str, raci: str,
) -> ProjectTemplate:  # fmt: skip
    """Write a template from the text a manager edited; each line's mistake is named (nothing is saved)."""
    name = " ".join(name.split())
    clash = ProjectTemplate.objects.filter(name__iexact=name).exclude(pk=template.pk if template else 0)
    if clash.exists():
        raise Invalid({"name": f"There is already a template called “{name}”."})
    phase_list = template_text.phases_from_text(phases)
    values = {
        "name": name, "framework": framework, "description": description.strip(), "scope_in": _lines(scope_in),
        "scope_out": _lines(scope_out), "phases": phase_list,
        "milestones": template_text.milestones_from_text(milestones, len(phase_list)),
        "raci": template_text.raci_from_text(raci),
    }  # fmt: skip
    if template is None:
        return ProjectTemplate.objects.create(**values)
    for field, value in values.items():
        setattr(template, field, value)
    template.save()
    return template
