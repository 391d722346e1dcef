"""The register's rules: recording and editing risks, reviews, mitigations as tickets, and occurrences that
run the contingency plan exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from notifications.services import notify, subject_key
from projects.models import Project, RaciCell, RaciRole
from risks.models import (
    SCORE_KINDS,
    Assessment,
    AssessmentReason,
    Mitigation,
    Occurrence,
    ReviewCadence,
    Risk,
    RiskStatus,
    Strategy,
    Trigger,
)
from risks.scoring import REVIEW_DAYS, SCALE, Score, next_review
from teams.calendar import team_today
from teams.models import Membership, Role, Team, User
from tickets.choices import Kind, Priority
from tickets.drafts import TicketDraft
from tickets.models import Ticket
from tickets.services import ticket_create

MAY_APPROVE = (Role.LEAD, Role.MANAGER)  # who can accept a risk on the team's behalf


def cadence_of(team: Team) -> dict[str, int]:
    """Days between reviews by level: the team's own, or the defaults."""
    row = ReviewCadence.objects.filter(team=team).first()
    return row.as_dict() if row else dict(REVIEW_DAYS)


@dataclass
class RiskDraft:
    """What a person submits for a risk: the description, the owner and response, and three scores."""

    title: str
    owner: User | None
    inherent: tuple[Any, Any]
    current: tuple[Any, Any]
    target: tuple[Any, Any]
    cause: str = ""
    event: str = ""
    effect: str = ""
    category: str = "service"
    project: Project | None = None
    status: str = RiskStatus.OPEN
    strategy: str = Strategy.MITIGATE
    approver: User | None = None
    accept_until: date | None = None
    proximity: date | None = None
    contingency_trigger: str = ""
    contingency_steps: str = ""
    contingency_owner: User | None = None
    contingency_hours: int | None = None


def _check(team: Team, draft: RiskDraft, today: date) -> None:
    problems: list[tuple[str | None, str]] = []
    if not draft.title.strip():
        problems.append(("title", "Give the risk a title."))
    for kind in SCORE_KINDS:
        for part, value in zip(("probability", "impact"), getattr(draft, kind), strict=True):
            if value not in SCALE:
                problems.append((f"{kind}_{part}", f"The {kind} {part} is 1 to 5, not {value}."))
    members = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
    if draft.owner is None:
        problems.append(("owner", "Name the risk's owner."))
    elif draft.owner.pk not in members:
        problems.append(("owner", "The owner must be a member of this team."))
    if draft.contingency_owner is not None and draft.contingency_owner.pk not in members:
        problems.append(("contingency_owner", "Who responds must be a member of this team."))
    if draft.project is not None and draft.project.team_id != team.pk:
        problems.append(("project", "That project is not one of this team's."))
    if draft.strategy == Strategy.ACCEPT or draft.status == RiskStatus.ACCEPTED:
        if draft.strategy != Strategy.ACCEPT:
            problems.append(("strategy", "An accepted risk has the response “Accept”."))
        approvers = set(Membership.objects.filter(team=team, role__in=MAY_APPROVE).values_list("user_id", flat=True))
        if draft.approver is None:
            problems.append(("approver", "Accepting a risk needs an approver (a lead or manager of the team)."))
        elif draft.approver.pk not in approvers:
            problems.append(("approver", "The approver must be a lead or manager of this team."))
        if draft.accept_until is None:
            problems.append(("accept_until", "Accepting a risk needs an expiry date, when it is reconsidered."))
        elif draft.accept_until <= today:
            problems.append(("accept_until", "The acceptance must expire after today."))
    if problems:
        raise Invalid(problems=problems)


def _scores(draft: RiskDraft) -> dict[str, int]:
    return {f"{kind}_{part}": int(value) for kind in SCORE_KINDS
            for part, value in zip(("probability", "impact"), getattr(draft, kind), strict=True)}  # fmt: skip


def _assess(risk: Risk, by: User | None, reason: str, note: str, at: datetime) -> Assessment:
    return Assessment.objects.create(
        risk=risk, by=by, reason=reason, note=note, at=at,
        **{f"{k}_{p}": getattr(risk, f"{k}_{p}") for k in SCORE_KINDS for p in ("probability", "impact")},
    )  # fmt: skip


def _fields(draft: RiskDraft) -> dict[str, Any]:
    accept = draft.strategy == Strategy.ACCEPT
    return {
        "title": draft.title.strip(), "cause": draft.cause.strip(), "event": draft.event.strip(),
        "effect": draft.effect.strip(), "category": draft.category, "project": draft.project, "owner": draft.owner,
        "status": draft.status, "strategy": draft.strategy, "approver": draft.approver if accept else None,
        "accept_until": draft.accept_until if accept else None, "proximity": draft.proximity,
        "contingency_trigger": draft.contingency_trigger.strip(), "contingency_steps": draft.contingency_steps.strip(),
        "contingency_owner": draft.contingency_owner, "contingency_hours": draft.contingency_hours, **_scores(draft),
    }  # fmt: skip


@transaction.atomic
def risk_create(*, team: Team, by: User, draft: RiskDraft, now: datetime | None = None) -> Risk:
    now = now or timezone.now()
    today = team_today(team, now)
    _check(team, draft, today)
    values = _fields(draft)
    level = Score(values["current_probability"], values["current_impact"]).level
    risk = Risk.objects.create(team=team, created_by=by, next_review=next_review(today, level, cadence_of(team)),
                               **values)  # fmt: skip
    _assess(risk, by, AssessmentReason.CREATED, "", now)
    return risk


@transaction.atomic
def risk_update(*, risk_id: int, seen_version: int, by: User, draft: RiskDraft, now: datetime | None = None) -> Risk:
    """Edit a risk as the form showed it (stale-write helper); changed scores are a new assessment."""
    now = now or timezone.now()
    risk = lock_if_current(Risk.objects.select_related("team"), pk=risk_id, seen=seen_version)
    if draft.status == RiskStatus.OCCURRED and risk.status != RiskStatus.OCCURRED:
        # Occurring opens the incident and tells people: that is "Mark as occurred", never a plain edit.
        raise Invalid({"status": "A risk becomes “Occurred” through “Mark as occurred”, which opens its incident."})
    _check(risk.team, draft, team_today(risk.team, now))
    values = _fields(draft)
    scores_changed = any(getattr(risk, k) != v for k, v in values.items() if k.endswith(("probability", "impact")))
    for name, value in values.items():
        setattr(risk, name, value)
    risk.version = F("version") + 1
    risk.save()
    risk.refresh_from_db()
    if scores_changed:
        _assess(risk, by, AssessmentReason.EDIT, "", now)
    return risk


@transaction.atomic
def risk_review(
    *, risk_id: int, seen_version: int, by: User, probability: Any, impact: Any, note: str = "",
    now: datetime | None = None,
) -> Risk:  # fmt: skip
    """Confirm or change the current score, with a note: the next review is due by the new level."""
    now = now or timezone.now()
    risk = lock_if_current(Risk.objects.select_related("team"), pk=risk_id, seen=seen_version)
    asked = (("probability", probability), ("impact", impact))
    problems = [(name, f"The current {name} is 1 to 5, not {value}.") for name, value in asked if value not in SCALE]
    if problems:
        raise Invalid(problems=problems)
    today = team_today(risk.team, now)
    risk.current_probability, risk.current_impact = int(probability), int(impact)
    risk.next_review = next_review(today, risk.current.level, cadence_of(risk.team))
    risk.reviewed_at = now
    risk.version = F("version") + 1
    risk.save()
    risk.refresh_from_db()
    _assess(risk, by, AssessmentReason.REVIEW, note.strip(), now)
    return risk


@transaction.atomic
def cadence_update(*, team: Team, seen_version: int | None, days: dict[str, int]) -> ReviewCadence:
    """The team's review cadence; risks already scheduled keep their date until their next review."""
    problems = [(f"{level}_days", "Review at least once every 365 days, at most daily.")
                for level, n in days.items() if not 1 <= n <= 365]  # fmt: skip
    if problems:
        raise Invalid(problems=problems)
    row, _ = ReviewCadence.objects.get_or_create(team=team)
    row = lock_if_current(ReviewCadence.objects, pk=row.pk, seen=seen_version if seen_version else row.version)
    for level, n in days.items():
        setattr(row, f"{level}_days", n)
    row.version += 1
    row.save()
    return row


# --- Mitigations ---------------------------------------------------------------------------------------------


def _start_mitigating(risk: Risk) -> None:
    if risk.status == RiskStatus.OPEN:
        Risk.objects.filter(pk=risk.pk, status=RiskStatus.OPEN).update(status=RiskStatus.MITIGATING,
                                                                       version=F("version") + 1)  # fmt: skip


@transaction.atomic
def mitigation_add(*, risk: Risk, by: User, title: str, assignee: User | None = None) -> Mitigation:
    """A new task on the team's backlog that mitigates the risk, linked to it."""
    if not title.strip():
        raise Invalid({"title": "Say what the mitigation is."})
    if assignee is not None and not Membership.objects.filter(team_id=risk.team_id, user=assignee).exists():
        raise Invalid({"assignee": "The assignee must be a member of this team."})
    ticket = ticket_create(
        team=risk.team, by=by, route=False,
        draft=TicketDraft(title=title.strip()[:200], kind=Kind.TASK, project=risk.project, assignee=assignee,
                          description=f"Mitigates the risk “{risk.title}”.", channel="web"),
    )  # fmt: skip
    link = Mitigation.objects.create(risk=risk, ticket=ticket, added_by=by)
    _start_mitigating(risk)
    return link


@transaction.atomic
def mitigation_link(*, risk: Risk, by: User, number: int) -> Mitigation:
    """Link an existing ticket of the team (one ticket may mitigate several risks)."""
    ticket = Ticket.objects.filter(team_id=risk.team_id, number=number).first()
    if ticket is None:
        raise Invalid({"number": f"This team has no ticket {number}."})
    try:
        with transaction.atomic():
            link = Mitigation.objects.create(risk=risk, ticket=ticket, added_by=by)
    except IntegrityError:
        raise Invalid({"number": "That ticket already mitigates this risk."}) from None
    _start_mitigating(risk)
    return link


def mitigation_unlink(*, risk: Risk, ticket_id: int) -> int:
    return Mitigation.objects.filter(risk=risk, ticket_id=ticket_id).delete()[0]


# --- Occurrence and contingency ----------------------------------------------------------------------------


def accountable_people(project: Project | None) -> list[User]:
    """The people Accountable (RACI) on any activity of the project."""
    if project is None:
        return []
    ids = RaciCell.objects.filter(row__project=project, role=RaciRole.ACCOUNTABLE, user__isnull=False)
    return list(User.objects.filter(pk__in=ids.values("user_id")))


def _incident_text(risk: Risk, evidence: dict[str, Any]) -> str:
    lines = [f"The risk “{risk.title}” has happened. Its contingency plan:", ""]
    if risk.contingency_trigger:
        lines += [f"Trigger: {risk.contingency_trigger}", ""]
    lines += [f"{n}. {step}" for n, step in enumerate(risk.steps, 1)] or ["(The plan has no steps yet.)"]
    if risk.contingency_owner:
        lines += ["", f"Responsible: {risk.contingency_owner.display_name}"]
    if risk.contingency_hours:
        lines += [f"Target response time: {risk.contingency_hours} h"]
    if evidence.get("summary"):
        lines += ["", f"Evidence: {evidence['summary']}"]
    return "\n".join(lines)


class AlreadyOccurred(RuleBroken):
    pass


def occurrence_record(
    *, risk_id: int, by: User | None, evidence: dict[str, Any] | None = None, trigger: Trigger | None = None,
    now: datetime | None = None,
) -> Occurrence:  # fmt: skip
    """The risk has happened: record it, open the incident ticket from the contingency plan and tell the owner,
    who responds and the project's Accountable people. Once per occurrence: a risk already marked occurred
    (by a person or a concurrent trigger run) is refused, and the row lock makes two runs at once one."""
    now = now or timezone.now()
    evidence = evidence or {}
    with transaction.atomic():
        risk = (
            Risk.objects.select_for_update(of=("self",))
            .select_related("team", "project", "owner", "contingency_owner")
            .get(pk=risk_id)
        )
        if risk.status == RiskStatus.OCCURRED:
            raise AlreadyOccurred("This risk is already marked as occurred; set it back to open or mitigating first.")
        if risk.status == RiskStatus.CLOSED:
            raise RuleBroken("A closed risk cannot occur; reopen it first.")
        number = risk.occurrences + 1
        ticket = ticket_create(
            team=risk.team, by=by, route=False,
            draft=TicketDraft(title=f"Contingency: {risk.title}"[:200], kind=Kind.INCIDENT, priority=Priority.HIGH,
                              description=_incident_text(risk, evidence), project=risk.project, channel="web",
                              assignee=risk.contingency_owner or risk.owner),
        )  # fmt: skip
        occurrence = Occurrence.objects.create(risk=risk, number=number, at=now, by=by, trigger=trigger,
                                               evidence=evidence, ticket=ticket)  # fmt: skip
        Risk.objects.filter(pk=risk.pk).update(status=RiskStatus.OCCURRED, occurrences=number,
                                               version=F("version") + 1)  # fmt: skip
        people = [p for p in (risk.owner, risk.contingency_owner) if p is not None] + accountable_people(risk.project)
        how = "by its trigger" if trigger is not None else f"by {by.display_name}" if by else ""
        notify(
            users=people, kind="risk_occurred", team_id=risk.team_id, dedupe_key=f"risk-occurred:{risk.pk}:{number}",
            subject=subject_key(risk),
            message=f"“{risk.title}” was marked as occurred {how}; incident {risk.team.slug.upper()}-{ticket.number} "
                    "follows its contingency plan."[:300],
            link=reverse("risks:detail", args=[risk.team.slug, risk.pk]),
            exclude=by,
        )  # fmt: skip
    return occurrence
