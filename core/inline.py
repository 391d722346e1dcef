"""The inline-edit list: a page of rows, each read-only or edited in place, plus a "new" form.

One small set of helpers answers every such list (routing rules, labels,
accounts, SLA policies, team members; next sprints, RACI rows, risks and
goals). A view parses, authorises and calls its service; the helper gives
the answer the same way everywhere:

- 200 with the changed region (the row, the list, the fresh "new" form);
- 409 with the form, the saved values beside the user's input, after a stale write;
- 422 with the form and the refusal beside its field;
- every answer varies on ``HX-Request``; a plain form post goes back to the
  page (a refusal becomes a message there), so the list works without JavaScript.

A list names its partials after one noun: ``<noun>-list``, ``<noun>-row``,
``<noun>-form``, ``<noun>-new`` (and ``<noun>-confirm`` for a delete that asks
first), and fires ``<event>`` when a row is added so the list reloads itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import trigger_client_event

from core.errors import RuleBroken, StaleEdit
from core.forms import RefusalForm
from core.htmx import fragment_or_page, region_or_redirect, vary_on_htmx, wants_fragment
from core.stale import refuse_stale

T = TypeVar("T")
Context = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class InlineList:
    """Where one inline-edit list lives: its page template, partial noun, page URL name, event and object."""

    template: str  # "tickets/settings/labels.html"
    noun: str  # partials "label-row", "label-form", …
    page: str  # URL name of the page, reversed with the team's slug
    event: str  # fired when a row is added: "labels-changed"
    item: str  # context name of one row's object: "lbl"
    what: str  # the object in the stale-write message: "this label"

    def part(self, name: str) -> str:
        return f"{self.template}#{self.noun}-{name}"

    def page_url(self, context: dict[str, Any]) -> str:
        return reverse(self.page, kwargs={"team_slug": context["team"].slug})


def list_page(request: HttpRequest, spec: InlineList, context: dict[str, Any], *, full: Context) -> HttpResponse:
    """GET of the page: the list region for a fragment request, else the page with ``full(context)`` added."""
    if not wants_fragment(request):
        context = {**context, **full(context)}
    return fragment_or_page(request, spec.template, f"{spec.noun}-list", context)


def answer(
    request: HttpRequest, spec: InlineList, part: str, context: dict[str, Any], *, status: int = 200,
    form: BaseForm | None = None,
) -> HttpResponse:  # fmt: skip
    """One region of the list for HTMX; back to the page for a plain post."""
    return region_or_redirect(
        request, spec.part(part), context, page_url=spec.page_url(context), status=status, form=form
    )


def row(request: HttpRequest, spec: InlineList, context: dict[str, Any], obj: Any) -> HttpResponse:
    """One row, read-only (the Cancel of an edit or a delete)."""
    return answer(request, spec, "row", {**context, spec.item: obj})


def create(
    request: HttpRequest,
    spec: InlineList,
    *,
    form: RefusalForm,
    save: Callable[[], T],
    success: Callable[[T], str],
    context: Context,
    fresh_form: Callable[[], BaseForm],
    page_context: Context,
) -> HttpResponse:
    """POST of the "new" form: save, then a fresh form and ``spec.event`` (the list reloads itself).

    ``save`` runs only for a valid form; a refusal lands on the form (422).
    Without JavaScript, success goes back to the page and a refusal renders
    the whole page with the form.
    """
    if form.is_valid():
        try:
            obj = save()
        except RuleBroken as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, success(obj))
            if not getattr(request, "htmx", False):
                return redirect(spec.page_url(context()))
            response = render(request, spec.part("new"), context(form=fresh_form()))
            return vary_on_htmx(trigger_client_event(response, spec.event))
    if not getattr(request, "htmx", False):
        return vary_on_htmx(render(request, spec.template, page_context(form=form), status=422))
    return vary_on_htmx(render(request, spec.part("new"), context(form=form), status=422))


def edit(
    request: HttpRequest,
    spec: InlineList,
    *,
    obj: Any,
    form: RefusalForm,
    save: Callable[[], T],
    success: Callable[[T], str],
    context: Context,
    stale_field: str = "version",
    stale_seen: Callable[[Any], Any] | None = None,
) -> HttpResponse:
    """GET: the row as a form. POST: save and answer with the row; 409 on a stale write, 422 on a refusal.

    ``stale_seen(current)`` gives the stamp the next save is based on when the
    row has no version column (a fingerprint of its values).
    """
    if request.method == "GET":
        return answer(request, spec, "form", context(**{spec.item: obj, "form": form}))
    status = 422
    ctx = context(**{spec.item: obj, "form": form})
    if form.is_valid():
        try:
            saved = save()
        except StaleEdit as stale:
            current = refuse_stale(
                form, stale, what=spec.what, field=stale_field,
                seen=stale_seen(stale.current) if stale_seen else None,
            )  # fmt: skip
            ctx.update({spec.item: current, "current": current})
            status = 409
        except RuleBroken as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, success(saved))
            return answer(request, spec, "row", context(**{spec.item: saved}))
    return answer(request, spec, "form", ctx, status=status, form=form)
