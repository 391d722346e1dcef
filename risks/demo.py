"""Demo registers: each demo project gets risks of every level with their history, an accepted risk with an
expiry, mitigation tickets in progress and done, overdue reviews, and one trigger that has fired on the team's
own figures, with its incident ticket."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import RuleBroken
from projects.models import Framework, Project
from risks.models import Risk, RiskStatus, Strategy, Trigger, Window
from risks.services import RiskDraft, mitigation_add, risk_create, risk_review
from risks.triggers import check_triggers, daily_sums, evaluate
from teams.calendar import team_today
from teams.models import Membership, Role, Team
from tickets.choices import Status
from tickets.services import ticket_update


@dataclass(frozen=True)
class Seed:
    title: str
    category: str
    cause: str
    event: str
    effect: str
    inherent: tuple[int, int]
    current: tuple[int, int]
    target: tuple[int, int]
    steps: str = ""
    mitigations: tuple[str, ...] = ()
    accept: bool = False


CATALOGUE = (
    Seed(
        "Chat platform outage in the peak season",
        "service",
        "One chat vendor, no fallback channel",
        "the chat widget goes down on a Monday morning",
        "chats pile up unanswered and first-response SLAs break",
        (5, 5),
        (4, 5),
        (2, 3),
        "Switch the widget to the contact form\nPost a status banner\nMove two agents to "
        "email triage\nTell enterprise accounts by phone",
        ("Configure the fallback contact form", "Write the outage status banner"),
    ),
    Seed(
        "A senior agent leaves mid-project",
        "people",
        "Product knowledge sits with two people",
        "one of them resigns",
        "escalations wait and the project's deliverables slip",
        (3, 4),
        (3, 3),
        (2, 2),
        "Hand the open escalations to the lead\nPair a newer agent with the second expert",
        ("Record the escalation walkthroughs",),
    ),
    Seed(
        "Customers expect answers on chat around the clock",
        "customers",
        "Competitors answer chat 24/7",
        "customers judge us by a night-time wait",
        "CSAT of chat tickets falls",
        (4, 3),
        (4, 3),
        (3, 2),
        mitigations=("Publish chat hours in the widget",),
    ),
    Seed(
        "Telephony vendor raises its prices",
        "vendor",
        "The contract renews in the spring",
        "the per-minute price rises by a third",
        "the phone budget is overspent",
        (2, 3),
        (2, 3),
        (2, 3),
        accept=True,
    ),
    Seed(
        "Knowledge base migration loses articles",
        "technology",
        "Articles move to the new help centre",
        "links and attachments break",
        "customers stop finding answers and ticket volume rises",
        (3, 4),
        (2, 4),
        (1, 3),
        mitigations=("Check redirects of the 200 most read articles",),
    ),
    Seed(
        "Data-subject requests miss the 30-day limit",
        "compliance",
        "Requests arrive by any channel",
        "a request is not recognised as one",
        "a regulator complaint",
        (2, 5),
        (2, 5),
        (1, 5),
        "Log the request in the privacy register\nAnswer within 72 hours with a date",
    ),
    Seed(
        "Resolution SLA slips as the backlog grows",
        "service",
        "Arrivals outgrow the team in busy weeks",
        "resolution targets are missed for days in a row",
        "customers escalate and churn",
        (3, 4),
        (3, 4),
        (2, 3),
        "Freeze new internal work\nMove the sprint's interrupt budget to the queue\nDaily backlog review at 10:00",
    ),
    Seed(
        "Training budget cut",
        "budget",
        "Budgets are reviewed each quarter",
        "the training line is cut",
        "new agents take longer to reach full speed",
        (1, 3),
        (1, 3),
        (1, 2),
    ),
)
PER_FRAMEWORK = {Framework.KANBAN: (0, 2, 4, 7), Framework.SCRUM: (1, 3, 5, 6), Framework.WATERFALL: (0, 1, 4, 5, 6)}


@dataclass
class RiskSeedResult:
    risks: int = 0
    fired: int = 0


def _draft(seed: Seed, *, owner, approver, project, responder, today) -> RiskDraft:  # type: ignore[no-untyped-def]
    return RiskDraft(
        title=seed.title, owner=owner, cause=seed.cause, event=seed.event, effect=seed.effect, category=seed.category,
        project=project, inherent=seed.inherent, current=seed.inherent, target=seed.target,
        strategy=Strategy.ACCEPT if seed.accept else Strategy.MITIGATE,
        status=RiskStatus.ACCEPTED if seed.accept else RiskStatus.OPEN,
        approver=approver if seed.accept else None, accept_until=today + timedelta(days=75) if seed.accept else None,
        contingency_trigger="Its trigger fires, or a lead sees it happen." if seed.steps else "",
        contingency_steps=seed.steps, contingency_owner=responder if seed.steps else None,
        contingency_hours=4 if seed.steps else None,
    )  # fmt: skip


def _fire_on_figures(risk: Risk, team: Team, now: datetime) -> bool:
    """A resolution-SLA trigger whose threshold sits just above what the team measured over its last 7 complete
    days, so that it holds on the team's own figures; then beat's check, which marks the risk occurred."""
    last = team_today(team, now) - timedelta(days=1)
    probe = Trigger(risk=risk, metric="sla_resolution", comparison="below", threshold=101, days=7, window=Window.OVER)
    daily = daily_sums({team.pk}, last - timedelta(days=7), last).get(team.pk, {})
    value = evaluate(probe, last, daily, {}, {}).value
    if value is not None and value < 95:
        probe.threshold = round(float(value) + 5)
    else:  # attainment too good to fall below anything: arrivals above what the week brought
        probe.metric, probe.comparison, probe.threshold = "arrivals", "above", 101
        arrivals = evaluate(probe, last, daily, {}, {}).value or 0.0
        probe.threshold = round(max(0.0, float(arrivals) - 0.5), 1)
    probe.save()
    return bool(check_triggers(now=now))


def seed_risks(*, teams: Mapping[str, Team], now: datetime) -> RiskSeedResult:
    """A register for each demo project that has none (running again adds nothing)."""
    result = RiskSeedResult()
    for team in teams.values():
        lead = Membership.objects.filter(team=team, role=Role.LEAD).select_related("user").first()
        manager = Membership.objects.filter(team=team, role=Role.MANAGER).select_related("user").first()
        agents = [m.user for m in Membership.objects.filter(team=team, role=Role.AGENT).select_related("user")]
        if lead is None or not agents:
            continue
        owners = [lead.user, *agents]
        for project in Project.objects.filter(team=team).order_by("pk"):
            if Risk.objects.filter(project=project).exists():
                continue
            for n, index in enumerate(PER_FRAMEWORK.get(Framework(project.framework), (0, 1, 2))):
                seed = CATALOGUE[index]
                # Recorded weeks ago; reviewed since (the current score moved), some reviews now overdue.
                recorded = now - timedelta(days=70 - 9 * n)
                draft = _draft(seed, owner=owners[n % len(owners)], approver=(manager or lead).user, project=project,
                               responder=lead.user, today=team_today(team, recorded))  # fmt: skip
                try:
                    risk = risk_create(team=team, by=lead.user, draft=draft, now=recorded)
                except RuleBroken:
                    continue
                result.risks += 1
                # Reviewed since: twice (the score moved at the first), the latest a few days ago; the second risk
                # of each project was last reviewed long ago, so its review is overdue now.
                reviews = [recorded + timedelta(days=12)] + ([] if n == 1 else [now - timedelta(days=2 + n)])
                for k, when in enumerate(reviews):
                    moved = seed.current != seed.inherent and k == 0
                    risk = risk_review(risk_id=risk.pk, seen_version=risk.version, by=lead.user,
                                       probability=seed.current[0], impact=seed.current[1],
                                       note="Mitigations under way." if moved else "No change this time.",
                                       now=when)  # fmt: skip
                for k, title in enumerate(seed.mitigations):
                    link = mitigation_add(risk=risk, by=lead.user, title=title, assignee=agents[k % len(agents)])
                    status = Status.RESOLVED if k == 1 else Status.IN_PROGRESS
                    with suppress(RuleBroken):  # a full column keeps it in To Do
                        ticket_update(ticket=link.ticket, by=lead.user, expected_version=link.ticket.version,
                                      changes={"status": status})  # fmt: skip
                if seed.title.startswith("Resolution SLA") and project.framework == Framework.SCRUM:
                    result.fired += int(_fire_on_figures(risk, team, now))
    return result
