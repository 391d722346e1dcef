"""RACI matrices: rows are phases, deliverables and named activities, columns are people; one Accountable
and at least one Responsible per row (DESIGN.md). A click cycles a cell R → A → C → I → empty."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from core.errors import Invalid, RuleBroken
from projects.models import Project, RaciCell, RaciRole, RaciRow, Stakeholder
from teams.models import Membership, User

NEXT = {"": RaciRole.RESPONSIBLE, "R": RaciRole.ACCOUNTABLE, "A": RaciRole.CONSULTED, "C": RaciRole.INFORMED,
        "I": ""}  # fmt: skip


@dataclass(frozen=True)
class Person:
    key: str  # "u12" for a member, "s3" for an outside stakeholder
    name: str
    outside: bool


@dataclass
class Row:
    row: RaciRow
    roles: dict[str, str] = field(default_factory=dict)  # person key → role
    cells: list[tuple[Person, str]] = field(default_factory=list)  # in the people's order, for the page

    def lay_out(self, people: list[Person]) -> Row:
        self.cells = [(p, self.roles.get(p.key, "")) for p in people]
        return self

    @property
    def problem(self) -> str:
        values = list(self.roles.values())
        if values.count("A") != 1:
            return "Needs exactly one Accountable." if values.count("A") == 0 else "More than one Accountable."
        if "R" not in values:
            return "Needs at least one Responsible."
        return ""


def people_of(project: Project) -> list[Person]:
    members = User.objects.filter(memberships__team_id=project.team_id).order_by("first_name", "username")
    outside = Stakeholder.objects.filter(project=project, user__isnull=True).order_by("name")
    return [Person(f"u{u.pk}", u.display_name, False) for u in members] + [
        Person(f"s{s.pk}", s.name, True) for s in outside
    ]


def matrix(project: Project, rows: Any = None) -> list[Row]:
    """The rows (or the given ones) with each person's role (two queries)."""
    found = list(
        (rows if rows is not None else RaciRow.objects.filter(project=project))
        .select_related("phase", "deliverable")
        .order_by("order", "id")
    )
    by_pk = {r.pk: Row(r) for r in found}
    for cell in RaciCell.objects.filter(row__in=found):
        key = f"u{cell.user_id}" if cell.user_id else f"s{cell.stakeholder_id}"
        by_pk[cell.row_id].roles[key] = cell.role
    return list(by_pk.values())


def row_add(*, project: Project, activity: str) -> RaciRow:
    activity = " ".join(activity.split())
    if not activity:
        raise Invalid({"activity": "Name the activity."})
    last = RaciRow.objects.filter(project=project).order_by("-order").first()
    return RaciRow.objects.create(project=project, activity=activity[:200], order=(last.order if last else 0) + 10)


def _person(project: Project, key: str) -> dict[str, Any]:
    number = int(key[1:]) if key[1:].isdigit() else 0
    if key[:1] == "u" and Membership.objects.filter(team_id=project.team_id, user_id=number).exists():
        return {"user_id": number}
    if key[:1] == "s" and Stakeholder.objects.filter(project=project, pk=number, user__isnull=True).exists():
        return {"stakeholder_id": number}
    raise Invalid({"person": "That person is not on this project: a member of the team, or one of its "
                             "outside stakeholders."})  # fmt: skip


def cycle(*, row: RaciRow, person: str) -> tuple[str, str]:
    """Move a cell to its next role; returns (the role now, a note when Accountable was skipped).

    Rows are locked while a cell changes, and the database allows one
    Accountable per row, so two clicks at once never make two: when someone
    else is already Accountable the cycle goes from R straight to C and says
    so (make the other person C first to hand the role over).
    """
    who = _person(row.project, person)
    with transaction.atomic():
        RaciRow.objects.select_for_update().filter(pk=row.pk).values_list("pk").get()
        cell = RaciCell.objects.filter(row=row, **who).first()
        current = cell.role if cell else ""
        role, note = NEXT[current], ""
        if role == RaciRole.ACCOUNTABLE:
            holder = RaciCell.objects.filter(row=row, role=RaciRole.ACCOUNTABLE).exclude(pk=cell.pk if cell else 0)
            if holder.exists():
                role, note = RaciRole.CONSULTED, "Someone else is Accountable for this row: make them C first."
        try:
            with transaction.atomic():
                if not role:
                    if cell is not None:
                        cell.delete()
                elif cell is None:
                    RaciCell.objects.create(row=row, role=role, **who)
                else:
                    cell.role = role
                    cell.save(update_fields=["role"])
        except IntegrityError as clash:  # the one-Accountable constraint, should a write slip past the lock
            raise RuleBroken("Someone else became Accountable for this row meanwhile; the row shows it now.") from clash
    return role, note


def rows_to_fix(project: Project) -> list[Row]:
    return [r for r in matrix(project) if r.problem]
