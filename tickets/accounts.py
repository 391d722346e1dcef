"""A team's customer accounts: every write to them (reads: ``Account.objects.for_settings``).

Like labels, accounts carry no version column: an edit carries a fingerprint
of the values the form showed (:func:`core.stale.lock_if_current`).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.errors import Invalid
from core.stale import fingerprint, lock_if_current
from teams.models import Team
from tickets.choices import Tier
from tickets.models import Account

ACCOUNTS_PER_PAGE = 50


def account_fingerprint(account: Account) -> str:
    return fingerprint(account.name, account.tier, account.notes)


def _account_values(name: str, tier: str, notes: str) -> tuple[str, str, str]:
    name = name.strip()
    if not name:
        raise Invalid({"name": "Give the account a name."})
    if tier not in Tier.values:
        raise Invalid({"tier": "Choose one of the tiers."})
    return name, tier, notes.strip()


def _account_name_free(team: Team, name: str, exclude_pk: int | None = None) -> None:
    others = Account.objects.filter(team=team, name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise Invalid({"name": f"There is already an account called “{name}” in this team."})


@transaction.atomic
def account_create(*, team: Team, name: str, tier: str, notes: str = "") -> Account:
    """Add a customer account. A name the team already uses (in any letter case) raises :class:`Invalid`."""
    name, tier, notes = _account_values(name, tier, notes)
    _account_name_free(team, name)
    try:
        with transaction.atomic():
            account = Account.objects.create(team=team, name=name, tier=tier, notes=notes)
    except IntegrityError:
        raise Invalid({"name": f"There is already an account called “{name}” in this team."}) from None
    return Account.objects.for_settings(team).get(pk=account.pk)


@transaction.atomic
def account_update(*, account: Account, seen: str, name: str, tier: str, notes: str) -> Account:
    """Change an account's name, tier or notes.

    ``seen`` is :func:`account_fingerprint` of the account as the form showed
    it; when the account changed since, :class:`StaleEdit` carries the
    current one.
    """
    locked = lock_if_current(
        Account.objects.select_related("team"), pk=account.pk, seen=seen, stamp=account_fingerprint,
        current=lambda row: Account.objects.for_settings(row.team).get(pk=row.pk),
    )  # fmt: skip
    name, tier, notes = _account_values(name, tier, notes)
    _account_name_free(locked.team, name, exclude_pk=locked.pk)
    tier_changed = tier != locked.tier
    locked.name, locked.tier, locked.notes = name, tier, notes
    try:
        with transaction.atomic():
            locked.save(update_fields=["name", "tier", "notes"])
    except IntegrityError:
        raise Invalid({"name": f"There is already an account called “{name}” in this team."}) from None
    if tier_changed:
        # The tier counts in the impact score of the account's feedback.
        from voice.impact import feedback_rescore

        feedback_rescore(items=list(locked.feedback_items.values_list("pk", flat=True)))
    return Account.objects.for_settings(locked.team).get(pk=account.pk)
