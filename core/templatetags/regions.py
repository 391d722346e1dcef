"""Composed pages: a lower app's page shows regions that higher apps serve, without importing them.

``PAGE_REGIONS`` in settings (the project package composes the apps) maps a
slot name to the URL names of the regions shown there. Each region is loaded
by HTMX when the page loads (``hx-trigger="load"``) and is a page of its own
too, so without JavaScript the slot is a link to it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("components/regions.html")
def page_regions(slot: str, **kwargs: Any) -> dict[str, Any]:
    """The regions of ``slot``, their URLs reversed with ``kwargs`` (the page's own URL arguments)."""
    regions = getattr(settings, "PAGE_REGIONS", {}).get(slot, ())
    return {"regions": [(reverse(name, kwargs=kwargs), label) for name, label in regions]}
