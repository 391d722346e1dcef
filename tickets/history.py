"""Ticket history: one function builds the row of every tracked change (services, escalation, demo).

Cycle time, lead time and cumulative flow read these rows, so a change written
anywhere must look the same.
"""

from __future__ import annotations

from typing import Any

from teams.models import User
from tickets.choices import Channel, EventField, Kind, Priority, Status
from tickets.models import Ticket, TicketEvent


def _label_of(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field_name == EventField.STATUS:
        return str(Status(value).label)
    if field_name == EventField.PRIORITY:
        return str(Priority(value).label)
    if field_name == EventField.KIND:
        return str(Kind(value).label)
    if field_name == EventField.CHANNEL:
        return str(Channel(value).label)
    if field_name == EventField.ASSIGNEE:
        return value.display_name if isinstance(value, User) else str(value)
    return str(value)


def _value_of(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "pk", value))


def event_values(field_name: str, old: Any, new: Any) -> tuple[str, str, str, str]:
    """(from_value, to_value, from_label, to_label) of one change: stored codes or ids, and the names then."""
    return _value_of(old), _value_of(new), _label_of(field_name, old)[:160], _label_of(field_name, new)[:160]


def event_row(ticket: Ticket, by: User | None, field_name: str, old: Any, new: Any, at: Any) -> TicketEvent:
    """The history row of one change of a tracked field (unsaved: callers save them in bulk)."""
    from_value, to_value, from_label, to_label = event_values(field_name, old, new)
    return TicketEvent(
        ticket=ticket, actor=by, field=field_name, from_value=from_value, to_value=to_value,
        from_label=from_label, to_label=to_label, created_at=at,
    )  # fmt: skip
