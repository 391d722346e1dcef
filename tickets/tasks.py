"""Background work on tickets."""

from celery import shared_task

from teams.models import Team
from tickets import positions
from tickets.sla import recompute, sweep


@shared_task(acks_late=True)
def renumber_positions(team_id: int, status: str) -> int:
    """Restore the gaps between card positions of one column (idempotent)."""
    return positions.positions_renumber(team_id=team_id, status=status)


@shared_task(acks_late=True)
def sla_sweep() -> dict[str, int]:
    """One SLA sweep: claim breached and at-risk targets, escalate and notify (idempotent: each claim once)."""
    result = sweep.sla_sweep()
    return {
        "skipped": int(result.skipped),
        "breached": len(result.breached),
        "at_risk": len(result.at_risk),
        "escalated": len(result.escalated),
        "notified": result.notified,
    }


@shared_task(acks_late=True)
def sla_recompute_team(team_id: int) -> int:
    """Recompute the SLA clocks of one team's open tickets in bulk, after a policy or calendar change.

    Idempotent: it stores what the current policies and calendar give. A team
    deleted meanwhile has nothing to recompute.
    """
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return 0
    return recompute.team_clocks_recompute(team=team)
