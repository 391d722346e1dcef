from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tickets.sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now: the same code the beat schedule runs every 30 seconds."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sla_sweep()
        if result.skipped:
            self.stdout.write("Another sweep is running; it claims what is due.")
            return
        self.stdout.write(
            f"SLA sweep: {len(result.breached)} breached, {len(result.at_risk)} at risk, "
            f"{len(result.escalated)} escalated, {result.notified} notifications."
        )
