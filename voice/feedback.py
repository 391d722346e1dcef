"""Customer feedback: the one intake, the impact score, merging, linking and the team's settings.

Every way in — the agents' form, the public per-team form, the JSON API and
survey answers with a comment — calls :func:`feedback_submit`, so the rules
about what may be stored live here once.

Impact score
------------
One formula (:func:`impact_score`), with weights each team sets::

    score = w_accounts × accounts + w_tier × tier + w_frequency × mentions + w_sentiment × negativity

- ``accounts``: distinct customer accounts among the item and the duplicates
  merged into it;
- ``tier``: the highest tier among those accounts (free 0, standard 1,
  premium 2, enterprise 3; 0 without an account);
- ``mentions``: the item plus its merged duplicates (``FeedbackItem.mentions``);
- ``negativity``: over the answered CSAT surveys linked to the item — its own
  survey, its duplicates' surveys and those of the tickets linked to either —
  the mean of (scale − score) / (scale − 1): 0 when every answer is the best
  score, 1 when every answer is the worst; 0 without answers.

The stored ``impact_score`` (rounded to 2 decimals) orders the list.
:func:`feedback_rescore` recomputes it for a set of items or a whole team in
a fixed number of queries; it runs on intake, merge, ticket links and weight
changes, and the survey side calls it after an answer.
"""

from __future__ import annotations

import math
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from core.errors import Invalid, StaleEdit
from projects.models import Project
from teams.models import Team, User
from tickets.choices import Channel, Kind, Status, Tier
from tickets.drafts import TicketDraft
from tickets.models import Account, Label, Ticket
from tickets.services import ticket_create
from voice.choices import FeedbackChannel, FeedbackSource, FeedbackStatus
from voice.models import CsatSurvey, FeedbackItem, FeedbackSettings

MAX_TEXT = 5000
MAX_NAME = 120
MAX_WEIGHT = 100.0
MAX_CSAT_DELAY_MINUTES = 30 * 24 * 60
CSAT_EXPIRY_DAYS = (1, 365)
TIER_POINTS: Mapping[str, int] = {Tier.FREE: 0, Tier.STANDARD: 1, Tier.PREMIUM: 2, Tier.ENTERPRISE: 3}
TIER_OF_POINTS = {points: tier for tier, points in TIER_POINTS.items()}
# Statuses an item leaves for "linked" once it has a ticket or a project.
UNLINKED = (FeedbackStatus.NEW, FeedbackStatus.TRIAGED)
# Feedback channel → the channel of the backlog ticket made from it.
TICKET_CHANNEL = {
    FeedbackChannel.EMAIL: Channel.EMAIL,
    FeedbackChannel.CHAT: Channel.CHAT,
    FeedbackChannel.SOCIAL: Channel.SOCIAL,
    FeedbackChannel.MOBILE_APP: Channel.MOBILE_APP,
    FeedbackChannel.SURVEY: Channel.WEB,
    FeedbackChannel.WEB_FORM: Channel.WEB,
}
WEIGHT_FIELDS = ("weight_accounts", "weight_tier", "weight_frequency", "weight_sentiment")


# --- Impact score: the formula ---------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    accounts: float = 3.0
    tier: float = 2.0
    frequency: float = 1.0
    sentiment: float = 2.0

    @classmethod
    def of(cls, settings: FeedbackSettings) -> Weights:
        return cls(
            accounts=settings.weight_accounts,
            tier=settings.weight_tier,
            frequency=settings.weight_frequency,
            sentiment=settings.weight_sentiment,
        )


@dataclass(frozen=True)
class ImpactFactors:
    """What the score of one item (with its merged duplicates) is computed from."""

    accounts: int = 0
    tier_points: int = 0
    mentions: int = 1
    negativity: float = 0.0
    answers: int = 0  # CSAT answers the negativity is the mean of

    @property
    def tier_label(self) -> str:
        if not self.accounts:
            return "no account"
        return str(Tier(TIER_OF_POINTS[self.tier_points]).label)


@dataclass(frozen=True)
class ImpactPart:
    name: str
    value: float
    weight: float

    @property
    def points(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class ImpactScore:
    factors: ImpactFactors
    weights: Weights
    parts: tuple[ImpactPart, ...]
    total: float


def impact_score(factors: ImpactFactors, weights: Weights) -> ImpactScore:
    """The impact score: w_accounts × accounts + w_tier × tier + w_frequency × mentions + w_sentiment × negativity.

    Pure and deterministic; the only place the formula is written down (the
    module docstring explains each factor). Rounded to 2 decimals.
    """
    parts = (
        ImpactPart("Accounts affected", factors.accounts, weights.accounts),
        ImpactPart("Highest tier", factors.tier_points, weights.tier),
        ImpactPart("Mentions", factors.mentions, weights.frequency),
        ImpactPart("Negative CSAT", factors.negativity, weights.sentiment),
    )
    return ImpactScore(factors=factors, weights=weights, parts=parts, total=round(sum(p.points for p in parts), 2))


def negativity_of(answers: Iterable[tuple[int, int]]) -> float:
    """Mean of (scale − score) / (scale − 1) over (score, scale) answers; 0 without answers."""
    values = [(scale - score) / (scale - 1) if scale > 1 else 0.0 for score, scale in answers]
    return sum(values) / len(values) if values else 0.0


# --- Impact score: gathering the factors, set-oriented -------------------------------------------


def _factors(roots: Mapping[int, int], family: Q) -> dict[int, ImpactFactors]:
    """Factors of the ``roots`` (id → mentions); ``family`` selects them and their merged duplicates.

    Four queries whatever the number of items: accounts, the items' own
    surveys, the items' ticket links, and the answered surveys of those tickets.
    """
    root_of = Coalesce(F("merged_into_id"), F("id"))
    accounts: dict[int, dict[int, str]] = defaultdict(dict)
    for root, account_id, tier in FeedbackItem.objects.filter(family, account__isnull=False).values_list(
        root_of, "account_id", "account__tier"
    ):
        accounts[root][account_id] = tier
    # An answered survey is one with a score; each counts once per item, however it is reached.
    answers: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for root, survey_id, score, scale in FeedbackItem.objects.filter(family, survey__score__isnull=False).values_list(
        root_of, "survey_id", "survey__score", "survey__scale"
    ):
        answers[root][survey_id] = (score, scale)
    through = FeedbackItem.tickets.through
    roots_of_ticket: dict[int, set[int]] = defaultdict(set)
    for root, ticket_id in through.objects.filter(
        feedbackitem__in=FeedbackItem.objects.filter(family).values("pk")
    ).values_list(Coalesce(F("feedbackitem__merged_into_id"), F("feedbackitem_id")), "ticket_id"):
        roots_of_ticket[ticket_id].add(root)
    if roots_of_ticket:
        for survey_id, ticket_id, score, scale in CsatSurvey.objects.filter(
            ticket_id__in=list(roots_of_ticket), score__isnull=False
        ).values_list("pk", "ticket_id", "score", "scale"):
            for root in roots_of_ticket[ticket_id]:
                answers[root][survey_id] = (cast(int, score), scale)
    result = {}
    for root, mentions in roots.items():
        tiers = accounts.get(root, {})
        root_answers = list(answers.get(root, {}).values())
        result[root] = ImpactFactors(
            accounts=len(tiers),
            tier_points=max((TIER_POINTS.get(t, 0) for t in tiers.values()), default=0),
            mentions=mentions,
            negativity=negativity_of(root_answers),
            answers=len(root_answers),
        )
    return result


def _weights_of(team_ids: Iterable[int]) -> dict[int, Weights]:
    """Each team's weights; the model defaults for a team that never saved its settings."""
    ids = set(team_ids)
    found = {s.team_id: Weights.of(s) for s in FeedbackSettings.objects.filter(team_id__in=ids)}
    return {team_id: found.get(team_id, Weights.of(FeedbackSettings())) for team_id in ids}


def impact_breakdowns(items: Sequence[FeedbackItem], weights: Weights) -> dict[int, ImpactScore]:
    """The score of each (unmerged) item, part by part, as computed now: for the list and detail pages."""
    if not items:
        return {}
    ids = [item.pk for item in items]
    factors = _factors({item.pk: item.mentions for item in items}, Q(pk__in=ids) | Q(merged_into__in=ids))
    return {pk: impact_score(f, weights) for pk, f in factors.items()}


@transaction.atomic
def feedback_rescore(*, items: Iterable[FeedbackItem | int] | None = None, team: Team | int | None = None) -> int:
    """Recompute the stored impact score of some items, or of every item of a team.

    A merged duplicate given here rescores the item it was merged into. Costs
    the same few queries for one item or ten thousand (plus one UPDATE per
    500 changed rows). Returns how many scores changed.
    """
    if (items is None) == (team is None):
        raise TypeError("Give either items or team.")
    roots = FeedbackItem.objects.filter(merged_into__isnull=True)
    if team is not None:
        team_id = team if isinstance(team, int) else team.pk
        roots = roots.filter(team_id=team_id)
        family = Q(team_id=team_id)
    else:
        ids = sorted({i if isinstance(i, int) else i.pk for i in items or ()})
        if not ids:
            return 0
        roots = roots.filter(Q(pk__in=ids) | Q(pk__in=FeedbackItem.objects.filter(pk__in=ids).values("merged_into")))
        family = Q(pk__in=roots.values("pk")) | Q(merged_into__in=roots.values("pk"))
    rows = list(roots.values_list("pk", "team_id", "mentions", "impact_score"))
    if not rows:
        return 0
    factors = _factors({pk: mentions for pk, _, mentions, _ in rows}, family)
    weights = _weights_of(team_id for _, team_id, _, _ in rows)
    changed = []
    for pk, team_id, _, old in rows:
        new = impact_score(factors[pk], weights[team_id]).total
        if not math.isclose(new, old, abs_tol=1e-9):
            changed.append(FeedbackItem(pk=pk, impact_score=new))
    FeedbackItem.objects.bulk_update(changed, ["impact_score"], batch_size=500)
    return len(changed)


@transaction.atomic
def feedback_rescore_for_survey(*, survey: CsatSurvey) -> int:
    """Rescore the feedback a survey counts for, once it is answered: for the survey side to call.

    That is feedback whose own survey it is, or that is linked to the
    survey's ticket (and, through them, the items they were merged into).
    """
    ids = FeedbackItem.objects.filter(Q(survey=survey) | Q(tickets=survey.ticket_id)).values_list("pk", flat=True)
    return feedback_rescore(items=list(ids.distinct()))


# --- Settings --------------------------------------------------------------------------------


def new_public_key() -> str:
    """An unguessable URL part for a team's public form (24 URL-safe characters)."""
    return secrets.token_urlsafe(18)


def feedback_settings_of(*, team: Team) -> FeedbackSettings:
    """The team's feedback settings, created with the defaults (and a fresh public key) the first time."""
    settings, _ = FeedbackSettings.objects.get_or_create(team=team, defaults={"public_form_key": new_public_key()})
    return settings


@dataclass(frozen=True)
class FeedbackSettingsChange:
    weight_accounts: float
    weight_tier: float
    weight_frequency: float
    weight_sentiment: float
    public_form_enabled: bool
    csat_delay_minutes: int
    csat_expiry_days: int


def validate_settings(change: FeedbackSettingsChange) -> None:
    """Refuse weights, delay or expiry out of range, with a message for each field."""
    errors: dict[str | None, str] = {}
    for name in WEIGHT_FIELDS:
        value = getattr(change, name)
        if not math.isfinite(value) or value < 0 or value > MAX_WEIGHT:
            errors[name] = f"Use a number from 0 to {MAX_WEIGHT:g}."
    if not errors and not any(getattr(change, name) for name in WEIGHT_FIELDS):
        errors[None] = "At least one weight must be above 0: with every weight at 0 all feedback scores 0."
    if not 0 <= change.csat_delay_minutes <= MAX_CSAT_DELAY_MINUTES:
        errors["csat_delay_minutes"] = "Send the survey between right away and 30 days after resolution."
    low, high = CSAT_EXPIRY_DAYS
    if not low <= change.csat_expiry_days <= high:
        errors["csat_expiry_days"] = f"A survey link can work from {low} to {high} days."
    if errors:
        raise Invalid(errors)


@transaction.atomic
def feedback_settings_update(
    *, team: Team, by: User | None, expected_version: int, change: FeedbackSettingsChange
) -> FeedbackSettings:
    """Save a team's weights, public form switch and survey timing.

    A save based on an old version raises :class:`StaleEdit` with the current
    settings. When a weight changed, every item of the team is rescored.
    """
    validate_settings(change)
    feedback_settings_of(team=team)
    locked = FeedbackSettings.objects.select_for_update().get(team=team)
    if locked.version != expected_version:
        raise StaleEdit(current=locked)
    weights_changed = any(getattr(locked, name) != getattr(change, name) for name in WEIGHT_FIELDS)
    for name, value in vars(change).items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save()
    if weights_changed:
        feedback_rescore(team=team)
    return locked


@transaction.atomic
def feedback_public_key_regenerate(*, team: Team, by: User | None) -> FeedbackSettings:
    """Give the public form a new URL; the old one stops working at once."""
    feedback_settings_of(team=team)
    locked = FeedbackSettings.objects.select_for_update().get(team=team)
    locked.public_form_key = new_public_key()
    locked.version += 1
    locked.save(update_fields=["public_form_key", "version"])
    return locked


# --- Intake ----------------------------------------------------------------------------------


def _same_team(team: Team, objects: Iterable[Any], field_name: str, message: str) -> None:
    if any(obj.team_id != team.pk for obj in objects):
        raise Invalid({field_name: message})


def match_account(*, team: Team, name: str) -> Account | None:
    """The team's account with this name, in any letter case (names are unique per team)."""
    name = " ".join(name.split())
    if not name:
        return None
    return Account.objects.filter(team=team, name__iexact=name).first()


@transaction.atomic
def feedback_submit(
    *,
    team: Team,
    text: str,
    channel: str,
    source: str,
    by: User | None = None,
    account: Account | None = None,
    account_name: str = "",
    customer_name: str = "",
    customer_email: str = "",
    tags: Iterable[Label] = (),
    tickets: Iterable[Ticket] = (),
    survey: CsatSurvey | None = None,
    created_at: datetime | None = None,
) -> FeedbackItem:
    """Store one piece of customer feedback and score it: the intake every channel uses.

    ``account_name`` is free text (the public form's company field): when no
    ``account`` is given and it names one of the team's accounts (any letter
    case), that account is linked; otherwise it is kept beside the customer's
    name. Account, tags, tickets and survey must belong to ``team``. Raises
    :class:`Invalid` with a message per field.
    """
    errors: dict[str | None, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = "Write what the customer said."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"Keep it to {MAX_TEXT} characters (this is {len(text)})."
    if channel not in FeedbackChannel.values:
        errors["channel"] = "Choose one of the channels."
    if source not in FeedbackSource.values:
        errors["source"] = "Unknown source."
    customer_name = " ".join(customer_name.split())
    account_name = " ".join(account_name.split())
    customer_email = customer_email.strip()
    if customer_email:
        try:
            validate_email(customer_email)
        except ValidationError:
            errors["customer_email"] = "Enter an email address like name@example.com."
    if errors:
        raise Invalid(errors)
    tags, tickets = list(tags), list(tickets)
    if account is not None:
        _same_team(team, [account], "account", "That account is not in this team.")
    elif account_name:
        account = match_account(team=team, name=account_name)
        if account is None:
            customer_name = f"{customer_name} ({account_name})" if customer_name else account_name
    if len(customer_name) > MAX_NAME:
        raise Invalid({"customer_name": f"Keep the name to {MAX_NAME} characters."})
    _same_team(team, tags, "tags", "A tag is not one of this team's labels.")
    _same_team(team, tickets, "tickets", "A ticket is not in this team.")
    if survey is not None:
        _same_team(team, [survey], "survey", "That survey is not in this team.")

    item = FeedbackItem.objects.create(
        team=team,
        channel=channel,
        source=source,
        account=account,
        customer_name=customer_name,
        customer_email=customer_email,
        text=text,
        created_at=created_at or timezone.now(),
        created_by=by,
        status=FeedbackStatus.LINKED if tickets else FeedbackStatus.NEW,
        survey=survey,
    )
    if tags:
        item.tags.set(tags)
    if tickets:
        item.tickets.set(tickets)
    feedback_rescore(items=[item])
    item.refresh_from_db(fields=["impact_score"])
    return item


# --- Changes to one item ------------------------------------------------------------------------


def _lock(item: FeedbackItem) -> FeedbackItem:
    return FeedbackItem.objects.select_for_update().select_related("team").get(pk=item.pk)


def _refuse_merged(item: FeedbackItem) -> None:
    if item.merged_into_id:
        raise Invalid({None: f"This feedback was merged into #{item.merged_into_id}: change that one instead."})


def _mark_linked(item: FeedbackItem) -> list[str]:
    """Bump the version, and move a new or triaged item to "linked"; the fields to save."""
    item.version += 1
    if item.status in UNLINKED:
        item.status = FeedbackStatus.LINKED
        return ["version", "status"]
    return ["version"]


@transaction.atomic
def feedback_set_status(*, item: FeedbackItem, status: str, by: User | None, expected_version: int) -> FeedbackItem:
    """Set an item's status. "Linked" needs a linked ticket or project; a merged duplicate stays closed."""
    locked = _lock(item)
    if locked.version != expected_version:
        raise StaleEdit(current=locked)
    _refuse_merged(locked)
    if status not in FeedbackStatus.values:
        raise Invalid({"status": "Choose one of the statuses."})
    if status == FeedbackStatus.LINKED and not (locked.tickets.exists() or locked.projects.exists()):
        raise Invalid({"status": "Link a ticket or a project first; the status then becomes “Linked” by itself."})
    if status != locked.status:
        locked.status = status
        locked.version += 1
        locked.save(update_fields=["status", "version"])
    return locked


@transaction.atomic
def feedback_set_tags(
    *, item: FeedbackItem, tags: Iterable[Label], by: User | None, expected_version: int
) -> FeedbackItem:
    """Replace an item's tags with the team's labels given; a write based on an old version is refused."""
    locked = _lock(item)
    if locked.version != expected_version:
        raise StaleEdit(current=locked)
    _refuse_merged(locked)
    tags = list(tags)
    _same_team(locked.team, tags, "tags", "Choose tags among the team's labels.")
    if {t.pk for t in tags} != set(locked.tags.values_list("pk", flat=True)):
        locked.tags.set(tags)
        locked.version += 1
        locked.save(update_fields=["version"])
    return locked


@transaction.atomic
def feedback_link_ticket(*, item: FeedbackItem, ticket: Ticket, by: User | None) -> FeedbackItem:
    """Link a ticket of the same team (once); the item becomes "linked" and is rescored (its CSAT answers count)."""
    locked = _lock(item)
    _refuse_merged(locked)
    if ticket.team_id != locked.team_id:
        raise Invalid({"ticket": "That ticket is not in this team."})
    if not locked.tickets.filter(pk=ticket.pk).exists():
        locked.tickets.add(ticket)
        locked.save(update_fields=_mark_linked(locked))
        feedback_rescore(items=[locked])
        locked.refresh_from_db(fields=["impact_score"])
    return locked


@transaction.atomic
def feedback_attach_project(*, item: FeedbackItem, project: Project, by: User | None) -> FeedbackItem:
    """Attach the item to a project of the same team (once); the item becomes "linked"."""
    locked = _lock(item)
    _refuse_merged(locked)
    if project.team_id != locked.team_id:
        raise Invalid({"project": "That project is not in this team."})
    if not locked.projects.filter(pk=project.pk).exists():
        locked.projects.add(project)
        locked.save(update_fields=_mark_linked(locked))
    return locked


def _unmark_linked(item: FeedbackItem) -> list[str]:
    """Bump the version; a "linked" item with no link left goes back to "triaged". The fields to save."""
    item.version += 1
    if item.status == FeedbackStatus.LINKED and not (item.tickets.exists() or item.projects.exists()):
        item.status = FeedbackStatus.TRIAGED
        return ["version", "status"]
    return ["version"]


def _unlink(item: FeedbackItem, relation: str, obj: Ticket | Project) -> FeedbackItem:
    """Remove ``obj`` from the item's ``relation`` (tickets or projects); the object itself stays."""
    locked = _lock(item)
    _refuse_merged(locked)
    related = getattr(locked, relation)
    if related.filter(pk=obj.pk).exists():
        related.remove(obj)
        locked.save(update_fields=_unmark_linked(locked))
        if relation == "tickets":  # its CSAT answers no longer count
            feedback_rescore(items=[locked])
            locked.refresh_from_db(fields=["impact_score"])
    return locked


@transaction.atomic
def feedback_unlink_ticket(*, item: FeedbackItem, ticket: Ticket, by: User | None) -> FeedbackItem:
    """Undo a link to a ticket (the ticket stays); the item is rescored without that ticket's answers."""
    return _unlink(item, "tickets", ticket)


@transaction.atomic
def feedback_detach_project(*, item: FeedbackItem, project: Project, by: User | None) -> FeedbackItem:
    """Undo an attachment to a project (the project stays)."""
    return _unlink(item, "projects", project)


@dataclass(frozen=True)
class Conversion:
    ticket: Ticket
    created: bool


def backlog_ticket_of(item: FeedbackItem) -> Ticket | None:
    """The improvement ticket linked to the item (the one "Create backlog ticket" made), if any."""
    return item.tickets.filter(kind=Kind.IMPROVEMENT).select_related("team").order_by("number").first()


def ticket_title(text: str) -> str:
    """A ticket title from feedback: its first line, at most 90 characters."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else "Customer feedback"
    return Truncator(first).chars(90)


def ticket_description(item: FeedbackItem) -> str:
    """The backlog ticket's Markdown: the feedback quoted, then who said it, where and when."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in item.text.strip().splitlines())
    who = item.customer_name or "A customer"
    facts = [f"From: {_escape_md(who)}" + (f" ({_escape_md(item.customer_email)})" if item.customer_email else "")]
    if item.account_id:
        account = item.account
        assert account is not None
        facts.append(f"Account: {_escape_md(account.name)} ({account.get_tier_display()})")
    facts.append(f"Channel: {item.get_channel_display()}")
    received = item.created_at.astimezone(item.team.tzinfo)
    facts.append(f"Received: {received.day} {received:%b %Y, %H:%M} ({item.team.time_zone})")
    if item.mentions > 1:
        facts.append(f"Mentions: {item.mentions} (duplicates merged)")
    url = reverse("voice:feedback-detail", args=[item.team.slug, item.pk])
    return (
        f"Customer feedback [#{item.pk}]({url}):\n\n{quoted}\n\n"
        + "\n".join(f"- {fact}" for fact in facts)
        + f"\n- Impact score: {item.impact_score:g}\n"
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!])")


def _escape_md(text: str) -> str:
    """Plain text for a Markdown line: formatting characters escaped, angle brackets as entities."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


@transaction.atomic
def feedback_to_ticket(*, item: FeedbackItem, by: User | None) -> Conversion:
    """Turn feedback into a backlog ticket in one click: kind improvement, To Do, not routed.

    The title comes from the text, the description quotes the feedback with
    the customer, account and channel, and the account is copied. The ticket
    is linked and the item becomes "linked". The item's row is locked, so a
    second click (or two at once) finds the ticket made by the first and
    creates nothing (``created`` is False).
    """
    locked = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    _refuse_merged(locked)
    existing = backlog_ticket_of(locked)
    if existing is not None:
        return Conversion(ticket=existing, created=False)
    locked = FeedbackItem.objects.select_related("team", "account").get(pk=item.pk)
    draft = TicketDraft(
        title=ticket_title(locked.text),
        kind=Kind.IMPROVEMENT,
        description=ticket_description(locked),
        account=locked.account,
        channel=TICKET_CHANNEL.get(FeedbackChannel(locked.channel), Channel.WEB),
        status=Status.TODO,
        labels=list(locked.tags.all()),
    )
    ticket = ticket_create(team=locked.team, by=by, draft=draft, route=False)
    locked.tickets.add(ticket)
    locked.save(update_fields=_mark_linked(locked))
    feedback_rescore(items=[locked])
    return Conversion(ticket=ticket, created=True)


@transaction.atomic
def feedback_merge(
    *, duplicate: FeedbackItem, into: FeedbackItem, by: User | None, expected_version: int
) -> FeedbackItem:
    """Merge ``duplicate`` into ``into``; what was counted on the duplicate now counts there.

    Mentions add up; accounts count through the duplicate (it keeps its own
    account and points at ``into``); tags, tickets and projects are joined;
    the duplicate's own duplicates move to ``into``, so duplicates are never
    chained. The duplicate is closed. Refused: into itself, across teams,
    into an item that is itself merged, and (:class:`StaleEdit`) when the
    duplicate changed since ``expected_version``.
    """
    if duplicate.pk == into.pk:
        raise Invalid({"into": "Choose another item: feedback cannot be merged into itself."})
    locked = {
        i.pk: i for i in FeedbackItem.objects.select_for_update().filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")
    }
    dup, target = locked[duplicate.pk], locked[into.pk]
    if dup.team_id != target.team_id:
        raise Invalid({"into": "Feedback of another team cannot be merged."})
    if dup.version != expected_version:
        raise StaleEdit(current=dup)
    if dup.merged_into_id:
        raise Invalid({None: f"This feedback was already merged into #{dup.merged_into_id}."})
    if target.merged_into_id:
        root = target.merged_into_id
        raise Invalid({"into": f"#{target.pk} was itself merged into #{root}: merge into #{root} instead."})
    # Re-point the duplicate's own duplicates first: the tree stays one level deep.
    FeedbackItem.objects.filter(merged_into=dup).update(merged_into=target)
    for relation, column in (("tags", "label_id"), ("tickets", "ticket_id"), ("projects", "project_id")):
        through = getattr(FeedbackItem, relation).through
        ids = list(through.objects.filter(feedbackitem_id=dup.pk).values_list(column, flat=True))
        through.objects.bulk_create(
            [through(feedbackitem_id=target.pk, **{column: pk}) for pk in ids], ignore_conflicts=True
        )
    target.mentions += dup.mentions
    target.version += 1
    fields = ["mentions", "version"]
    if target.status in UNLINKED and (
        FeedbackItem.tickets.through.objects.filter(feedbackitem_id=target.pk).exists()
        or FeedbackItem.projects.through.objects.filter(feedbackitem_id=target.pk).exists()
    ):
        target.status = FeedbackStatus.LINKED
        fields.append("status")
    target.save(update_fields=fields)
    dup.merged_into = target
    dup.status = FeedbackStatus.CLOSED
    dup.version += 1
    dup.save(update_fields=["merged_into", "status", "version"])
    feedback_rescore(items=[target])
    target.refresh_from_db(fields=["impact_score"])
    return target


# --- Reads ---------------------------------------------------------------------------------------


OPEN = ""
ANY_STATUS = "all"


@dataclass(frozen=True)
class FeedbackFilters:
    status: str = OPEN  # OPEN: every status but closed; ANY_STATUS; or one status
    channel: str = ""
    tag: Label | None = None


def feedback_list(team: Team, filters: FeedbackFilters) -> QuerySet[FeedbackItem]:
    """The team's unmerged feedback by impact (highest first), filtered; rows carry what the list shows."""
    items = FeedbackItem.objects.filter(team=team, merged_into__isnull=True)
    if filters.status == OPEN:
        items = items.exclude(status=FeedbackStatus.CLOSED)
    elif filters.status != ANY_STATUS:
        items = items.filter(status=filters.status)
    if filters.channel:
        items = items.filter(channel=filters.channel)
    if filters.tag is not None:
        items = items.filter(tags=filters.tag)
    linked = Ticket.objects.only("id", "number", "team_id", "kind", "status", "title").order_by("number")
    return (
        items.select_related("account")
        .prefetch_related("tags", Prefetch("tickets", queryset=linked))
        .order_by("-impact_score", "-created_at", "-id")
    )
