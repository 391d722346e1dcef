"""Saved views: a person names the filters of the ticket list or the board, for themselves or the team."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict

from core.errors import RuleBroken
from teams.models import Membership, Role, Team, User
from tickets.models import SavedView

# What a view keeps of a page's query string: its filters, never a page number or a paging cursor.
DROPPED = {"page", "after"}


def clean_query(raw: str, allowed: Iterable[str]) -> str:
    """The filters of a query string, known names only, in a stable order."""
    data = QueryDict(raw[:2000])
    wanted = set(allowed) - DROPPED
    pairs = [(name, value) for name in sorted(data) if name in wanted for value in data.getlist(name) if value != ""]
    return urlencode(pairs)[:1000]


def views_for(*, team: Team, user: User, page: str) -> list[SavedView]:
    """The person's own views of a page and those shared with the team, by name."""
    return list(
        SavedView.objects.filter(team=team, page=page)
        .filter(Q(owner=user) | Q(shared=True))
        .select_related("owner")
        .order_by("name", "id")
    )


@transaction.atomic
def view_save(*, team: Team, by: User, page: str, name: str, query: str, shared: bool) -> SavedView:
    """Save (or replace, by name) one of the person's views."""
    name = " ".join(name.split())
    if not name:
        raise RuleBroken("Give the view a name.")
    if len(name) > 80:
        raise RuleBroken("Keep the name to 80 characters.")
    if page not in SavedView.Page.values:
        raise RuleBroken("Views are for the ticket list or the board.")
    try:
        view, _ = SavedView.objects.update_or_create(
            team=team, owner=by, page=page, name=name, defaults={"query": query, "shared": shared}
        )
    except IntegrityError:  # saved by the same person a moment ago, in another tab
        view = SavedView.objects.get(team=team, owner=by, page=page, name=name)
    return view


@transaction.atomic
def view_delete(*, team: Team, by: User, view_id: int) -> SavedView:
    """Delete a view: its owner may, and a team lead may delete a shared one."""
    view = SavedView.objects.select_for_update().filter(team=team, pk=view_id).first()
    if view is None:
        raise RuleBroken("That view no longer exists.")
    is_lead = Membership.objects.filter(team=team, user=by, role=Role.LEAD).exists()
    if view.owner_id != by.pk and not (view.shared and is_lead):
        raise RuleBroken("Only its owner (or a team lead, for a shared view) can delete it.")
    view.delete()
    return view
