"""Waterfall plans: phases in order with deliverables, gates that close them, and milestones.

Rules (README "Projects"):

- phases do not overlap unless the project allows it; a closed phase is not
  edited any more;
- a phase closes only through an approved gate (with or without conditions),
  and only when each of its deliverables is done or waived with a reason;
- a gate is decided by the phase's Accountable (its RACI row) or the project
  owner, always with a comment; decisions are records, never edited;
- approving closes the phase (actual end today) and starts the next one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from notifications.services import notify
from projects import raci_news
from projects.models import (
    DEFAULT_PHASES,
    Baseline,
    Deliverable,
    Gate,
    GateDecision,
    Milestone,
    Phase,
    Project,
    ProjectTemplate,
    RaciCell,
    RaciRole,
    RaciRow,
    Remark,
)
from teams.calendar import BusinessCalendar, after_working_days
from teams.models import Membership, Role, User


def _check_dates(project: Project, start: date, end: date, *, order: int, exclude: int | None = None) -> None:
    if end < start:
        raise Invalid({"planned_end": "The phase ends before it starts."})
    if project.allow_overlap:
        return
    others = Phase.objects.filter(project=project).exclude(pk=exclude or 0)
    before = others.filter(order__lt=order).order_by("-order").first()
    after = others.filter(order__gt=order).order_by("order").first()
    if before is not None and start <= before.planned_end:
        ends = f"{before.planned_end:%-d %b %Y}"
        raise Invalid({"planned_start": f"It would overlap “{before.name}”, which ends {ends}. Start it later, or "
                                        "allow overlapping phases on the project."})  # fmt: skip
    if after is not None and end >= after.planned_start:
        starts = f"{after.planned_start:%-d %b %Y}"
        raise Invalid({"planned_end": f"It would overlap “{after.name}”, which starts {starts}. End it earlier, "
                                      "move that phase, or allow overlapping phases on the project."})  # fmt: skip


def phases_default(*, project: Project, start: date | None = None, weeks_each: int = 2) -> list[Phase]:
    """The default plan: planning, pilot, execution, testing, launch, back to back (none if it has phases)."""
    if project.phases.exists():
        return list(project.phases.all())
    day = start or project.start or timezone.localdate()
    phases = []
    for n, name in enumerate(DEFAULT_PHASES, start=1):
        end = day + timedelta(days=7 * weeks_each - 1)
        phases.append(Phase(project=project, order=n, name=name, planned_start=day, planned_end=end))
        day = end + timedelta(days=1)
    created = Phase.objects.bulk_create(phases)
    RaciRow.objects.bulk_create(RaciRow(project=project, phase=p, order=p.order * 1000) for p in created)
    return created


@transaction.atomic
def phase_add(*, project: Project, name: str, planned_start: date, planned_end: date) -> Phase:
    name = " ".join(name.split())
    if not name:
        raise Invalid({"name": "Give the phase a name."})
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").get()  # serialise the numbering
    last = Phase.objects.filter(project=project).order_by("-order").first()
    order = (last.order if last else 0) + 1
    _check_dates(project, planned_start, planned_end, order=order)
    phase = Phase.objects.create(project=project, order=order, name=name, planned_start=planned_start,
                                 planned_end=planned_end)  # fmt: skip
    RaciRow.objects.create(project=project, phase=phase, order=order * 1000)
    return phase


@transaction.atomic
def phase_replan(*, phase: Phase, expected_version: int, planned_start: date, planned_end: date) -> Phase:
    """Move a phase's planned dates (the timeline's drag): version-checked; overlap refused unless allowed."""
    locked = lock_if_current(Phase.objects.select_related("project"), pk=phase.pk, seen=expected_version)
    if locked.closed:
        raise RuleBroken(f"“{locked.name}” is closed: its dates are history now.")
    _check_dates(locked.project, planned_start, planned_end, order=locked.order, exclude=locked.pk)
    locked.planned_start, locked.planned_end = planned_start, planned_end
    locked.version += 1
    locked.save(update_fields=["planned_start", "planned_end", "version"])
    return locked


def _open_phase(phase: Phase) -> None:
    if phase.closed:
        raise RuleBroken(f"“{phase.name}” is closed: its deliverables are history now.")


@transaction.atomic
def deliverable_add(*, phase: Phase, title: str, owner: User | None = None, due: date | None = None) -> Deliverable:
    _open_phase(phase)
    title = " ".join(title.split())
    if not title:
        raise Invalid({"title": "Say what is to be delivered."})
    if owner is not None and not Membership.objects.filter(team_id=phase.project.team_id, user=owner).exists():
        raise Invalid({"owner": "The owner must be a member of the team."})
    deliverable = Deliverable.objects.create(phase=phase, title=title[:200], owner=owner, due=due)
    row = RaciRow.objects.create(project_id=phase.project_id, deliverable=deliverable,
                                 order=phase.order * 1000 + deliverable.pk % 1000)  # fmt: skip
    if owner is not None:
        RaciCell.objects.create(row=row, user=owner, role=RaciRole.RESPONSIBLE)
    return deliverable


def may_tick(deliverable: Deliverable, membership: Membership, manages: bool) -> bool:
    """Leads and managers tick any deliverable; agents the ones they own."""
    return manages or (membership.role == Role.AGENT and deliverable.owner_id == membership.user_id)


@transaction.atomic
def deliverable_tick(*, deliverable: Deliverable, by: User, expected_version: int, done: bool) -> Deliverable:
    locked = lock_if_current(Deliverable.objects.select_related("phase"), pk=deliverable.pk, seen=expected_version)
    _open_phase(locked.phase)
    locked.done_at, locked.done_by = (timezone.now(), by) if done else (None, None)
    locked.version += 1
    locked.save(update_fields=["done_at", "done_by", "version"])
    if done:
        project = Project.objects.select_related("team").get(pk=locked.phase.project_id)
        raci_news.tell(row=RaciRow.objects.filter(deliverable=locked).first(), project=project,
                       what=f"“{locked.title}” is done ({by.display_name})", key=f"{locked.pk}:done:{locked.version}",
                       exclude_user_id=by.pk)  # fmt: skip
    return locked


@transaction.atomic
def deliverable_waive(*, deliverable: Deliverable, expected_version: int, reason: str) -> Deliverable:
    locked = lock_if_current(Deliverable.objects.select_related("phase"), pk=deliverable.pk, seen=expected_version)
    _open_phase(locked.phase)
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid({"reason": "A waived deliverable needs a reason: the gate review reads it."})
    locked.waived_reason = reason[:300]
    locked.version += 1
    locked.save(update_fields=["waived_reason", "version"])
    return locked


def accountable_of(phase: Phase) -> User | None:
    cell = RaciCell.objects.filter(row__phase=phase, role=RaciRole.ACCOUNTABLE, user__isnull=False).first()
    return cell.user if cell else None


def may_decide(phase: Phase, user: User) -> bool:
    project = phase.project
    if project.owner_id == user.pk:
        return True
    accountable = accountable_of(phase)
    return accountable is not None and accountable.pk == user.pk


@transaction.atomic
def gate_decide(*, phase: Phase, by: User, decision: str, comment: str, today: date | None = None) -> Gate:
    """Record the gate decision; an approval closes the phase (its deliverables settled) and opens the next."""
    locked = Phase.objects.select_for_update().select_related("project", "project__team").get(pk=phase.pk)
    if locked.closed:
        raise RuleBroken(f"“{locked.name}” is already closed.")
    if not may_decide(locked, by):
        raise RuleBroken("Only the phase's Accountable (in the RACI matrix) or the project owner decides its gate.")
    if decision not in GateDecision.values:
        raise Invalid({"decision": "Approve, approve with conditions, or reject."})
    comment = comment.strip()
    if not comment:
        raise Invalid({"comment": "A gate decision needs a comment: what was reviewed, and why."})
    if decision != GateDecision.REJECTED:
        open_items = [d.title for d in locked.deliverables.order_by("id") if not d.settled]
        if open_items:
            raise RuleBroken("The phase cannot close while deliverables are open: " + "; ".join(open_items[:5])
                             + ". Mark them done, or waive them with a reason.")  # fmt: skip
    gate = Gate.objects.create(phase=locked, decision=decision, comment=comment, decided_by=by)
    today = today or timezone.localdate()
    if decision != GateDecision.REJECTED:
        locked.closed, locked.actual_end = True, today
        locked.actual_start = locked.actual_start or locked.planned_start
        locked.version += 1
        locked.save(update_fields=["closed", "actual_end", "actual_start", "version"])
        following = Phase.objects.filter(project=locked.project, order__gt=locked.order, closed=False).first()
        if following is not None and following.actual_start is None:
            Phase.objects.filter(pk=following.pk).update(actual_start=today)
    project = locked.project
    what = f"the gate of “{locked.name}” was {GateDecision(decision).label.lower()} by {by.display_name}: {comment}"
    raci_news.tell(row=RaciRow.objects.filter(phase=locked).first(), project=project, what=what,
                   key=f"gate:{gate.pk}", exclude_user_id=by.pk)  # fmt: skip
    if project.owner is not None and project.owner_id != by.pk:
        notify(users=[project.owner], kind="raci_event", team_id=project.team_id, subject=project.name,
               message=f"{project.name}: {what}"[:300], dedupe_key=f"raci:gate:{gate.pk}",
               link=reverse("projects:plan", args=[project.team.slug, project.pk]))  # fmt: skip
    return gate


def gate_request(*, phase: Phase, by: User) -> int:
    """Ask the phase's Accountable (or the owner, without one) to decide its gate; returns people told."""
    project = phase.project
    deciders = [u for u in [accountable_of(phase), project.owner] if u is not None]
    if not deciders:
        raise RuleBroken("Nobody can decide this gate yet: make someone Accountable for the phase, or set an owner.")
    notes = notify(users={u.pk: u for u in deciders}.values(), kind="raci_gate_request", team_id=project.team_id,
                   subject=f"{project.name}: gate review of {phase.name}",
                   message=f"{by.display_name} asks for the gate review of “{phase.name}” in {project.name}.",
                   link=reverse("projects:plan", args=[project.team.slug, project.pk]),
                   dedupe_key=f"gate-request:{phase.pk}:{phase.version}:{phase.gates.count()}")  # fmt: skip
    return len(notes)


def milestone_add(*, project: Project, name: str, day: date) -> Milestone:
    name = " ".join(name.split())
    if not name:
        raise Invalid({"name": "Give the milestone a name."})
    return Milestone.objects.create(project=project, name=name[:160], date=day)


def plan_of(project: Project) -> list[dict[str, Any]]:
    """Phases with their deliverables, gates and Accountable, for the plan page and the timeline (four
    queries)."""
    phases = list(project.phases.order_by("order"))
    deliverables: dict[int, list[Deliverable]] = {p.pk: [] for p in phases}
    # The ticket each deliverable is done through (the link lives on the tickets side; read by its name).
    found = (
        Deliverable.objects.filter(phase__project=project)
        .select_related("owner", "ticket_link__ticket")
        .prefetch_related(Prefetch("remarks", queryset=Remark.objects.select_related("author")))
    )
    for d in found.order_by("due", "id"):
        deliverables[d.phase_id].append(d)
    gates: dict[int, list[Gate]] = {p.pk: [] for p in phases}
    for g in Gate.objects.filter(phase__project=project).select_related("decided_by").order_by("decided_at", "id"):
        gates[g.phase_id].append(g)
    accountable = {
        c.row.phase_id: c.user
        for c in RaciCell.objects.filter(row__phase__project=project, role=RaciRole.ACCOUNTABLE, user__isnull=False)
        .select_related("user", "row")
    }  # fmt: skip
    return [
        {"phase": p, "deliverables": deliverables[p.pk], "gates": gates[p.pk], "accountable": accountable.get(p.pk)}
        for p in phases
    ]


def baseline_save(*, project: Project, by: User, name: str) -> Baseline:
    """Freeze the current plan under a name (phases, milestones, deliverable due dates)."""
    name = " ".join(name.split())
    if not name:
        raise Invalid({"name": "Name the baseline, for example “Signed-off plan”."})
    if Baseline.objects.filter(project=project, name__iexact=name).exists():
        raise Invalid({"name": f"There is already a baseline called “{name}”; baselines are never overwritten."})
    plan = {
        "phases": [{"id": p.pk, "name": p.name, "start": p.planned_start.isoformat(), "end": p.planned_end.isoformat()}
                   for p in project.phases.order_by("order")],
        "milestones": [{"id": m.pk, "name": m.name, "date": m.date.isoformat()} for m in project.milestones.all()],
        "deliverables": [{"id": d.pk, "title": d.title, "due": d.due.isoformat() if d.due else None}
                         for d in Deliverable.objects.filter(phase__project=project).order_by("id")],
    }  # fmt: skip
    return Baseline.objects.create(project=project, name=name[:120], plan=plan, created_by=by)


def baseline_phases(baseline: Baseline | None) -> dict[int, tuple[date, date]]:
    """Each phase's planned dates in the baseline, by phase id."""
    if baseline is None:
        return {}
    return {
        p["id"]: (date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in baseline.plan.get("phases", [])
    }


@transaction.atomic
def project_from_template(
    *, team: Any, by: User, template: ProjectTemplate, name: str, start: date, status: str = "proposed"
) -> Project:
    """A project with the template's scope, phases, deliverables, milestones and suggested RACI roles, its
    dates laid over the team's working days from ``start``. The creator owns it."""
    name = " ".join(name.split()) or template.name
    if Project.objects.filter(team=team, name__iexact=name).exists():
        raise Invalid({"name": f"This team already has a project called “{name}”."})
    calendar = BusinessCalendar.for_team(team)
    project = Project.objects.create(
        team=team, name=name, framework=template.framework, status=status, owner=by, start=start,
        description=template.description, scope_in=list(template.scope_in), scope_out=list(template.scope_out),
    )  # fmt: skip
    cursor, ends = start, {}
    for n, spec in enumerate(template.phases, start=1):
        first = after_working_days(calendar, cursor, 1)
        last = after_working_days(calendar, first, max(1, int(spec["working_days"])))
        phase = Phase.objects.create(project=project, order=n, name=spec["name"], planned_start=first,
                                     planned_end=last)  # fmt: skip
        row = RaciRow.objects.create(project=project, phase=phase, order=n * 1000)
        RaciCell.objects.create(row=row, user=by, role=RaciRole.ACCOUNTABLE)
        for item in spec.get("deliverables", []):
            deliverable_add(phase=phase, title=item["title"],
                            due=after_working_days(calendar, first, max(1, int(item["day"]))))  # fmt: skip
        ends[n] = last
        cursor = last + timedelta(days=1)
    for m in template.milestones:
        if m.get("after_phase") in ends:
            Milestone.objects.create(project=project, name=m["name"], date=ends[m["after_phase"]])
    for n, spec in enumerate(template.raci, start=1):
        row = RaciRow.objects.create(project=project, activity=spec["activity"][:200], order=900000 + n)
        # The creator is both owner and lead here: they take the row's Accountable role when one is suggested
        # (else its first letter), and the row may need a Responsible: it is flagged until someone is named.
        suggested = set(spec.get("roles", {}).values())  # (a JSON object's key order is not kept by every database)
        role = next((r for r in ("A", "R", "C", "I") if r in suggested), "")
        if role in RaciRole.values:
            RaciCell.objects.create(row=row, user=by, role=role)
    return project


def remark_add(*, deliverable: Deliverable, by: User, text: str) -> Remark:
    """A comment on a deliverable (the answer a Consulted person gives); its R and A hear of it."""
    text = text.strip()
    if not text:
        raise Invalid({"text": "Write the comment."})
    if len(text) > 2000:
        raise Invalid({"text": "Keep a comment under 2,000 characters."})
    remark = Remark.objects.create(deliverable=deliverable, author=by, text=text)
    project = Project.objects.select_related("team").get(pk=deliverable.phase.project_id)
    row = RaciRow.objects.filter(deliverable=deliverable).first()
    if row is not None:
        people = [c.user for c in RaciCell.objects.filter(
            row=row, role__in=[RaciRole.RESPONSIBLE, RaciRole.ACCOUNTABLE], user__isnull=False
        ).select_related("user") if c.user is not None]  # fmt: skip
        notify(users=people, kind="raci_event", team_id=project.team_id, exclude=by, subject=project.name,
               message=f"{project.name}: {by.display_name} on “{deliverable.title}”: {text}"[:300],
               link=reverse("projects:plan", args=[project.team.slug, project.pk]) + f"#deliverable-{deliverable.pk}",
               dedupe_key=f"remark:{remark.pk}")  # fmt: skip
    return remark
