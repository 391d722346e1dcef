"""Presentation helpers of the SLA policy pages."""

from __future__ import annotations

from django import template

from tickets.models import SLAPolicy
from tickets.sla.policies import PolicySentence, describe

register = template.Library()


@register.filter
def policy_sentence(policy: SLAPolicy) -> PolicySentence:
    """A policy's conditions, clock, breach actions and targets: ``{% with s=policy|policy_sentence %}``."""
    return describe(policy)
