"""Pure measures shared by the daily figures and the direct computation: percentiles and ticket clocks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from teams.calendar import CalendarHistory
from tickets.choices import ACTIVE_STATUSES, Status

PAUSED = (Status.WAITING,)  # the clock stops while the customer owes us an answer


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile by linear interpolation between closest ranks (PostgreSQL's percentile_cont),
    to the millisecond (as every reader rounds it, so floating-point noise never shows)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 3)


@dataclass(frozen=True)
class Resolution:
    cycle: int  # 1 for the first resolution, 2 after one reopening, …
    at: datetime
    business_seconds: int  # created → resolved, less time waiting on the customer and time resolved
    lead_seconds: int  # created → resolved, calendar time
    cycle_seconds: int | None  # first entry into an active status → resolved, calendar time


def resolutions(
    created: datetime, statuses: Sequence[tuple[datetime, str, str]], history: CalendarHistory
) -> list[Resolution]:
    """Every resolution of a ticket from its status changes ``(at, from, to)`` in time order.

    The resolution clock runs in business time from creation, stops while the
    ticket waits on the customer or is resolved, and resumes when it is
    reopened (DESIGN.md), so the second resolution of a reopened ticket counts
    both stretches of work.
    """
    state = statuses[0][1] if statuses else Status.TODO
    since, clock, started = created, 0, None
    out: list[Resolution] = []
    for at, _, to in statuses:
        if state not in PAUSED and state != Status.RESOLVED and at > since:
            clock += history.business_seconds(since, at)
        since, state = max(since, at), to
        if to in ACTIVE_STATUSES and started is None:
            started = at
        if to == Status.RESOLVED:
            out.append(
                Resolution(
                    cycle=len(out) + 1, at=at, business_seconds=clock,
                    lead_seconds=max(0, int((at - created).total_seconds())),
                    cycle_seconds=max(0, int((at - started).total_seconds())) if started else None,
                )
            )  # fmt: skip
    return out
