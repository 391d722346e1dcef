"""Demo project facts: scope, dates, budgets with a few months of costs, stakeholders and status updates.

The Kanban project of each team launched five weeks ago and is done, so its
goals show a before-and-after (metrics.demo binds one to it); the Waterfall
one runs late against its target date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from projects import phases
from projects.models import (
    CostCategory,
    CostEntry,
    Framework,
    Gate,
    Phase,
    Project,
    ProjectStatus,
    RaciCell,
    RaciRole,
    RaciRow,
    Stakeholder,
    StatusUpdate,
)
from teams.models import Membership, Role, Team

SCOPE = {
    Framework.KANBAN: (["Chat widget on the help centre and in the app", "Routing of chats to the right queue",
                        "Canned answers for the top 20 questions"], ["Chatbots", "Voice calls"]),
    Framework.SCRUM: (["Rewrite the 40 most read articles", "Search that understands product names",
                       "Feedback on every article"], ["Community forum"]),
    Framework.WATERFALL: (["Pilot with five agents", "Data migration of open and recent tickets",
                           "Training for every agent", "Phased rollout by region"], ["Reporting rebuild"]),
}  # fmt: skip
BUDGET = {Framework.KANBAN: Decimal("18000"), Framework.SCRUM: Decimal("24000"), Framework.WATERFALL: Decimal("60000")}
UPDATES = {
    Framework.KANBAN: [("green", "Chat is live for all customers; first-response times are being watched."),
                       ("green", "Launched. Handing the queues to the team leads.")],
    Framework.SCRUM: [("green", "Sprint review done: 12 articles rewritten, search tuning next.")],
    Framework.WATERFALL: [("amber", "Data migration took longer than planned; the rollout moves two weeks."),
                          ("red", "Vendor delayed the integration API: gate review postponed.")],
}  # fmt: skip


@dataclass
class ProjectSeedResult:
    projects: int = 0
    costs: int = 0


def seed_project_facts(*, teams: Mapping[str, Team], today: date) -> ProjectSeedResult:
    """Facts for the demo teams' projects that have none yet (running again adds nothing)."""
    result = ProjectSeedResult()
    for team in teams.values():
        lead = Membership.objects.filter(team=team, role=Role.LEAD).select_related("user").first()
        manager = Membership.objects.filter(team=team, role=Role.MANAGER).select_related("user").first()
        for project in Project.objects.filter(team=team).order_by("pk"):
            if project.costs.exists() or project.target_date is not None:
                continue
            start = project.created_at.date()
            scope_in, scope_out = SCOPE[Framework(project.framework)]
            budget = BUDGET[Framework(project.framework)]
            facts = {
                "description": f"{project.name} for {team.name}.", "scope_in": scope_in, "scope_out": scope_out,
                "start": start, "budget_planned": budget, "owner": lead.user if lead else None,
            }  # fmt: skip
            if project.framework == Framework.KANBAN:
                facts.update(launch_date=today - timedelta(days=35), target_date=today - timedelta(days=30),
                             status=ProjectStatus.DONE)  # fmt: skip
            elif project.framework == Framework.WATERFALL:
                facts.update(target_date=today - timedelta(days=12))  # running late
            else:
                facts.update(target_date=today + timedelta(days=45))
            Project.objects.filter(pk=project.pk).update(**facts)
            # A cost each month since the start: people every month, tools and training early on.
            costs = []
            who = lead.user if lead else None
            month, n = start, 0
            while month <= today:
                costs.append(CostEntry(project=project, date=month, amount=(budget / 10).quantize(Decimal("1")),
                                       category=CostCategory.PEOPLE, note="Agent time", entered_by=who))  # fmt: skip
                if n < 2:
                    category = CostCategory.TOOLS if n == 0 else CostCategory.TRAINING
                    costs.append(CostEntry(project=project, date=month + timedelta(days=3),
                                           amount=(budget / 8).quantize(Decimal("1")), category=category,
                                           note="Licences" if n == 0 else "Training sessions",
                                           entered_by=who))  # fmt: skip
                month += timedelta(days=30)
                n += 1
            CostEntry.objects.bulk_create(costs)
            result.costs += len(costs)
            if manager:
                Stakeholder.objects.create(project=project, user=manager.user, role="Sponsor")
            Stakeholder.objects.create(project=project, name="Vera Vendor", email=f"vera+{project.pk}@vendor.example",
                                       role="Vendor contact", wants_updates=True)  # fmt: skip
            for n, (health, text) in enumerate(UPDATES[Framework(project.framework)]):
                update = StatusUpdate.objects.create(project=project, author=lead.user if lead else None,
                                                     health=health, text=text)  # fmt: skip
                StatusUpdate.objects.filter(pk=update.pk).update(
                    created_at=update.created_at - timedelta(days=14 * (2 - n))
                )
            if project.framework == Framework.WATERFALL:
                project.refresh_from_db()
                seed_waterfall_plan(project=project, today=today)
            result.projects += 1
    return result


def seed_waterfall_plan(*, project: Project, today: date) -> None:
    """Halfway through: planning closed through an approved gate, the pilot under way and late against the
    signed-off baseline, one RACI row still missing its Responsible."""
    if project.phases.exists() or project.start is None:
        return
    team_members = list(Membership.objects.filter(team_id=project.team_id).select_related("user").order_by("pk"))
    lead = next((m.user for m in team_members if m.role == Role.LEAD), None)
    agents = [m.user for m in team_members if m.role == Role.AGENT] or ([lead] if lead else [])
    span = max(70, ((project.target_date or today) - project.start).days)
    created = phases.phases_default(project=project, start=project.start, weeks_each=max(2, span // 35))
    owner = project.owner or lead
    if owner is None:
        return
    phases.baseline_save(project=project, by=owner, name="Signed-off plan")
    work = {
        "Planning": ["Project charter", "Vendor shortlist", "Data migration plan"],
        "Pilot": ["Pilot with five agents", "Pilot feedback report"],
        "Execution": ["Data migration", "Integration with the phone system"],
        "Testing": ["User acceptance tests"],
        "Launch": ["Go-live checklist", "Training for every agent"],
    }
    for phase in created:
        for n, title in enumerate(work[phase.name]):
            item = phases.deliverable_add(phase=phase, title=title, owner=agents[n % len(agents)],
                                          due=phase.planned_start + timedelta(days=7 * (n + 1)))  # fmt: skip
            if owner.pk != item.owner_id:  # its owner is Responsible; the project owner Accountable
                RaciCell.objects.create(row=RaciRow.objects.get(deliverable=item), user=owner,
                                        role=RaciRole.ACCOUNTABLE)  # fmt: skip
        row = RaciRow.objects.get(phase=phase)
        if owner is not None:
            RaciCell.objects.create(row=row, user=owner, role=RaciRole.ACCOUNTABLE)
        if phase.name != "Execution":  # the row to fix: nobody Responsible yet
            RaciCell.objects.create(row=row, user=agents[0], role=RaciRole.RESPONSIBLE)
    planning, pilot = created[0], created[1]
    for d in planning.deliverables.all():
        phases.deliverable_tick(deliverable=d, by=d.owner or owner, expected_version=d.version, done=True)
    Phase.objects.filter(pk=planning.pk).update(actual_start=planning.planned_start)
    closed_on = planning.planned_end + timedelta(days=2)
    gate = phases.gate_decide(phase=planning, by=owner, decision="approved", comment="Charter signed; vendor chosen.",
                              today=closed_on)  # fmt: skip
    Gate.objects.filter(pk=gate.pk).update(decided_at=gate.decided_at - timedelta(days=(today - closed_on).days))
    pilot.refresh_from_db()
    # The pilot ran long: re-planned ten days later than the baseline, and still not closed.
    phases.phase_replan(phase=pilot, expected_version=pilot.version, planned_start=pilot.planned_start,
                        planned_end=min(pilot.planned_end + timedelta(days=10),
                                        created[2].planned_start - timedelta(days=1)))  # fmt: skip
    phases.milestone_add(project=project, name="Pilot sign-off", day=pilot.planned_end)
    phases.milestone_add(project=project, name="Go-live", day=created[-1].planned_end)
