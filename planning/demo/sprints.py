"""Demo sprints: per demo team, four closed sprints, one active and the next one planned.

Built from the tickets the demo already has, at the times their history says:
work resolved inside a sprint's dates was in it (planned at the start, or
added mid-sprint when it was created after the start), work still open at the
end was carried over, and the snapshots are then rebuilt from that history,
as ``sprint_snapshots --backfill`` would.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from planning.choices import ChangeKind, ChangeReason, RetroColumn, SprintState
from planning.models import (
    Blocker,
    RetroNote,
    RetroVote,
    Sprint,
    SprintChange,
    SprintItem,
    Standup,
    StandupEntry,
)
from planning.retros import action_add, retro_open
from planning.review import sprint_review
from planning.snapshots import snapshots_write
from planning.standups import standup_days
from teams.calendar import BusinessCalendar
from teams.models import Membership, Role, Team, User
from tickets.choices import BACKLOG_KINDS, Status
from tickets.models import Ticket
from tickets.services import ticket_update

GOALS = [
    "Cut the refund backlog and document the new refund macro",
    "Ship the self-service password reset help article set",
    "Clear every bug older than 30 days",
    "Onboarding checklist for the new enterprise tier",
    "Reduce repeat contacts about invoices",
    "Retire the old escalation spreadsheet",
]
POINTS = [1, 2, 3, 3, 5, 5, 8]


@dataclass
class SprintSeedResult:
    sprints: int = 0
    snapshots: int = 0


def _at(day: date, hour: int, calendar: BusinessCalendar) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=calendar.zone)


def seed_sprints(*, teams: Mapping[str, Team], today: date, seed: int = 42) -> SprintSeedResult:
    """Sprint history for every demo team that has none yet (running again adds nothing)."""
    result = SprintSeedResult()
    rng = random.Random(seed)
    monday = today - timedelta(days=today.weekday())
    for team in teams.values():
        if Sprint.objects.filter(team=team).exists():
            continue
        calendar = BusinessCalendar.for_team(team)
        first = monday - timedelta(days=7 + 14 * 4)
        # The demo's people have worked here all along: capacity counts them from the first sprint.
        Membership.objects.filter(team=team, joined_at__date__gt=first).update(
            joined_at=datetime.combine(first - timedelta(days=90), time(9), tzinfo=calendar.zone)
        )
        lead = Membership.objects.filter(team=team, role=Role.LEAD).select_related("user").first()
        by = lead.user if lead else None
        starts = [monday - timedelta(days=7 + 14 * k) for k in range(4, -1, -1)]  # four closed, then the active one
        used: set[int] = set()
        carried: list[Ticket] = []
        created: list[Sprint] = []
        for n, start in enumerate(starts, start=1):
            end = start + timedelta(days=13)
            active = n == len(starts)
            sprint = Sprint.objects.create(
                team=team, number=n, name=f"Sprint {n}", goal=GOALS[(n + team.pk) % len(GOALS)],
                start_date=start, end_date=end, state=SprintState.ACTIVE if active else SprintState.CLOSED,
                started_at=_at(start, 9, calendar),
                closed_at=None if active else _at(end + timedelta(days=1), 9, calendar),
                goal_met=None if active else rng.random() < 0.7,
            )  # fmt: skip
            created.append(sprint)
            result.sprints += 1
            _fill(sprint, team, calendar, rng, used, carried, by, last=active)
        Sprint.objects.create(
            team=team, number=len(starts) + 1, name=f"Sprint {len(starts) + 1}", goal=GOALS[team.pk % len(GOALS)],
            start_date=starts[-1] + timedelta(days=14), end_date=starts[-1] + timedelta(days=27),
        )  # fmt: skip
        result.sprints += 1
        result.snapshots += snapshots_write(created, rebuild=True)
        _standups(created, team, calendar, rng, today)
        for sprint in created:
            if sprint.closed_at is not None:
                sprint.review = sprint_review(sprint)
                sprint.save(update_fields=["review"])
        _retrospectives([s for s in created if s.closed_at is not None], team, rng, by)
    return result


YESTERDAY = [
    "Worked the refund queue; two escalations answered",
    "Paired on the invoice bug, wrote the repro steps",
    "Cleared the waiting-on-customer column, chased three replies",
    "Drafted the help article, sent it for review",
    "On chat most of the day; tagged the repeat contacts",
]
TODAY = [
    "Finish the macro and test it on five tickets",
    "Pick up the next sprint item after the queue",
    "Review the article comments, publish if green",
    "Take the escalation rota in the afternoon",
    "Close out the carried-over item",
]
BLOCKERS = [
    "Waiting on engineering for the export fix",
    "Need admin rights on the billing tool",
    "Customer's logs are missing; asked twice",
]
NOTES = {
    RetroColumn.WENT_WELL: ["Pairing on escalations halved the back-and-forth", "The new macro saved real time"],
    RetroColumn.WENT_BADLY: ["Too many tickets arrived without a category", "Standups ran over 15 minutes"],
    RetroColumn.IDEA: ["Rotate a 'shield' person each day for interrupts", "Timebox grooming to 30 minutes"],
}
ACTIONS = [
    "Rotate an interrupt shield each day",
    "Add a required category to the web form",
    "Keep standups to 15 minutes with a timer",
    "Write the macro for invoice copies",
]


def _standups(sprints: list[Sprint], team: Team, calendar: BusinessCalendar, rng: random.Random, today: date) -> None:
    """Entries for every past working day of each sprint, a few cleared blockers, and open ones now."""
    members = list(Membership.objects.filter(team=team).exclude(role=Role.VIEWER).select_related("user"))
    entries, blockers = [], []
    for sprint in sprints:
        for day in standup_days(sprint, calendar):
            if day > today:
                break
            standup = Standup.objects.create(sprint=sprint, day=day)
            for m in members:
                if rng.random() < 0.15:
                    continue  # not everybody writes every day
                entries.append(StandupEntry(
                    standup=standup, member=m.user, updated_by=m.user, yesterday=rng.choice(YESTERDAY),
                    today=rng.choice(TODAY), blockers=rng.choice(BLOCKERS) if rng.random() < 0.1 else "",
                ))  # fmt: skip
        items = list(sprint.items.select_related("ticket").exclude(ticket__status=Status.RESOLVED)[:2])
        raised = _at(sprint.start_date + timedelta(days=2), 10, calendar)
        for n, item in enumerate(items):
            cleared = sprint.closed_at is not None or n == 1
            blockers.append(Blocker(
                sprint=sprint, ticket=item.ticket, text=BLOCKERS[n % len(BLOCKERS)], raised_by=members[0].user,
                raised_at=raised, cleared_at=raised + timedelta(days=1) if cleared else None,
                cleared_by=members[0].user if cleared else None,
            ))  # fmt: skip
    StandupEntry.objects.bulk_create(entries)
    Blocker.objects.bulk_create(blockers)
    for b in blockers:
        if b.cleared_at is None and b.ticket is not None:
            Ticket.objects.filter(pk=b.ticket.pk).update(blocked_since=b.raised_at)


def _retrospectives(closed: list[Sprint], team: Team, rng: random.Random, by: User | None) -> None:
    """A retrospective per closed sprint: facts, notes, votes and actions (backlog tasks), some done."""
    voters = [m.user for m in Membership.objects.filter(team=team).exclude(role=Role.VIEWER).select_related("user")]
    for n, sprint in enumerate(closed):
        retro = retro_open(sprint=sprint)
        notes = [
            RetroNote(retro=retro, column=column, text=rng.choice(texts), author=rng.choice(voters))
            for column, texts in NOTES.items()
        ]
        RetroNote.objects.bulk_create(notes)
        for voter in voters:
            for note in rng.sample(notes, k=min(2, len(notes))):
                RetroVote.objects.get_or_create(note=note, voter=voter)
        if by is None or n >= len(ACTIONS):
            continue
        action = action_add(retro=retro, by=by, text=ACTIONS[n])
        if n % 2 == 0 and action.ticket is not None and n < len(closed) - 2:
            done = action.ticket
            ticket_update(ticket=done, by=by, expected_version=done.version, changes={"status": Status.RESOLVED})


def _fill(
    sprint: Sprint, team: Team, calendar: BusinessCalendar, rng: random.Random, used: set[int],
    carried: list[Ticket], by: User | None, *, last: bool,
) -> None:  # fmt: skip
    """Items of one sprint from the team's history; unfinished ones carried over to the next."""
    start = sprint.started_at
    assert start is not None
    close = sprint.closed_at or _at(sprint.end_date + timedelta(days=1), 9, calendar)
    work = Ticket.objects.filter(team=team, kind__in=BACKLOG_KINDS).exclude(pk__in=used).order_by("number")
    done = list(
        work.filter(created_at__lt=start, status=Status.RESOLVED, resolved_at__gte=start, resolved_at__lt=close)[:8]
    )
    added = list(work.filter(created_at__gte=start, created_at__lt=start + timedelta(days=8))[:2])
    # Open work planned in: a few items, never more than a quarter of what is left, so the backlog stays full.
    still_open = (
        work.filter(created_at__lt=start).exclude(status=Status.RESOLVED).exclude(pk__in=[t.pk for t in carried])
    )
    open_ = list(still_open[: min(3, max(2 - len(done) - len(carried), still_open.count() // 4))])
    planned = carried + done + open_
    items, changes = [], []
    rank = 0
    for ticket in planned + added:
        if ticket.story_points is None and rng.random() < 0.85:
            ticket.story_points = rng.choice(POINTS)
            Ticket.objects.filter(pk=ticket.pk).update(story_points=ticket.story_points)
    carried_ids = {t.pk for t in carried}
    for ticket in planned:
        rank += 1024
        reason = ChangeReason.CARRIED_IN if ticket.pk in carried_ids else ChangeReason.PLANNED
        entered = start if ticket.pk in carried_ids else start - timedelta(days=1)
        changes.append(SprintChange(sprint=sprint, ticket=ticket, kind=ChangeKind.ENTERED, reason=reason, at=entered,
                                    by=by, points=ticket.story_points))  # fmt: skip
        changes.append(SprintChange(sprint=sprint, ticket=ticket, kind=ChangeKind.COMMITTED, reason=reason, at=start,
                                    by=by, points=ticket.story_points))  # fmt: skip
        items.append(SprintItem(sprint=sprint, ticket=ticket, rank=rank, reason=reason, entered_at=entered,
                                times_carried=1 if ticket.pk in carried_ids else 0))  # fmt: skip
    for ticket in added:
        rank += 1024
        at = ticket.created_at + timedelta(hours=2)
        changes.append(SprintChange(sprint=sprint, ticket=ticket, kind=ChangeKind.ENTERED, reason=ChangeReason.ADDED,
                                    at=at, by=by, points=ticket.story_points))  # fmt: skip
        items.append(SprintItem(sprint=sprint, ticket=ticket, rank=rank, reason=ChangeReason.ADDED, entered_at=at))
    used.update(t.pk for t in planned + added)
    sprint.committed_points = sum(t.story_points or 0 for t in planned)
    sprint.committed_items = len(planned)
    sprint.save(update_fields=["committed_points", "committed_items"])
    carried.clear()
    if not last:
        # Still open at the close: carried over to the next sprint (the closed sprint keeps them in its history).
        for ticket in planned + added:
            resolved = ticket.resolved_at is not None and ticket.resolved_at < close
            if not resolved:
                changes.append(SprintChange(sprint=sprint, ticket=ticket, kind=ChangeKind.LEFT,
                                            reason=ChangeReason.CARRIED_OUT, at=close, by=by,
                                            points=ticket.story_points))  # fmt: skip
                carried.append(ticket)
        items = [i for i in items if i.ticket not in carried]
    SprintItem.objects.bulk_create(items)
    SprintChange.objects.bulk_create(changes)
