"""Triggers: conditions on support data that mean a risk has happened, checked set-based by beat.

A trigger compares a metric with a threshold, either on each of the last N
complete days of the team (its local calendar: yesterday and before, so a
day still running never fires a trigger) or over those N days together.
The day-based metrics are read from the metrics app's daily rows; backlog
size and age are read now; a label trigger counts the tickets created with
that label each day. One run reads every live trigger, the daily rows of
their teams, the open backlog and the label counts (one query each, whatever
the number of risks), writes each trigger's latest value in one statement,
and marks a risk whose trigger holds as occurred: once per occurrence
(:func:`risks.services.occurrence_record` locks the risk row).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Sum
from django.utils import timezone

from core.bulk import update_from_values
from core.errors import Invalid
from metrics.clock import percentile
from metrics.definitions import BY_KEY
from metrics.models import DailyFigure
from risks.models import Comparison, Occurrence, Risk, RiskStatus, Trigger, Window
from risks.services import AlreadyOccurred, occurrence_record
from teams.models import User
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

WATCHED = (RiskStatus.OPEN, RiskStatus.MITIGATING, RiskStatus.ACCEPTED)  # an occurred or closed risk waits


@dataclass(frozen=True)
class TriggerMetric:
    key: str
    name: str
    unit: str  # "%", "per day", "tickets", "hours"
    source: str  # "ratio" (daily part / whole), "count" (daily), "now" (the backlog), "label"
    part: str = ""
    whole: str = ""


def _ratio(key: str, part: str, whole: str) -> TriggerMetric:
    return TriggerMetric(key, BY_KEY[key].name, "%", "ratio", part, whole)


METRICS = {
    m.key: m
    for m in (
        TriggerMetric("sla_frt", BY_KEY["sla_frt"].name, "%", "ratio", "frt_met", "frt_breached+frt_met"),
        TriggerMetric("sla_resolution", BY_KEY["sla_resolution"].name, "%", "ratio", "res_met", "res_breached+res_met"),
        _ratio("ever_breached", "first_resolved_breached", "first_resolved"),
        _ratio("csat", "answers_positive", "answers"),
        _ratio("response_rate", "surveys_sent_answered", "surveys_sent"),
        _ratio("reopen_rate", "first_resolved_reopened", "first_resolved"),
        _ratio("one_touch", "first_resolved_one_touch", "first_resolved"),
        TriggerMetric("arrivals", "Tickets created", "per day", "count", "created"),
        TriggerMetric("throughput", "Tickets resolved", "per day", "count", "resolved"),
        TriggerMetric("reopened", "Tickets reopened", "per day", "count", "reopened"),
        TriggerMetric("backlog_size", BY_KEY["backlog_size"].name, "tickets", "now"),
        TriggerMetric("backlog_age_p90", BY_KEY["backlog_age_p90"].name, "hours", "now"),
        TriggerMetric("label_count", "Tickets created with a label", "per day", "label"),
    )
}
DAILY_FIELDS = sorted({f for m in METRICS.values() for f in f"{m.part}+{m.whole}".split("+") if f})


def trigger_add(
    *, risk: Risk, by: User, metric: str, comparison: str, threshold: float, days: int = 3, window: str = "each_day",
    label: str = "",
) -> Trigger:  # fmt: skip
    """Watch support data for the risk happening; checked by beat from its next run."""
    problems: list[tuple[str | None, str]] = []
    if metric not in METRICS:
        problems.append(("metric", f"{metric} is not a metric a trigger can watch."))
    if not 1 <= days <= 90:
        problems.append(("days", "A trigger looks at 1 to 90 days."))
    watched = METRICS.get(metric)
    if watched is not None and watched.source == "label":
        if not label:
            problems.append(("label", "Name the label to count."))
        elif not risk.team.labels.filter(name=label).exists():
            problems.append(("label", f"This team has no label “{label}”."))
    if watched is not None and watched.unit == "%" and not 0 <= threshold <= 100:
        problems.append(("threshold", "A percentage threshold is 0 to 100."))
    elif threshold < 0:
        problems.append(("threshold", "The threshold cannot be negative."))
    if problems:
        raise Invalid(problems=problems)
    return Trigger.objects.create(risk=risk, metric=metric, comparison=comparison, threshold=threshold, days=days,
                                  window=window, label=label, created_by=by)  # fmt: skip


def trigger_remove(*, risk: Risk, trigger_id: int) -> int:
    return Trigger.objects.filter(risk=risk, pk=trigger_id).delete()[0]


def describe(t: Trigger) -> str:
    """The trigger in words: "CSAT: below 80 % over the last 7 days"."""
    metric = METRICS.get(t.metric)
    if metric is None:
        return f"{t.metric} (no longer a metric)"
    name = f"Tickets labelled “{t.label}”" if metric.source == "label" else metric.name
    unit = " %" if metric.unit == "%" else f" {metric.unit}"
    if metric.source == "now":
        return f"{name}: {Comparison(t.comparison).label} {t.threshold:g}{unit} (now)"
    when = f"on each of the last {t.days} days" if t.window == Window.EACH_DAY else f"over the last {t.days} days"
    return f"{name}: {Comparison(t.comparison).label} {t.threshold:g}{unit} {when}"


def _beyond(t: Trigger, value: float | None) -> bool:
    if value is None:
        return False  # no evidence: a day without decided targets or answers says nothing
    return value < t.threshold if t.comparison == Comparison.BELOW else value > t.threshold


def _value(metric: TriggerMetric, sums: dict[str, int], days: int = 1) -> float | None:
    if metric.source == "ratio":
        whole = sum(sums.get(f, 0) for f in metric.whole.split("+"))
        return round(100 * sums.get(metric.part, 0) / whole, 1) if whole else None
    return round(sum(sums.get(f, 0) for f in metric.part.split("+")) / days, 2)


@dataclass
class Reading:
    value: float | None
    holds: bool
    evidence: dict[str, Any]


def evaluate(
    t: Trigger, last: date, daily: dict[date, dict[str, int]], now_values: dict[str, float | None],
    labels: dict[date, int],
) -> Reading:  # fmt: skip
    """Whether ``t`` holds on the days ending ``last`` (the team's latest complete day)."""
    metric = METRICS[t.metric]
    if metric.source == "now":
        value = now_values.get(metric.key)
        holds = _beyond(t, value)
        return Reading(value, holds, {"summary": f"{describe(t)}: {value} at the check", "values": [["now", value]]})
    days = [last - timedelta(days=n) for n in range(t.days - 1, -1, -1)]

    def day_value(d: date) -> float | None:
        if metric.source == "label":
            return float(labels.get(d, 0))
        return _value(metric, daily.get(d, {}))

    values = [day_value(d) for d in days]
    if t.window == Window.EACH_DAY:
        value = values[-1]
        holds = all(_beyond(t, v) for v in values)
    else:
        if metric.source == "label":
            value = round(sum(labels.get(d, 0) for d in days) / t.days, 2)
        else:
            totals: dict[str, int] = defaultdict(int)
            for d in days:
                for f, n in daily.get(d, {}).items():
                    totals[f] += n
            value = _value(metric, totals, t.days)
        holds = _beyond(t, value)
    if not holds:
        return Reading(value, holds, {})  # evidence is written only for a trigger that fires
    shown = ", ".join(f"{d:%m-%d}: {'—' if v is None else f'{v:g}'}" for d, v in zip(days, values, strict=True))
    per_day = [[d.isoformat(), v] for d, v in zip(days, values, strict=True)]
    return Reading(value, holds, {"summary": f"{describe(t)} ({days[0]} to {last}; {shown})", "values": per_day,
                                  "value": value})  # fmt: skip


def daily_sums(team_ids: set[int], first: date, last: date) -> dict[int, dict[date, dict[str, int]]]:
    out: dict[int, dict[date, dict[str, int]]] = defaultdict(dict)
    rows = (
        DailyFigure.objects.filter(team_id__in=team_ids, day__gte=first, day__lte=last)
        .values("team_id", "day")
        .annotate(**{f"s_{f}": Sum(f) for f in DAILY_FIELDS})
        .order_by()
    )
    for r in rows:
        sums: dict[str, Any] = dict(r)
        out[sums["team_id"]][sums["day"]] = {f: sums[f"s_{f}"] or 0 for f in DAILY_FIELDS}
    return out


def _backlog(team_ids: set[int], now: datetime) -> dict[int, dict[str, float | None]]:
    ages: dict[int, list[float]] = {t: [] for t in team_ids}
    for team_id, created in Ticket.objects.filter(team_id__in=team_ids, status__in=OPEN_STATUSES).values_list(
        "team_id", "created_at"
    ):
        ages[team_id].append(max(0.0, (now - created).total_seconds() / 3600))
    return {t: {"backlog_size": float(len(a)), "backlog_age_p90": percentile(a, 0.9)} for t, a in ages.items()}


def _labels(wanted: dict[int, set[str]], zones: dict[int, str], since: datetime) -> dict[tuple[int, str], dict]:
    """Tickets created with each watched label, per team-local day (one query)."""
    counts: dict[tuple[int, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    names = {n for ns in wanted.values() for n in ns}
    through = Ticket.labels.through
    rows = through.objects.filter(
        ticket__team_id__in=wanted, ticket__created_at__gte=since, label__name__in=names
    ).values_list("ticket__team_id", "label__name", "ticket__created_at")
    for team_id, name, created in rows:
        if name in wanted[team_id]:
            zone = ZoneInfo(zones[team_id] or "UTC")
            counts[(team_id, name)][created.astimezone(zone).date()] += 1
    return counts


def check_triggers(*, now: datetime | None = None) -> list[Occurrence]:
    """Beat: evaluate every live trigger; mark the risks whose trigger holds as occurred (once each). The
    triggers whose reading changed are written back in one statement (when it changed, the new value and
    whether it holds)."""
    now = now or timezone.now()
    triggers = list(
        Trigger.objects.filter(risk__status__in=WATCHED, metric__in=METRICS)
        .annotate(team_id=F("risk__team_id"), zone=F("risk__team__time_zone"))
        .only("id", "risk_id", "metric", "comparison", "threshold", "days", "window", "label", "last_value", "holds",
              "checked_at")
        .order_by("risk_id", "id")
    )  # fmt: skip
    if not triggers:
        return []
    zones = {t.team_id: t.zone for t in triggers}  # type: ignore[attr-defined]
    last = {pk: now.astimezone(ZoneInfo(zone or "UTC")).date() - timedelta(days=1) for pk, zone in zones.items()}
    depth = max(t.days for t in triggers)
    first = min(last.values()) - timedelta(days=depth)
    sources = {METRICS[t.metric].source for t in triggers}
    daily = daily_sums(set(zones), first, max(last.values())) if sources & {"ratio", "count"} else {}
    backlog_teams = {t.team_id for t in triggers if METRICS[t.metric].source == "now"}  # type: ignore[attr-defined]
    now_values = _backlog(backlog_teams, now) if backlog_teams else {}
    wanted: dict[int, set[str]] = defaultdict(set)
    for t in triggers:
        if METRICS[t.metric].source == "label":
            wanted[t.team_id].add(t.label)  # type: ignore[attr-defined]
    labels = _labels(wanted, zones, now - timedelta(days=depth + 2)) if wanted else {}

    fired: dict[int, tuple[Trigger, Reading]] = {}
    changed = []
    for t in triggers:
        team_id = t.team_id  # type: ignore[attr-defined]
        reading = evaluate(t, last[team_id], daily.get(team_id, {}), now_values.get(team_id, {}),
                           labels.get((team_id, t.label), {}))  # fmt: skip
        if t.checked_at is None or (t.last_value, t.holds) != (reading.value, reading.holds):
            changed.append((t.pk, now, reading.value, reading.holds))
        if reading.holds and t.risk_id not in fired:
            fired[t.risk_id] = (t, reading)
    update_from_values(Trigger, fields=["checked_at", "last_value", "holds"], rows=changed)
    occurred = []
    for risk_id, (held, reading) in fired.items():
        try:
            occurred.append(
                occurrence_record(risk_id=risk_id, by=None, evidence=reading.evidence, trigger=held, now=now)
            )
        except AlreadyOccurred:
            continue  # another run (or a person) got there first: one occurrence
    return occurred
