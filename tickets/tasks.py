"""Background work on tickets."""

from celery import shared_task

from tickets import services


@shared_task(acks_late=True)
def renumber_positions(team_id: int, status: str) -> int:
    """Restore the gaps between card positions of one column (idempotent)."""
    return services.positions_renumber(team_id=team_id, status=status)
