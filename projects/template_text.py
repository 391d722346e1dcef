"""Project templates as text a manager can edit: one phase a line, its deliverables below it.

    Planning | 10
    - Project charter | 3
    - Data migration plan | 8
    Pilot | 15
    - Pilot with five agents | 10

A phase line is "name | working days"; a deliverable line starts with "-" and is "title | working day of
its phase it is due on". Milestones: "name | after phase number". RACI: "activity | owner=A, lead=R".
"""

from __future__ import annotations

from typing import Any

from core.errors import Invalid

ROLES = {"R", "A", "C", "I"}
WHO = {"owner", "lead"}


def _number(text: str, line: int, what: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise Invalid({None: f"Line {line}: {what} must be a whole number of 1 or more, not “{text.strip()}”."})
    return int(text)


def _split(raw: str, line: int, shape: str) -> tuple[str, str]:
    if raw.count("|") != 1:
        raise Invalid({None: f"Line {line}: write “{shape}”."})
    name, value = (part.strip() for part in raw.split("|"))
    if not name:
        raise Invalid({None: f"Line {line}: the name is missing."})
    return name, value


def phases_from_text(text: str) -> list[dict[str, Any]]:
    phases: list[dict[str, Any]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.lstrip().startswith("-"):
            if not phases:
                raise Invalid({"phases": f"Line {n}: a deliverable needs a phase line above it."})
            title, day = _split(raw.lstrip()[1:], n, "- title | working day")
            due = _number(day, n, "the working day")
            if due > phases[-1]["working_days"]:
                raise Invalid({"phases": f"Line {n}: day {due} is after the phase's {phases[-1]['working_days']} "
                                         "working days."})  # fmt: skip
            phases[-1]["deliverables"].append({"title": title[:200], "day": due})
        else:
            name, days = _split(raw, n, "phase name | working days")
            phases.append({"name": name[:120], "working_days": _number(days, n, "the working days"),
                           "deliverables": []})  # fmt: skip
    if not phases:
        raise Invalid({"phases": "A template needs at least one phase."})
    return phases


def milestones_from_text(text: str, phases: int) -> list[dict[str, Any]]:
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            name, after = _split(raw, n, "milestone | after phase number")
            number = _number(after, n, "the phase number")
            if number > phases:
                raise Invalid({"milestones": f"Line {n}: there are only {phases} phases."})
            out.append({"name": name[:160], "after_phase": number})
    return out


def raci_from_text(text: str) -> list[dict[str, Any]]:
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        activity, roles_text = _split(raw, n, "activity | owner=A, lead=R")
        roles = {}
        for part in filter(None, (p.strip() for p in roles_text.split(","))):
            who, _, role = part.partition("=")
            if who.strip() not in WHO or role.strip().upper() not in ROLES:
                raise Invalid({"raci": f"Line {n}: “{part}” should be owner or lead = R, A, C or I."})
            roles[who.strip()] = role.strip().upper()
        out.append({"activity": activity[:200], "roles": roles})
    return out


def phases_to_text(phases: list[dict[str, Any]]) -> str:
    lines = []
    for p in phases:
        lines.append(f"{p['name']} | {p['working_days']}")
        lines += [f"- {d['title']} | {d['day']}" for d in p.get("deliverables", [])]
    return "\n".join(lines)


def milestones_to_text(milestones: list[dict[str, Any]]) -> str:
    return "\n".join(f"{m['name']} | {m['after_phase']}" for m in milestones)


def raci_to_text(raci: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r['activity']} | " + ", ".join(f"{k}={v}" for k, v in r["roles"].items()) for r in raci)
