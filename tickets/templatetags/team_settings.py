"""Presentation helpers of the team settings pages."""

from __future__ import annotations

from django import template

from tickets.models import RoutingRule
from tickets.routing import Sentence, describe

register = template.Library()


@register.filter
def sentence(rule: RoutingRule) -> Sentence:
    """A rule's conditions and actions as phrases: ``{% with s=rule|sentence %}``."""
    return describe(rule)
