"""Reading the register: filters, the 5×5 heat map, arrows from inherent to current, overdue reviews and the
review reminders beat sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone

from notifications.services import Note, notify_many, subject_key
from risks.models import SCORE_KINDS, Risk, RiskStatus
from risks.scoring import IMPACT, PROBABILITY, SCALE, Level, Score, level_of, score_range
from risks.services import cadence_of
from teams.calendar import team_today
from teams.models import Membership, Role, Team

REVIEWED = (RiskStatus.OPEN, RiskStatus.MITIGATING, RiskStatus.OCCURRED, RiskStatus.ACCEPTED)  # closed rests


@dataclass(frozen=True)
class Filters:
    """What the register shows: a score kind and, optionally, a cell, a level, a status, a project, overdue."""

    kind: str = "current"
    probability: int | None = None
    impact: int | None = None
    level: str = ""
    status: str = ""
    project_id: int | None = None
    overdue: bool = False

    def apply(self, risks: QuerySet[Risk], today: date) -> QuerySet[Risk]:
        k = self.kind
        if self.probability:
            risks = risks.filter(**{f"{k}_probability": self.probability})
        if self.impact:
            risks = risks.filter(**{f"{k}_impact": self.impact})
        if self.level:
            low, high = score_range(self.level)
            risks = risks.alias(s=F(f"{k}_probability") * F(f"{k}_impact")).filter(s__gte=low, s__lte=high)
        if self.status:
            risks = risks.filter(status=self.status)
        if self.project_id:
            risks = risks.filter(project_id=self.project_id)
        if self.overdue:
            risks = risks.filter(next_review__lt=today, status__in=REVIEWED)
        return risks


@dataclass
class Cell:
    probability: int
    impact: int
    count: int = 0
    selected: bool = False

    @property
    def score(self) -> Score:
        return Score(self.probability, self.impact)

    @property
    def probability_name(self) -> str:
        return PROBABILITY[self.probability]

    @property
    def label(self) -> str:
        s = self.score
        risks = f"{self.count} risk{'s' if self.count != 1 else ''}"
        return (f"Probability {PROBABILITY[s.probability]} ({s.probability}), impact {IMPACT[s.impact]} "
                f"({s.impact}): score {s.value}, {s.level.label}; {risks}")  # fmt: skip


@dataclass
class HeatMap:
    kind: str
    rows: list[list[Cell]]  # probability 5 (top) down to 1; impact 1 to 5 left to right
    total: int
    by_level: list[tuple[Level, int]] = field(default_factory=list)
    impacts: tuple[tuple[int, str], ...] = tuple(IMPACT.items())  # the column heads


def heat_map(risks: QuerySet[Risk], kind: str, selected: tuple[int | None, int | None] = (None, None)) -> HeatMap:
    """Counts of the risks in each cell for one score kind (one grouped query)."""
    counts = {
        (p, i): n
        for p, i, n in risks.order_by()
        .values_list(f"{kind}_probability", f"{kind}_impact")
        .annotate(n=Count("id"))
        .values_list(f"{kind}_probability", f"{kind}_impact", "n")
    }
    rows = [[Cell(p, i, counts.get((p, i), 0), (p, i) == selected) for i in SCALE] for p in reversed(SCALE)]
    levels: dict[Level, int] = dict.fromkeys(Level, 0)
    for (p, i), n in counts.items():
        levels[level_of(p * i)] += n
    return HeatMap(kind, rows, sum(counts.values()), [(lv, levels[lv]) for lv in Level])


@dataclass(frozen=True)
class Arrow:
    risk_id: int
    title: str
    x1: float
    y1: float
    x2: float
    y2: float
    moved: bool


ARROW_LIMIT = 200  # the highest current scores first


def arrows(risks: QuerySet[Risk], size: int = 60) -> list[Arrow]:
    """Each risk's path from its inherent to its current cell, as SVG coordinates (one query)."""
    rows = (
        risks.annotate(s=F("current_probability") * F("current_impact"))
        .order_by("-s", "id")
        .values_list("id", "title", *[f"{k}_{a}" for k in SCORE_KINDS[:2] for a in ("probability", "impact")])[
            :ARROW_LIMIT
        ]
    )
    out = []
    for n, (pk, title, ip, ii, cp, ci) in enumerate(rows):
        jitter = (n % 5 - 2) * 6  # risks sharing a cell fan out a little

        def centre(p: int, i: int) -> tuple[float, float]:
            return (i - 0.5) * size + jitter, (5 - p + 0.5) * size + jitter  # noqa: B023

        (x1, y1), (x2, y2) = centre(ip, ii), centre(cp, ci)
        out.append(Arrow(pk, title, x1, y1, x2, y2, (ip, ii) != (cp, ci)))
    return out


FILLS = {Level.LOW: "#dcfce7", Level.MEDIUM: "#fef9c3", Level.HIGH: "#fed7aa", Level.CRITICAL: "#fecaca"}


def arrow_grid(size: int = 60) -> dict[str, list[dict[str, Any]]]:
    """The 5 × 5 backdrop of the arrow view: each cell tinted by level with its score written in it."""
    cells = []
    for p in SCALE:
        for i in SCALE:
            x, y = (i - 1) * size + 1, (5 - p) * size + 1
            cells.append({"x": x, "y": y, "tx": x + 4, "ty": y + 12, "score": p * i, "fill": FILLS[level_of(p * i)]})
    axis = [{"value": n, "x": (n - 0.5) * size, "y": (5 - n + 0.5) * size + 4} for n in SCALE]
    return {"cells": cells, "axis": axis}


def overdue(team_ids: list[int], today: date) -> QuerySet[Risk]:
    return Risk.objects.filter(team_id__in=team_ids, next_review__lt=today, status__in=REVIEWED)


def days_overdue(risk: Risk, today: date) -> int:
    return max(0, (today - risk.next_review).days)


def remind_overdue(*, now: datetime | None = None) -> int:
    """Beat, daily: tell each overdue risk's owner, once per review period of its level (the period counted
    from the day the review fell due), so a re-run the same day or week tells nobody twice; and the owner and
    approver of an accepted risk whose acceptance has expired, once per expiry."""
    now = now or timezone.now()
    notes = []
    risks = Risk.objects.filter(status__in=REVIEWED, next_review__lt=now.date() + timedelta(days=1),
                                owner__isnull=False).select_related("team", "owner")  # fmt: skip
    cadences: dict[int, dict[str, int]] = {}
    for risk in risks.iterator(chunk_size=2000):
        today = team_today(risk.team, now)
        late = (today - risk.next_review).days
        if late <= 0:
            continue
        owner = risk.owner
        if owner is None:
            continue
        if risk.team_id not in cadences:
            cadences[risk.team_id] = cadence_of(risk.team)
        period = late // cadences[risk.team_id][risk.current.level]
        notes.append(
            Note(
                user=owner, kind="risk_review_overdue", team_id=risk.team_id,
                dedupe_key=f"risk-review:{risk.pk}:{risk.next_review.isoformat()}:{period}",
                subject=subject_key(risk),
                message=(f"The review of “{risk.title}” ({risk.current.level.label.lower()}, {risk.current.value}) "
                         f"was due on "
                         f"{risk.next_review:%-d %b %Y}, {late} day{'s' if late != 1 else ''} ago.")[:300],
                link=reverse("risks:detail", args=[risk.team.slug, risk.pk]),
            )
        )  # fmt: skip
    # Accepted risks whose acceptance has expired: the owner and the approver reconsider them (once per expiry).
    expired = Risk.objects.filter(
        status=RiskStatus.ACCEPTED, accept_until__lt=now.date() + timedelta(days=1)
    ).select_related("team", "owner", "approver")
    for risk in expired:
        if risk.accept_until is None or risk.accept_until >= team_today(risk.team, now):
            continue
        for person in {p.pk: p for p in (risk.owner, risk.approver) if p is not None}.values():
            notes.append(
                Note(
                    user=person, kind="risk_acceptance_expired", team_id=risk.team_id,
                    dedupe_key=f"risk-accept:{risk.pk}:{risk.accept_until.isoformat()}", subject=subject_key(risk),
                    message=(f"The acceptance of “{risk.title}” expired on {risk.accept_until:%-d %b %Y}: accept it "
                             "again with a new date, or choose another response.")[:300],
                    link=reverse("risks:detail", args=[risk.team.slug, risk.pk]),
                )
            )  # fmt: skip
    return len(notify_many(notes))


def team_ids_for(user: Any, team: Team, everywhere: bool) -> list[int]:
    """The team's own id, or every team the user manages (a manager's view across their teams)."""
    if not everywhere:
        return [team.pk]
    return list(Membership.objects.filter(user=user, role=Role.MANAGER).values_list("team_id", flat=True)) or [team.pk]
