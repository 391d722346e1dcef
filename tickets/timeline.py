"""A ticket's activity: its comments and its history, merged in time order."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime

from tickets.choices import EventField, Status
from tickets.models import Comment, Ticket, TicketEvent


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a ticket's activity: a comment or a change of a tracked field."""

    at: datetime
    comment: Comment | None = None
    event: TicketEvent | None = None

    @property
    def kind(self) -> str:
        return "comment" if self.comment is not None else "event"


def _shown(event: TicketEvent) -> bool:
    # The status a ticket is created with is told by the "created" line.
    return not (event.field == EventField.STATUS and not event.from_value)


def ticket_timeline(*, ticket: Ticket) -> list[TimelineEntry]:
    """Comments and history of ``ticket``, oldest first: two queries, whatever their number."""
    events = (
        TimelineEntry(at=e.created_at, event=e)
        for e in TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("created_at", "id")
        if _shown(e)
    )
    comments = (
        TimelineEntry(at=c.created_at, comment=c)
        for c in Comment.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "id")
    )
    # Both are sorted already; on a tie the change comes before the comment.
    return list(heapq.merge(events, comments, key=lambda entry: (entry.at, entry.kind == "comment")))


def status_label(value: str) -> str:
    """The label of a stored status code (an unknown code is shown as it is)."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value
