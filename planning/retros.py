"""Retrospectives: notes in three columns pre-filled with the sprint's facts, limited votes, and actions
that become backlog tickets and come back at the next retrospectives until done or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from planning.choices import ActionDecision, RetroColumn
from planning.models import RetroAction, RetroNote, Retrospective, RetroVote, Sprint
from teams.models import User
from tickets.choices import EventField, Kind, SLAOutcomeKind, Status
from tickets.drafts import TicketDraft
from tickets.models import SLAOutcome, TicketEvent
from tickets.services import ticket_create
from voice.models import CsatSurvey

LOW_CSAT = 2  # answers scoring this or less are brought to the retrospective
CARRIED_DECIDE = 2  # an action still open after this many later retrospectives must be kept or dropped


def _facts(sprint: Sprint) -> list[tuple[str, str]]:
    """(column, text) notes the sprint's history already knows: breaches, reopenings, low CSAT answers."""
    since, until = sprint.started_at, sprint.closed_at or timezone.now()
    if since is None:
        return []
    prefix = sprint.team.slug.upper()
    facts: list[tuple[str, str]] = []
    breaches = list(
        SLAOutcome.objects.filter(
            ticket__team_id=sprint.team_id, outcome=SLAOutcomeKind.BREACHED, decided_at__gte=since,
            decided_at__lt=until,
        ).values_list("ticket__number", flat=True)
    )  # fmt: skip
    if breaches:
        keys = ", ".join(f"{prefix}-{n}" for n in sorted(set(breaches))[:8])
        facts.append((RetroColumn.WENT_BADLY, f"{len(breaches)} SLA target(s) breached during the sprint ({keys})."))
    reopened = list(
        TicketEvent.objects.filter(
            ticket__team_id=sprint.team_id, field=EventField.STATUS, from_value=Status.RESOLVED,
            created_at__gte=since, created_at__lt=until,
        ).values_list("ticket__number", flat=True)
    )  # fmt: skip
    if reopened:
        keys = ", ".join(f"{prefix}-{n}" for n in sorted(set(reopened))[:8])
        facts.append((RetroColumn.WENT_BADLY, f"{len(set(reopened))} ticket(s) reopened after resolution ({keys})."))
    low = list(
        CsatSurvey.objects.filter(
            team_id=sprint.team_id, answered_at__gte=since, answered_at__lt=until, score__lte=LOW_CSAT
        ).values_list("ticket__number", "score", "comment")[:5]
    )
    for number, score, comment in low:
        said = f": “{comment[:160]}”" if comment else ""
        facts.append((RetroColumn.WENT_BADLY, f"CSAT {score}/5 on {prefix}-{number}{said}"))
    if sprint.goal and sprint.goal_met:
        facts.append((RetroColumn.WENT_WELL, f"Sprint goal met: {sprint.goal}"))
    return facts


@transaction.atomic
def retro_open(*, sprint: Sprint) -> Retrospective:
    """The sprint's retrospective, made (and pre-filled with the sprint's facts) on first visit."""
    if sprint.started_at is None:
        raise RuleBroken(f"{sprint.name} has not started: there is nothing to look back on yet.")
    retro, created = Retrospective.objects.get_or_create(sprint=sprint)
    if created:
        RetroNote.objects.bulk_create(
            [RetroNote(retro=retro, column=column, text=text[:500], fact=True) for column, text in _facts(sprint)]
        )
    return retro


@transaction.atomic
def retro_configure(*, retro: Retrospective, expected_version: int, anonymous: bool, votes_each: int) -> Retrospective:
    """Anonymous notes or not, and votes per participant (not below what anyone has already cast)."""
    locked = lock_if_current(Retrospective.objects, pk=retro.pk, seen=expected_version)
    most = RetroVote.objects.filter(note__retro=locked).values("voter").annotate(n=Count("id")).order_by("-n").first()
    if most and most["n"] > votes_each:
        raise Invalid({"votes_each": f"Someone has already cast {most['n']} votes; allow at least that many."})
    locked.anonymous, locked.votes_each = anonymous, votes_each
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def note_add(*, retro: Retrospective, by: User, column: str, text: str) -> RetroNote:
    """Add a note; in an anonymous retrospective nobody (not even the database) knows who wrote it."""
    text = text.strip()
    if column not in RetroColumn.values:
        raise Invalid({"column": "Choose went well, didn't go well or ideas."})
    if not text:
        raise Invalid({"text": "Write the note first."})
    if len(text) > 500:
        raise Invalid({"text": "Keep a note under 500 characters."})
    locked = Retrospective.objects.select_for_update().get(pk=retro.pk)
    return RetroNote.objects.create(retro=locked, column=column, text=text, author=None if locked.anonymous else by)


@dataclass(frozen=True)
class VoteResult:
    voted: bool  # True: a vote was cast; False: taken back
    left: int  # votes the voter has left


@transaction.atomic
def note_vote(*, note: RetroNote, voter: User) -> VoteResult:
    """Vote for a note, or take the vote back. Each participant has ``votes_each`` votes per retrospective.

    The retrospective's row is locked, so two quick clicks cannot spend one vote twice.
    """
    retro = Retrospective.objects.select_for_update().get(pk=note.retro_id)
    mine = RetroVote.objects.filter(note__retro=retro, voter=voter)
    existing = mine.filter(note=note).first()
    if existing is not None:
        existing.delete()
        return VoteResult(voted=False, left=retro.votes_each - mine.count())
    used = mine.count()
    if used >= retro.votes_each:
        raise RuleBroken(f"You have used your {retro.votes_each} votes; take one back to vote for this note.")
    try:
        with transaction.atomic():
            RetroVote.objects.create(note=note, voter=voter)
    except IntegrityError as twice:
        raise RuleBroken("You already voted for this note.") from twice
    return VoteResult(voted=True, left=retro.votes_each - used - 1)


# --- Actions --------------------------------------------------------------------------------------


@transaction.atomic
def action_add(*, retro: Retrospective, by: User, text: str, as_ticket: bool = True) -> RetroAction:
    """Agree an action; by default it becomes a backlog task at once (one click), remembering its retrospective."""
    text = text.strip()
    if not text:
        raise Invalid({"text": "Say what the team will do."})
    if len(text) > 300:
        raise Invalid({"text": "Keep an action under 300 characters."})
    action = RetroAction.objects.create(retro=retro, text=text, created_by=by)
    return action_to_ticket(action=action, by=by) if as_ticket else action


@transaction.atomic
def action_to_ticket(*, action: RetroAction, by: User) -> RetroAction:
    """Make the action a backlog task (once)."""
    locked = RetroAction.objects.select_for_update().select_related("retro__sprint__team").get(pk=action.pk)
    if locked.ticket_id is not None:
        return locked
    sprint = locked.retro.sprint
    draft = TicketDraft(
        title=locked.text[:200], kind=Kind.TASK, channel="web",
        description=f"Action from the retrospective of {sprint.name} ({sprint.start_date:%d %b} – "
        f"{sprint.end_date:%d %b %Y}).",
    )  # fmt: skip
    locked.ticket = ticket_create(team=sprint.team, by=by, draft=draft, route=False)
    locked.save(update_fields=["ticket"])
    return locked


@dataclass(frozen=True)
class EarlierAction:
    action: RetroAction
    done: bool
    seen: int  # later retrospectives it has come back to, this one included

    @property
    def must_decide(self) -> bool:
        return not self.done and not self.action.decision and self.seen >= CARRIED_DECIDE


def earlier_actions(retro: Retrospective) -> list[EarlierAction]:
    """Actions of the team's earlier retrospectives to look at first: every one still open and not dropped,
    and those of the last retrospective whatever their state ("last time we said…").
    """
    sprint = retro.sprint
    earlier = list(
        Retrospective.objects.filter(sprint__team_id=sprint.team_id, sprint__start_date__lt=sprint.start_date)
        .order_by("sprint__start_date")
        .values_list("pk", "sprint__start_date")
    )
    if not earlier:
        return []
    last = earlier[-1][0]
    order = {pk: n for n, (pk, _) in enumerate(earlier)}
    actions = RetroAction.objects.filter(retro_id__in=list(order)).select_related("ticket", "retro__sprint")
    out = []
    for a in actions.order_by("retro__sprint__start_date", "id"):
        done = a.ticket is not None and a.ticket.status == Status.RESOLVED
        if a.retro_id != last and (done or a.decision == ActionDecision.DROPPED):
            continue
        out.append(EarlierAction(action=a, done=done, seen=len(earlier) - order[a.retro_id]))
    return out


@transaction.atomic
def action_decide(*, action: RetroAction, decision: str, at: datetime | None = None) -> RetroAction:
    """Keep or drop an action that keeps coming back; a dropped one stops coming back."""
    if decision not in ActionDecision.values:
        raise Invalid({"decision": "Keep it or drop it."})
    locked = RetroAction.objects.select_for_update().get(pk=action.pk)
    locked.decision, locked.decided_at = decision, at or timezone.now()
    locked.save(update_fields=["decision", "decided_at"])
    return locked


def votes_used(retro: Retrospective, voter: User) -> int:
    return RetroVote.objects.filter(note__retro=retro, voter=voter).count()


def notes_of(retro: Retrospective, voter: User) -> dict[str, list[RetroNote]]:
    """Notes by column, most voted first, each with ``n_votes`` and ``mine`` (the voter's own vote)."""
    mine = set(RetroVote.objects.filter(note__retro=retro, voter=voter).values_list("note_id", flat=True))
    notes = (
        RetroNote.objects.filter(retro=retro)
        .select_related("author")
        .annotate(n_votes=Count("votes"))
        .order_by("-n_votes", "id")
    )
    columns: dict[str, list[RetroNote]] = {c: [] for c in RetroColumn.values}
    for n in notes:
        n.mine = n.pk in mine  # type: ignore[attr-defined]
        columns[n.column].append(n)
    return columns
