"""The Celery application and its beat schedule.

Every periodic job is one commented entry in ``app.conf.beat_schedule``; each
task calls the same service functions as the web views do.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportpm.settings")

app = Celery("supportpm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["supportpm.tasks"]
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Sprints: each active sprint's daily snapshot, written once the team's working day has closed
    # (every 15 minutes, so each team's close is met within a quarter hour in its own zone).
    "sprint-snapshots": {
        "task": "planning.tasks.write_sprint_snapshots",
        "schedule": 900.0,
        "options": {"expires": 840},
    },
    # Sprints: leads are told when reactive work passes an active sprint's interrupt budget
    # (once per crossing; a changed budget is a new one), within 15 minutes of the ticket that did it.
    "sprint-interrupt-budgets": {
        "task": "planning.tasks.check_interrupt_budgets",
        "schedule": 900.0,
        "options": {"expires": 840},
    },
    # Metrics: each team's daily figures of today and yesterday, and of the days late events changed
    # (a reopened ticket's first-resolution day, a survey answered days after it went out).
    "metrics-refresh": {
        "task": "metrics.tasks.refresh_daily_figures",
        "schedule": 300.0,
        "options": {"expires": 280},
    },
    # Goals: each open goal's value of the day, its suggested status, and a weekly reminder to the
    # owner of a goal at risk (after the night's figures, at 06:00 UTC; idempotent).
    "goals-update": {
        "task": "metrics.tasks.update_goals",
        "schedule": crontab(hour=6, minute=0),
    },
    # Projects: deliverables due within two days or overdue, told to their RACI people once per due date
    # (overdue ones escalated to the Accountable), each morning.
    "project-deliverables": {
        "task": "projects.tasks.check_deliverables",
        "schedule": crontab(hour=6, minute=30),
    },
    # Risks: metric triggers checked on the team's complete days (and the backlog now); a risk whose
    # trigger holds is marked occurred and its incident ticket opened, once per occurrence.
    "risk-triggers": {
        "task": "risks.tasks.check_risk_triggers",
        "schedule": 900.0,
        "options": {"expires": 840},
    },
    # Risks: owners of risks whose review is overdue, told once per review period of the risk's level.
    "risk-reviews": {
        "task": "risks.tasks.remind_overdue_reviews",
        "schedule": crontab(hour=7, minute=15),
    },
    # Liveness: beat sends, a worker records; /healthz reports how long ago.
    "heartbeat": {
        "task": "supportpm.tasks.record_heartbeat",
        "schedule": 60.0,
        "args": ("beat",),
    },
    # SLA: claim breached and at-risk targets, escalate and notify. Breaches are
    # found within 30 s (plus the sweep's own milliseconds); the sweep expires
    # rather than piling up if workers fall behind.
    # Mail: the outbox's leftovers (a worker that died after a commit, a mail server that refused),
    # retried with backoff until sent; fresh mail goes out right after its commit.
    "mail-outbox": {
        "task": "notifications.tasks.deliver_mail",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Daily digests of the notifications people chose to get once a day, at 07:00 UTC.
    "mail-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # Sign-in records older than the sign-in limits read, daily at 03:00 UTC.
    "prune-sign-in-records": {
        "task": "supportpm.tasks.prune_sign_in_records",
        "schedule": crontab(hour=3, minute=0),
    },
    "sla-sweep": {
        "task": "tickets.tasks.sla_sweep",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # CSAT: survey the tickets resolved at least their team's delay ago (once per resolution
    # cycle), mail the pending surveys, retry failed sends. A minute late is no matter to a
    # survey; an overlapping run claims other rows.
    "csat-send-surveys": {
        "task": "tickets.tasks.csat_send_surveys",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
