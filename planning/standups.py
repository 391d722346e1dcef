"""Daily standups and blockers: what each member says, what the history already knows, what blocks whom.

A blocker may name a ticket. While any open blocker names it, the ticket's
``blocked_since`` holds the oldest one's time, so every board marks the card
without reading planning's tables; clearing the last one empties it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from planning.days import working_days
from planning.models import Blocker, Sprint, Standup, StandupEntry
from teams.calendar import BusinessCalendar
from teams.models import Membership, Role, User
from tickets.choices import EventField, Status
from tickets.models import Ticket, TicketEvent

ENTRY_FIELDS = ("yesterday", "today", "blockers")
ENTRY_LIMIT = 4000


def standup_days(sprint: Sprint, calendar: BusinessCalendar) -> list[date]:
    """The sprint's working days: one standup each."""
    return working_days(calendar, sprint.start_date, sprint.end_date)


def standup_day_for(sprint: Sprint, calendar: BusinessCalendar, today: date) -> date | None:
    """Today's standup while the sprint runs on a working day; else the last one before today, or the first."""
    days = standup_days(sprint, calendar)
    if not days:
        return None
    past = [d for d in days if d <= today]
    return past[-1] if past else days[0]


def standup_members(sprint: Sprint) -> list[Membership]:
    """Who stands up: the team's agents, leads and managers (viewers watch)."""
    return list(
        Membership.objects.filter(team_id=sprint.team_id)
        .exclude(role=Role.VIEWER)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )


@transaction.atomic
def standup_open(*, sprint: Sprint, day: date) -> Standup:
    """The standup of ``day`` (made on first visit); only a sprint day of a sprint that has started."""
    if not sprint.start_date <= day <= sprint.end_date:
        raise RuleBroken(f"{day:%d %b %Y} is not a day of {sprint.name}.")
    standup, _ = Standup.objects.get_or_create(sprint=sprint, day=day)
    return standup


@transaction.atomic
def standup_entry_save(
    *, standup: Standup, member: User, by: User, expected_version: int, text: dict[str, str]
) -> StandupEntry:
    """Write one member's entry (autosaved as they type). ``expected_version`` 0: the entry is new.

    A write based on an older version raises StaleEdit: the lead and the member
    typing at once never overwrite each other silently.
    """
    unknown = set(text) - set(ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"not an entry field: {sorted(unknown)}")
    too_long = [name for name, value in text.items() if len(value) > ENTRY_LIMIT]
    if too_long:
        raise Invalid(dict.fromkeys(too_long, f"Keep it under {ENTRY_LIMIT} characters."))
    entry, _ = StandupEntry.objects.get_or_create(
        standup=standup, member=member, defaults={"updated_by": by, "version": 0}
    )
    locked = lock_if_current(StandupEntry.objects, pk=entry.pk, seen=expected_version)
    for name, value in text.items():
        setattr(locked, name, value.strip())
    locked.updated_by = by
    locked.version += 1
    locked.save()
    return locked


# --- Blockers -----------------------------------------------------------------------------------


def _mark_ticket(ticket_id: int) -> None:
    """Set the ticket's blocked mark to its oldest open blocker (or clear it)."""
    oldest = Blocker.objects.filter(ticket_id=ticket_id, cleared_at__isnull=True).aggregate(m=Min("raised_at"))["m"]
    Ticket.objects.filter(pk=ticket_id).update(blocked_since=oldest)


@transaction.atomic
def blocker_raise(
    *, sprint: Sprint, by: User, text: str, ticket: Ticket | None = None, entry: StandupEntry | None = None
) -> Blocker:
    """Record a blocker; a named ticket is marked blocked on every board until it is cleared."""
    text = text.strip()
    if not text:
        raise Invalid({"text": "Say what is in the way."})
    if len(text) > 300:
        raise Invalid({"text": "Keep a blocker under 300 characters; details go on the ticket."})
    if ticket is not None and ticket.team_id != sprint.team_id:
        raise Invalid({"ticket": "That ticket belongs to another team."})
    if sprint.is_closed:
        raise RuleBroken(f"{sprint.name} is closed; raise the blocker in the running sprint.")
    blocker = Blocker.objects.create(
        sprint=sprint, entry=entry, ticket=ticket, text=text, raised_by=by, raised_at=timezone.now()
    )
    if ticket is not None:
        _mark_ticket(ticket.pk)
    return blocker


@transaction.atomic
def blocker_clear(*, blocker: Blocker, by: User) -> Blocker:
    """Clear an open blocker (clearing twice changes nothing); the ticket's mark follows."""
    locked = Blocker.objects.select_for_update().get(pk=blocker.pk)
    if locked.cleared_at is None:
        locked.cleared_at = timezone.now()
        locked.cleared_by = by
        locked.save(update_fields=["cleared_at", "cleared_by"])
        if locked.ticket_id is not None:
            _mark_ticket(locked.ticket_id)
    return locked


def open_blockers(sprint: Sprint) -> list[Blocker]:
    return list(
        Blocker.objects.filter(sprint=sprint, cleared_at__isnull=True)
        .select_related("ticket", "raised_by")
        .order_by("raised_at", "id")
    )


def open_blockers_of_teams(team_ids: Iterable[int], limit: int = 10) -> list[Blocker]:
    """The oldest open blockers of these teams' sprints (for the manager dashboard): one query."""
    return list(
        Blocker.objects.filter(sprint__team_id__in=list(team_ids), cleared_at__isnull=True)
        .select_related("ticket", "raised_by", "sprint", "sprint__team")
        .order_by("raised_at", "id")[:limit]
    )


# --- What the history already knows --------------------------------------------------------------


@dataclass
class Known:
    """A member's facts since the last standup: tickets moved and resolved, clocks at risk."""

    moved: list[tuple[Ticket, str]] = field(default_factory=list)  # (ticket, status it was moved to)
    resolved: list[Ticket] = field(default_factory=list)
    at_risk: list[Ticket] = field(default_factory=list)


def since_instant(sprint: Sprint, calendar: BusinessCalendar, day: date) -> datetime:
    """Where "since the last standup" begins for ``day``'s standup: the start (local midnight) of the
    sprint day before it, so Monday's standup shows Friday's work; on the first day, the sprint's start.
    """
    earlier = [d for d in standup_days(sprint, calendar) if d < day]
    if earlier:
        return datetime.combine(earlier[-1], time(0), tzinfo=calendar.zone)
    return sprint.started_at or datetime.combine(sprint.start_date, time(0), tzinfo=calendar.zone)


def day_end(calendar: BusinessCalendar, day: date) -> datetime:
    """Local midnight after ``day``: a standup's facts stop there."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.zone)


def known_since(*, team_id: int, member_ids: list[int], since: datetime, until: datetime) -> dict[int, Known]:
    """Per member, what they moved or resolved in [since, until) and their open tickets whose clocks are at risk.

    Two queries whatever the team's size: the status events of the window, and the at-risk tickets.
    """
    known: dict[int, Known] = defaultdict(Known)
    events = (
        TicketEvent.objects.filter(
            ticket__team_id=team_id, field=EventField.STATUS, actor_id__in=member_ids,
            created_at__gte=since, created_at__lt=until,
        )
        .select_related("ticket")
        .order_by("created_at", "id")
    )  # fmt: skip
    seen: dict[tuple[int, int], str] = {}
    tickets: dict[int, Ticket] = {}
    for event in events:
        seen[(event.actor_id, event.ticket_id)] = event.to_value  # type: ignore[index]
        tickets[event.ticket_id] = event.ticket
    for (actor_id, ticket_id), status in seen.items():
        if status == Status.RESOLVED:
            known[actor_id].resolved.append(tickets[ticket_id])
        else:
            known[actor_id].moved.append(
                (tickets[ticket_id], Status(status).label if status in Status.values else status)
            )
    risky = (
        Ticket.objects.filter(team_id=team_id, assignee_id__in=member_ids)
        .exclude(status=Status.RESOLVED)
        .filter(Q(frt_warn_at__lte=until) | Q(res_warn_at__lte=until))
        .order_by("res_due_at", "frt_due_at", "id")
    )
    for ticket in risky[:200]:
        known[ticket.assignee_id].at_risk.append(ticket)  # type: ignore[index]
    return known
