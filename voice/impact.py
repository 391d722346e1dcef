"""The impact score of customer feedback: one formula, its factors gathered set-oriented, rescoring.

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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from teams.models import Team
from tickets.choices import Tier
from voice.models import CsatSurvey, FeedbackItem, FeedbackSettings

TIER_POINTS: Mapping[str, int] = {Tier.FREE: 0, Tier.STANDARD: 1, Tier.PREMIUM: 2, Tier.ENTERPRISE: 3}
TIER_OF_POINTS = {points: tier for tier, points in TIER_POINTS.items()}


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
