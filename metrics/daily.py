"""Daily figures written from ticket history: set-based reads, one pass in Python, one write per run of days.

For a run of consecutive days of one team, a fixed number of queries reads
what happened in the run's window (tickets created, status changes, SLA
outcomes decided, surveys sent and answered, first replies) and the history
of the tickets resolved in it; each row is then bucketed by the team's local
date (the zone in force at that instant) and counted. Writing a day replaces
its rows, so writing it twice gives identical rows, and beat (today,
yesterday and the days late events touched) and ``metrics_rebuild`` (every
day) write the same thing.

A ticket's priority and channel are taken as they are when the day is
computed: a later change moves the ticket's past counts only when those days
are computed again (a rebuild).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from core.bulk import analyze, insert_rows
from metrics.clock import percentile, resolutions
from metrics.models import DailyFigure, DurationKind, RefreshMark, TicketDuration
from teams.calendar import CalendarHistory
from teams.models import Team
from tickets.choices import CUSTOMER_KINDS, OPEN_STATUSES, EventField, SLAOutcomeKind, SLATargetKind, Status
from tickets.models import Comment, SLAOutcome, Ticket, TicketEvent
from voice.choices import CSAT_SCALE
from voice.models import CsatSurvey
from voice.surveys import SATISFIED_SCORE

RUN_DAYS = 31  # a rebuild reads history a month at a time
OPEN = {s.value for s in OPEN_STATUSES}


@dataclass
class Counts:
    created: int = 0
    resolved: int = 0
    reopened: int = 0
    frt_met: int = 0
    frt_breached: int = 0
    res_met: int = 0
    res_breached: int = 0
    first_resolved: int = 0
    first_resolved_reopened: int = 0
    first_resolved_one_touch: int = 0
    first_resolved_breached: int = 0
    surveys_sent: int = 0
    surveys_sent_answered: int = 0
    answers: int = 0
    answers_positive: int = 0
    in_todo: int = 0
    out_todo: int = 0
    in_in_progress: int = 0
    out_in_progress: int = 0
    in_waiting: int = 0
    out_waiting: int = 0
    in_escalated: int = 0
    out_escalated: int = 0


COUNT_FIELDS = tuple(f.name for f in fields(Counts))


def local_day(history: CalendarHistory, at: datetime) -> date:
    """The team's local date of an instant, in the time zone in force then."""
    return at.astimezone(history.at(at).zone).date()


def _runs(days: Iterable[date]) -> Iterator[list[date]]:
    """Consecutive days grouped, at most RUN_DAYS long."""
    run: list[date] = []
    for day in sorted(set(days)):
        if run and (day - run[-1] != timedelta(days=1) or len(run) == RUN_DAYS):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def _window(history: CalendarHistory, run: list[date]) -> tuple[datetime, datetime]:
    """Instants that surely cover the run's local days (a day's margin for any zone)."""
    zone = history.current.zone
    start = datetime.combine(run[0] - timedelta(days=1), time(0), tzinfo=zone)
    end = datetime.combine(run[-1] + timedelta(days=2), time(0), tzinfo=zone)
    return start, end


FIGURE_COLUMNS = ("team", "day", "priority", "channel", *COUNT_FIELDS)
DURATION_COLUMNS = ("team", "ticket", "kind", "cycle", "day", "priority", "channel", "seconds")
Row = tuple[Any, ...]


def compute(team: Team, history: CalendarHistory, run: list[date]) -> tuple[list[Row], list[Row]]:
    """The rows of a run of days: counts per (day, priority, channel) and the durations that ended in it."""
    wanted = set(run)
    start, end = _window(history, run)
    counts: dict[tuple[date, int, str], Counts] = defaultdict(Counts)

    def bump(at: datetime, priority: int, channel: str, **add: int) -> None:
        day = local_day(history, at)
        if day in wanted:
            row = counts[(day, priority, channel)]
            for name, n in add.items():
                setattr(row, name, getattr(row, name) + n)

    tickets = Ticket.objects.filter(team=team)
    created: Any = tickets.filter(created_at__gte=start, created_at__lt=end).values_list(
        "pk", "created_at", "priority", "channel", "status"
    )
    # The status a ticket was created in: its first status change's "from", or its status if it never moved.
    first_from: dict[int, str] = {}
    for ticket_id, before in (
        TicketEvent.objects.filter(
            ticket_id__in=tickets.filter(created_at__gte=start, created_at__lt=end).values("pk"),
            field=EventField.STATUS,
        )
        .order_by("created_at", "id")
        .values_list("ticket_id", "from_value")
    ):
        first_from.setdefault(ticket_id, before)
    for pk, at, priority, channel, status in created:
        initial = first_from.get(pk, status)
        bump(at, priority, channel, created=1, **({f"in_{initial}": 1} if initial in OPEN else {}))

    status = TicketEvent.objects.filter(ticket__team=team, field=EventField.STATUS)
    in_window = status.filter(created_at__gte=start, created_at__lt=end)
    for at, before, after, priority, channel in in_window.values_list(
        "created_at", "from_value", "to_value", "ticket__priority", "ticket__channel"
    ):
        moves = {f"out_{before}": 1} if before in OPEN else {}
        if after in OPEN:
            moves[f"in_{after}"] = 1
        if after == Status.RESOLVED:
            bump(at, priority, channel, resolved=1, **moves)
        elif before == Status.RESOLVED:
            bump(at, priority, channel, reopened=1, **moves)
        else:
            bump(at, priority, channel, **moves)

    outcomes = SLAOutcome.objects.filter(ticket__team=team, decided_at__gte=start, decided_at__lt=end)
    for target, outcome, at, priority, channel in outcomes.values_list(
        "target", "outcome", "decided_at", "ticket__priority", "ticket__channel"
    ):
        prefix = "frt" if target == SLATargetKind.FIRST_RESPONSE else "res"
        suffix = "met" if outcome == SLAOutcomeKind.MET else "breached"
        bump(at, priority, channel, **{f"{prefix}_{suffix}": 1})

    surveys = CsatSurvey.objects.filter(team=team, scale=CSAT_SCALE)
    sent: Any = surveys.filter(sent_at__gte=start, sent_at__lt=end).values_list(
        "sent_at", "answered_at", "ticket__priority", "ticket__channel"
    )
    for sent_at, answered_at, priority, channel in sent:
        bump(sent_at, priority, channel, surveys_sent=1, surveys_sent_answered=int(answered_at is not None))
    answers: Any = surveys.filter(answered_at__gte=start, answered_at__lt=end).values_list(
        "answered_at", "score", "ticket__priority", "ticket__channel"
    )
    for answered_at, score, priority, channel in answers:
        bump(answered_at, priority, channel, answers=1, answers_positive=int((score or 0) >= SATISFIED_SCORE))

    durations: list[Row] = []

    def duration(ticket_id: int, kind: str, cycle: int, at: datetime, priority: int, channel: str, s: int) -> None:
        day = local_day(history, at)
        if day in wanted:
            durations.append((team.pk, ticket_id, kind, cycle, day, priority, channel, max(0, s)))

    answered: Any = tickets.filter(
        kind__in=CUSTOMER_KINDS, first_response_at__gte=start, first_response_at__lt=end
    ).values_list("pk", "created_at", "first_response_at", "priority", "channel")
    for pk, created, replied, priority, channel in answered:
        duration(pk, DurationKind.FIRST_RESPONSE, 1, replied, priority, channel,
                 history.business_seconds(created, replied))  # fmt: skip

    # Tickets resolved in the window: their whole status history gives each resolution's clocks,
    # whether it was their first resolution, and whether they were ever reopened.
    resolved_ids = in_window.filter(to_value=Status.RESOLVED).values("ticket_id")
    resolved = {
        pk: (created, priority, channel)
        for pk, created, priority, channel in Ticket.objects.filter(pk__in=resolved_ids).values_list(
            "pk", "created_at", "priority", "channel"
        )
    }
    history_of: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for ticket_id, at, before, after in (
        TicketEvent.objects.filter(ticket_id__in=resolved_ids, field=EventField.STATUS)
        .order_by("created_at", "id")
        .values_list("ticket_id", "created_at", "from_value", "to_value")
    ):
        history_of[ticket_id].append((at, before, after))
    replies = dict(
        Comment.objects.filter(ticket_id__in=resolved_ids, is_public=True, from_customer=False)
        .values("ticket_id")
        .annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    )
    breached = set(
        SLAOutcome.objects.filter(ticket_id__in=resolved_ids, outcome=SLAOutcomeKind.BREACHED).values_list(
            "ticket_id", flat=True
        )
    )
    for pk, (created, priority, channel) in resolved.items():
        events = history_of[pk]
        for r in resolutions(created, events, history):
            duration(pk, DurationKind.RESOLUTION, r.cycle, r.at, priority, channel, r.business_seconds)
            duration(pk, DurationKind.LEAD, r.cycle, r.at, priority, channel, r.lead_seconds)
            if r.cycle_seconds is not None:
                duration(pk, DurationKind.CYCLE, r.cycle, r.at, priority, channel, r.cycle_seconds)
            if r.cycle == 1:
                reopened = any(before == Status.RESOLVED and after != Status.RESOLVED for _, before, after in events)
                bump(r.at, priority, channel, first_resolved=1, first_resolved_reopened=int(reopened),
                     first_resolved_one_touch=int(not reopened and replies.get(pk, 0) == 1),
                     first_resolved_breached=int(pk in breached))  # fmt: skip

    figures = [
        (team.pk, day, priority, channel, *(getattr(c, name) for name in COUNT_FIELDS))
        for (day, priority, channel), c in sorted(counts.items())
    ]
    return figures, durations


def days_write(team: Team, days: Iterable[date], history: CalendarHistory | None = None) -> int:
    """Compute and replace the rows of these days of the team (idempotent). Returns the days written."""
    history = history or CalendarHistory.for_team(team)
    written = 0
    for run in _runs(days):
        figures, durations = compute(team, history, run)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Derived rows, rebuilt at will: no need to wait for the disk at each commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            DailyFigure.objects.filter(team=team, day__in=run).delete()
            TicketDuration.objects.filter(team=team, day__in=run).delete()
            insert_rows(DailyFigure, FIGURE_COLUMNS, figures, prepared=True)
            insert_rows(TicketDuration, DURATION_COLUMNS, durations, prepared=True)
        written += len(run)
    return written


def touched_days(team: Team, history: CalendarHistory, since: datetime, now: datetime) -> set[date]:
    """Days whose rows events since ``since`` can change: every day from then to now, the first-resolution
    days of tickets reopened, replied to or breached since (their cohort counts change), and the sending
    days of surveys answered since (their response-rate cohort)."""
    days = set()
    day = local_day(history, since) - timedelta(days=1)
    while day <= local_day(history, now):
        days.add(day)
        day += timedelta(days=1)
    touched = (
        Ticket.objects.filter(team=team)
        .filter(
            Q(events__created_at__gte=since, events__field=EventField.STATUS)
            | Q(comments__created_at__gte=since, comments__is_public=True)
            | Q(sla_outcomes__decided_at__gte=since - timedelta(days=1))
        )
        .values("pk")
    )
    firsts = (
        TicketEvent.objects.filter(ticket_id__in=touched, field=EventField.STATUS, to_value=Status.RESOLVED)
        .values("ticket_id")
        .annotate(first=Min("created_at"))
        .values_list("first", flat=True)
    )
    days.update(local_day(history, at) for at in firsts)
    sent: Any = CsatSurvey.objects.filter(team=team, answered_at__gte=since, sent_at__isnull=False).values_list(
        "sent_at", flat=True
    )
    days.update(local_day(history, at) for at in sent)
    return days


def team_refresh(team: Team, *, now: datetime | None = None) -> int:
    """Beat's refresh of one team: the days touched since its last refresh (today and yesterday at least)."""
    now = now or timezone.now()
    history = CalendarHistory.for_team(team)
    mark = RefreshMark.objects.filter(team=team).first()
    since = mark.refreshed_at if mark else now - timedelta(days=1)
    written = days_write(team, touched_days(team, history, since, now), history)
    RefreshMark.objects.update_or_create(team=team, defaults={"refreshed_at": now})
    ageing_update(team, history, now)
    return written


def ageing_update(team: Team, history: CalendarHistory, now: datetime) -> int | None:
    """The team's ageing threshold: the 85th percentile of its cycle times of the last 30 days (the board
    marks open work started longer ago). None without such work."""
    today = local_day(history, now)
    seconds = list(
        TicketDuration.objects.filter(
            team=team, kind=DurationKind.CYCLE, day__gte=today - timedelta(days=29), day__lte=today
        ).values_list("seconds", flat=True)
    )
    p85 = percentile(seconds, 0.85)
    value = round(p85) if p85 is not None else None
    if value != team.ageing_seconds:
        Team.objects.filter(pk=team.pk).update(ageing_seconds=value)
        team.ageing_seconds = value
    return value


def refresh_all(*, now: datetime | None = None) -> int:
    """Every team's refresh (beat, every few minutes). Returns the days written."""
    teams = Team.objects.prefetch_related("working_hours", "holidays")
    return sum(team_refresh(team, now=now) for team in teams)


def first_day(team: Team, history: CalendarHistory) -> date | None:
    """The team's first day with any ticket."""
    first = Ticket.objects.filter(team=team).aggregate(first=Min("created_at"))["first"]
    return local_day(history, first) if first else None


def team_rebuild(
    team: Team, *, since: date | None = None, now: datetime | None = None, progress: Callable[[int], Any] | None = None
) -> int:
    """Rebuild every day of the team from ``since`` (default: its first ticket) to today."""
    now = now or timezone.now()
    history = CalendarHistory.for_team(team)
    start = since or first_day(team, history)
    if start is None:
        return 0
    today = local_day(history, now)
    days = [start + timedelta(days=n) for n in range((today - start).days + 1)]
    written = 0
    for run in _runs(days):
        written += days_write(team, run, history)
        if progress:
            progress(len(run))
    if since is None:  # every day of the team rebuilt: nothing older can remain
        DailyFigure.objects.filter(team=team, day__lt=start).delete()
        TicketDuration.objects.filter(team=team, day__lt=start).delete()
    RefreshMark.objects.update_or_create(team=team, defaults={"refreshed_at": now})
    ageing_update(team, history, now)
    return written


def rebuild_done() -> None:
    """After a rebuild (a bulk load): the planner gets the new rows' statistics."""
    analyze(DailyFigure, TicketDuration)
