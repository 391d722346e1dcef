"""Planning one demo ticket's life: when it came in, who worked it, every move, reply and note."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from django.utils.text import slugify

from projects.models import Project
from teams.models import User
from tickets.choices import Channel, EventField, Kind, Priority, Status, Tier
from tickets.demo.data import (
    BUG_CHANNEL_WEIGHTS,
    CHANNELS,
    CUSTOMER_MOVES,
    DONE_NOTES,
    ESCALATION_NOTES,
    FINAL_STATUS_BY_AGE,
    FIRST_REPLIES,
    INTERNAL_CHANNEL_WEIGHTS,
    INTERNAL_KINDS,
    INTERNAL_NOTES,
    KIND_WEIGHTS,
    KINDS,
    PATHS,
    PRIORITIES,
    PRIORITY_WEIGHTS,
    REOPEN_NOTES,
    RESOLUTIONS,
    SIGN_OFF,
    STATUSES,
    STORY_POINT_WEIGHTS,
    STORY_POINTS,
    TOPICS_BY_KIND,
    WAITING_ASKS,
    WEEKDAY_WEIGHTS,
    WIP_FALLBACK,
    WORK_NOTES,
    TeamTickets,
    Topic,
)
from tickets.demo.team_context import DemoTeam, next_open
from tickets.history import event_values
from tickets.markdown import render_markdown
from tickets.models import Account, Label
from tickets.positions import POSITION_GAP

HISTORY_DAYS = 120


# --- Planning tickets -------------------------------------------------------------------------


@dataclass
class Plan:
    number: int
    created: datetime
    kind: str
    topic: Topic
    title: str
    description: str
    customer: bool
    account: Account | None
    requester_name: str
    requester_email: str
    channel: str
    initial_priority: int
    priority: int
    routed: bool  # matched the enterprise routing rule: priority and assignee at creation
    project: Project | None
    story_points: int | None
    impact: int | None
    effort: int | None
    labels: list[Label]
    creator: User | None
    status: str = Status.TODO
    assignee: User | None = None
    # Filled in by the story
    final_assignee: User | None = None
    resolved_at: datetime | None = None
    first_response_at: datetime | None = None
    updated_at: datetime | None = None
    position: int = 0
    events: list[tuple[Any, ...]] = field(default_factory=list)
    comments: list[tuple[Any, ...]] = field(default_factory=list)


def _sec(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def _log_uniform(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    return timedelta(seconds=math.exp(rng.uniform(math.log(low.total_seconds()), math.log(high.total_seconds()))))


def created_times(rng: random.Random, ctx: DemoTeam, n: int, anchor: datetime) -> list[datetime]:
    """``n`` creation times over the last HISTORY_DAYS days, busier on weekdays and in office hours."""
    slots: list[datetime] = []
    weights: list[float] = []
    first = anchor - timedelta(days=HISTORY_DAYS)
    hour = first
    # The last hour is left out: every ticket is at least an hour old at the anchor.
    while hour < anchor - timedelta(hours=1):
        local = hour.astimezone(ctx.calendar.zone)
        age = (anchor - hour) / timedelta(days=HISTORY_DAYS)
        w = WEEKDAY_WEIGHTS[local.weekday()] * (0.75 + 0.5 * (1 - age))
        w *= 1.0 if ctx.calendar.is_open(hour + timedelta(minutes=30)) else 0.12
        w *= 1.0 if 8 <= local.hour < 20 else 0.4
        if local.date() in ctx.calendar.holidays:
            w *= 0.3
        slots.append(hour)
        weights.append(w)
        hour += timedelta(hours=1)
    picked = rng.choices(slots, cum_weights=list(accumulate(weights)), k=n)
    return sorted(_sec(h + timedelta(seconds=rng.randrange(3600))) for h in picked)


def _person(rng: random.Random, spec: TeamTickets, domain: str) -> tuple[str, str]:
    first = rng.choice(spec.first_names)
    last = rng.choice(spec.last_names)
    return f"{first} {last}", f"{slugify(first)}.{slugify(last)}@{domain}"


def plan_ticket(rng: random.Random, ctx: DemoTeam, number: int, created: datetime) -> Plan:
    spec = ctx.spec
    kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    topic = rng.choice(TOPICS_BY_KIND[kind])
    customer = kind in (Kind.INQUIRY, Kind.INCIDENT) or (kind == Kind.BUG and rng.random() < 0.6)
    local = created.astimezone(ctx.calendar.zone)
    fills = {
        "month": (local.replace(day=1) - timedelta(days=1)).strftime("%B"),
        "count": rng.choice((5, 10, 15, 20, 25, 50)),
        "code": rng.choice(("500", "502", "503", "504", "429")),
        "region": rng.choice(spec.regions),
        "version": f"{rng.randint(4, 6)}.{rng.randint(0, 9)}",
        "browser": rng.choice(("Safari", "Firefox", "Chrome on Android", "Edge")),
    }
    creator: User | None = None
    account: Account | None = None
    if customer:
        if rng.random() < 0.9:
            account = rng.choices(ctx.accounts, cum_weights=ctx.account_cum)[0] if ctx.accounts else None
        domain = f"{slugify(account.name)}.example" if account else "mail.example"
        requester_name, requester_email = _person(rng, spec, domain)
        channel_weights = BUG_CHANNEL_WEIGHTS if kind == Kind.BUG else spec.channel_weights
    else:
        creator = _pick_user(rng, ctx)
        requester_name = creator.display_name if creator else ""
        requester_email = creator.email if creator else ""
        channel_weights = INTERNAL_CHANNEL_WEIGHTS
    channel = rng.choices(CHANNELS, weights=channel_weights)[0]

    priority: int = rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS[kind])[0]
    routed = account is not None and account.tier == Tier.ENTERPRISE
    initial = priority
    if routed:  # the routing rule sets High; an urgent one is raised after triage
        initial, priority = Priority.HIGH, max(priority, Priority.HIGH)
    elif rng.random() < 0.05:
        priority = max(Priority.LOW, min(Priority.URGENT, priority + rng.choice((-1, 1))))

    project = None
    if kind not in (Kind.INQUIRY, Kind.INCIDENT) and not customer and ctx.projects and rng.random() < 0.6:
        project = rng.choice(ctx.projects)
    if kind in (Kind.BUG, Kind.TASK, Kind.IMPROVEMENT):
        story_points: int | None = rng.choices(STORY_POINTS, weights=STORY_POINT_WEIGHTS)[0]
        impact: int | None = rng.choices((1, 2, 3, 4, 5), weights=(10, 20, 30, 25, 15))[0]
        effort: int | None = rng.choices((1, 2, 3, 4, 5), weights=(20, 30, 25, 15, 10))[0]
    else:
        story_points = rng.choices((1, 2, 3), weights=(50, 35, 15))[0] if rng.random() < 0.3 else None
        impact = effort = None

    title = topic.title.format(**fills)
    names = list(topic.labels)
    if channel == Channel.MOBILE_APP:
        names.append("mobile")
    if routed:
        names.append("VIP")
    if "refund" in title.lower():
        names += ["billing", "refund"]
    labels = [ctx.labels[n] for n in dict.fromkeys(names) if n in ctx.labels]
    return Plan(
        number=number,
        created=created,
        kind=kind,
        topic=topic,
        title=title,
        description=topic.description.format(**fills),
        customer=customer,
        account=account,
        requester_name=requester_name,
        requester_email=requester_email,
        channel=channel,
        initial_priority=initial,
        priority=priority,
        routed=routed,
        project=project,
        story_points=story_points,
        impact=impact,
        effort=effort,
        labels=labels,
        creator=creator,
    )


def _pick_user(rng: random.Random, ctx: DemoTeam) -> User | None:
    if not ctx.assignable:
        return None
    return rng.choices(ctx.assignable, cum_weights=ctx.assignable_cum)[0]


def _final_status(rng: random.Random, plan: Plan, anchor: datetime) -> str:
    age_days = (anchor - plan.created) / timedelta(days=1)
    weights = next(w for limit, w in FINAL_STATUS_BY_AGE if age_days < limit)
    if plan.kind in INTERNAL_KINDS:
        weights = (weights[0] * 4, *weights[1:])
    return rng.choices(STATUSES, weights=weights)[0]


def decide_statuses(rng: random.Random, ctx: DemoTeam, plans: list[Plan], anchor: datetime) -> None:
    """Final status and assignee of every ticket, the board's WIP limits respected."""
    for plan in plans:
        plan.status = _final_status(rng, plan, anchor)
    # The newest tickets show every open column, whatever the mix drew.
    if len(plans) >= 8:
        newest = [Status.TODO, Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED]
        rng.shuffle(newest)
        for plan, status in zip(plans[-4:], newest, strict=True):
            plan.status = status
    for plan in plans:
        if plan.routed or plan.status != Status.TODO or rng.random() < 0.4:
            plan.assignee = _pick_user(rng, ctx)

    # Newest first: those keep their place in a full column, older ones move to the fallback.
    count: Counter[tuple[int | None, str]] = Counter()
    per_agent: Counter[int] = Counter()
    active = (Status.IN_PROGRESS, Status.ESCALATED)

    def scopes(plan: Plan, status: str) -> list[tuple[int | None, str]]:
        return [(None, status)] + ([(plan.project.pk, status)] if plan.project else [])

    def fits(plan: Plan, status: str) -> bool:
        if any(scope in ctx.wip and count[scope] >= ctx.wip[scope] for scope in scopes(plan, status)):
            return False
        if ctx.wip_per_agent is not None and status in active and plan.assignee is not None:
            return per_agent[plan.assignee.pk] < ctx.wip_per_agent
        return True

    for plan in reversed(plans):
        if plan.status == Status.RESOLVED:
            continue
        choices = (plan.status, *WIP_FALLBACK.get(plan.status, ()), Status.WAITING, Status.TODO)
        plan.status = next((s for s in choices if fits(plan, s)), Status.RESOLVED)
        if plan.status == Status.RESOLVED:
            continue
        count.update(scopes(plan, plan.status))
        if plan.status in active and plan.assignee is not None:
            per_agent[plan.assignee.pk] += 1
        if plan.status != Status.TODO and plan.assignee is None:
            plan.assignee = _pick_user(rng, ctx)


def _stay(rng: random.Random, status: str, plan: Plan) -> timedelta:
    """How long a ticket stays in ``status`` before its next move."""
    if status == Status.TODO:
        if plan.kind in INTERNAL_KINDS:
            return _log_uniform(rng, timedelta(hours=4), timedelta(days=20))
        low, high = {
            Priority.URGENT: (timedelta(minutes=5), timedelta(hours=1)),
            Priority.HIGH: (timedelta(minutes=15), timedelta(hours=6)),
            Priority.NORMAL: (timedelta(minutes=30), timedelta(hours=36)),
            Priority.LOW: (timedelta(hours=2), timedelta(days=4)),
        }[Priority(plan.priority)]
        return _log_uniform(rng, low, high)
    low, high = {
        Status.IN_PROGRESS: (timedelta(minutes=20), timedelta(hours=36)),
        Status.WAITING: (timedelta(hours=1), timedelta(days=5)),
        Status.ESCALATED: (timedelta(hours=1), timedelta(days=3)),
        Status.RESOLVED: (timedelta(hours=4), timedelta(days=7)),
    }[Status(status)]
    return _log_uniform(rng, low, high)


class Story:
    """The history of one ticket: its moves, events and comments, all before the anchor."""

    def __init__(self, rng: random.Random, ctx: DemoTeam, plan: Plan, anchor: datetime, html: dict[str, str]) -> None:
        self.rng, self.ctx, self.plan, self.html = rng, ctx, plan, html
        self.deadline = anchor - timedelta(minutes=5)

    def event(self, at: datetime, by: User | None, field_name: str, old: Any, new: Any) -> None:
        self.plan.events.append(
            (_sec(at), by.pk if by else None, field_name, *event_values(field_name, old, new))
        )  # fmt: skip

    def comment(self, at: datetime, by: User | None, body: str, public: bool) -> tuple[Any, ...]:
        if public and by is not None:
            body += SIGN_OFF.format(name=by.first_name or by.username)
        if body not in self.html:
            self.html[body] = render_markdown(body)
        return (_sec(at), by.pk if by else None, body, self.html[body], public)

    def at_work(self, t: datetime, limit: datetime) -> datetime:
        """``t``, or a little after the team's next opening when it is off; never after ``limit``."""
        opened = next_open(self.ctx.calendar, t)
        if opened > t:
            opened += timedelta(minutes=self.rng.uniform(2, 50))
        return min(opened, limit)

    def moves(self) -> list[tuple[str, str, datetime]]:
        """(from, to, when) of every status change after To Do, ending in the planned status."""
        rng, plan = self.rng, self.plan
        weights, paths = zip(*PATHS[plan.status], strict=True)
        path = rng.choices(paths, weights=weights)[0]
        if plan.assignee is None and plan.status == Status.TODO:
            path = ()  # nobody has started it
        t, prev = plan.created, Status.TODO
        moves: list[tuple[str, str, datetime]] = []
        for status in path:
            t = t + _stay(rng, prev, plan)
            if (prev, status) not in CUSTOMER_MOVES:
                t = self.at_work(t, datetime.max.replace(tzinfo=UTC))
            moves.append((prev, status, t))
            prev = status
        if moves and moves[-1][2] > self.deadline:  # the last move is the latest
            # Too recent for the whole path: squeeze it in before the anchor.
            span = moves[-1][2] - plan.created
            scale = (self.deadline - plan.created) / span * rng.uniform(0.5, 0.95)
            moves = [(a, b, plan.created + (at - plan.created) * scale) for a, b, at in moves]
        return moves

    def tell(self) -> None:
        rng, ctx, plan = self.rng, self.ctx, self.plan
        t0 = plan.created
        moves = self.moves()
        first_move = moves[0][2] if moves else None
        # Triage and the first reply happen before work starts (or, in To Do, some time after creation).
        work_starts = first_move or min(
            self.deadline, t0 + _log_uniform(rng, timedelta(minutes=10), timedelta(hours=8))
        )

        self.event(t0, plan.creator, EventField.CREATED, None, Status.TODO)
        self.event(t0, plan.creator, EventField.STATUS, None, Status.TODO)
        if plan.project:
            self.event(t0, plan.creator, EventField.PROJECT, None, plan.project)

        assignee = plan.assignee
        assigned_at = t0
        if assignee is not None:
            if plan.routed:  # the routing rule assigned it on creation
                self.event(t0, None, EventField.ASSIGNEE, None, assignee)
            else:
                assigned_at = self.at_work(t0 + (work_starts - t0) * rng.uniform(0.05, 0.5), work_starts)
                by = ctx.lead if ctx.lead and rng.random() < 0.5 else assignee
                self.event(assigned_at, by, EventField.ASSIGNEE, None, assignee)
        if plan.priority != plan.initial_priority:
            at = t0 + (work_starts - t0) * rng.uniform(0.02, 0.3)
            self.event(at, assignee or ctx.lead, EventField.PRIORITY, plan.initial_priority, plan.priority)

        # (time, author, body, public); the first public reply comes before any work.
        candidates: list[tuple[datetime, User | None, str, bool]] = []
        if plan.customer and (moves or rng.random() < 0.5):
            at = self.at_work(assigned_at + (work_starts - assigned_at) * rng.uniform(0.2, 1.0), work_starts)
            at = min(max(at, t0 + timedelta(minutes=1)), work_starts)
            candidates.append((at, assignee or _pick_user(rng, ctx), rng.choice(FIRST_REPLIES), True))

        for old, new, at in moves:
            mover = assignee if (old, new) not in CUSTOMER_MOVES else None
            self.event(at, mover, EventField.STATUS, old, new)
            if new == Status.ESCALATED:
                candidates.append((at, assignee, rng.choice(ESCALATION_NOTES), False))
                # The lead takes some over (not when a per-agent WIP limit is set: it was counted for the agent).
                if ctx.lead and assignee != ctx.lead and ctx.wip_per_agent is None and rng.random() < 0.5:
                    self.event(at, ctx.lead, EventField.ASSIGNEE, assignee, ctx.lead)
                    assignee = ctx.lead
            elif new == Status.WAITING and plan.customer:
                candidates.append((at, assignee, rng.choice(WAITING_ASKS), True))
            elif new == Status.RESOLVED:
                if plan.customer:
                    candidates.append((at, assignee, rng.choice(RESOLUTIONS), True))
                else:
                    candidates.append((at, assignee, rng.choice(DONE_NOTES), False))
                plan.resolved_at = _sec(at)
            elif old == Status.RESOLVED:
                plan.resolved_at = None
                candidates.append((at, assignee, rng.choice(REOPEN_NOTES), False))
        last = moves[-1][2] if moves else work_starts
        note_by = rng.choice([u for u in (assignee, ctx.lead, ctx.manager) if u is not None] or [None])
        note = rng.choice(INTERNAL_NOTES if plan.customer else WORK_NOTES)
        candidates.append((t0 + (last - t0) * rng.uniform(0.1, 0.9), note_by, note, False))
        candidates.sort(key=lambda c: c[0])

        # 1-4 comments; the first public reply always stays.
        keep = rng.randint(1, 4)
        first_public = next((c for c in candidates if c[3]), None)
        must = [first_public] if first_public else []
        rest = [c for c in candidates if c is not first_public]
        chosen = sorted(must + rng.sample(rest, min(keep - len(must), len(rest))), key=lambda c: c[0])
        plan.comments = [self.comment(at, by, body, public) for at, by, body, public in chosen]
        public = [c[0] for c in plan.comments if c[4] and c[1] is not None]
        plan.first_response_at = min(public) if public else None

        plan.events.sort(key=lambda e: e[0])  # stable: created, then status, then the rest
        plan.final_assignee = assignee
        plan.updated_at = max([plan.events[-1][0], *(c[0] for c in plan.comments)])


def assign_positions(plans: list[Plan]) -> None:
    """Gapped positions per status: open columns by priority then age, Resolved newest first."""
    by_status: dict[str, list[Plan]] = {}
    for plan in plans:
        by_status.setdefault(plan.status, []).append(plan)
    for status in STATUSES:
        column = by_status.get(status, [])
        if status == Status.RESOLVED:
            column.sort(key=lambda p: (-(p.resolved_at or p.created).timestamp(), p.number))
        else:
            column.sort(key=lambda p: (-p.priority, p.created, p.number))
        for i, plan in enumerate(column, start=1):
            plan.position = i * POSITION_GAP
