"""The mail outbox: breach mails survive a worker that dies after the sweep commits, and a mail server outage."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.mail import deliver_pending
from notifications.models import Notification, OutgoingMail
from notifications.tasks import deliver_mail
from teams.models import Role
from tests.factories import make_ticket
from tests.tickets.test_sla_views import make_policy
from tickets.sla import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def breaching(team, make_member):
    """Three tickets of an assignee whose first response fell due an hour ago; a lead who is told too."""
    agent = make_member(team, Role.AGENT, email="agent@example.com")
    make_member(team, Role.LEAD, email="lead@example.com")
    make_policy(team, business_hours=False, frt=30)
    tickets = [make_ticket(team, title=f"Urgent {i}", assignee=agent) for i in range(3)]
    OutgoingMail.objects.all().delete()  # the assignment mails: not what these tests are about
    return tickets


def test_a_worker_that_dies_after_the_sweep_commits_loses_no_mail(breaching, django_capture_on_commit_callbacks):
    # The sweep commits its alerts, notifications and outbox rows; the process dies before sending
    # (its after-commit work never runs).
    with django_capture_on_commit_callbacks(execute=False):
        sweep.sla_sweep(now=timezone.now() + timedelta(hours=1))
    notices = Notification.objects.filter(kind__endswith="_breached").count()
    assert notices == 6 and mail.outbox == []
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 6, "one outbox row per notification"

    assert deliver_mail() == {"sent": 6, "failed": 0}  # the beat schedule's next run
    assert deliver_mail() == {"sent": 0, "failed": 0}, "nothing twice"
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@example.com"] * 3 + ["lead@example.com"] * 3
    assert not OutgoingMail.objects.filter(sent_at__isnull=True).exists()


def test_mail_goes_out_right_after_the_commit_when_all_is_well(breaching, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep.sla_sweep(now=timezone.now() + timedelta(hours=1))
    assert len(mail.outbox) == 6
    assert deliver_mail() == {"sent": 0, "failed": 0}


def test_a_refusing_mail_server_keeps_the_mail_for_later(breaching, settings, django_capture_on_commit_callbacks):
    with socket.socket() as s:  # a port nothing listens on: connections are refused, for real
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    with django_capture_on_commit_callbacks(execute=True):
        sweep.sla_sweep(now=timezone.now() + timedelta(hours=1))  # the sweep itself succeeds
    row = OutgoingMail.objects.order_by("id").first()
    assert (row.sent_at, row.attempts) == (None, 1) and "Connection" in row.last_error
    assert deliver_pending().sent == 0, "retried with a backoff, not at once"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert deliver_pending(now=timezone.now() + timedelta(minutes=2)).sent == 6
    assert len(mail.outbox) == 6


def test_a_claim_of_a_worker_that_died_mid_send_expires(breaching, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        sweep.sla_sweep(now=timezone.now() + timedelta(hours=1))
    OutgoingMail.objects.update(claimed_until=timezone.now() + timedelta(minutes=5))  # another worker holds them
    assert deliver_pending().sent == 0
    assert deliver_pending(now=timezone.now() + timedelta(minutes=6)).sent == 6


KILLED_AFTER_COMMIT = """
import os, sys
import django
django.setup()
from datetime import datetime
import notifications.services as services
from django.db import transaction

def die_after_commit(ids):
    transaction.on_commit(lambda: os._exit(9))  # the worker is killed: committed, nothing sent

services.deliver_after_commit = die_after_commit
from tickets.sla import sweep
sweep.sla_sweep(now=datetime.fromisoformat(sys.argv[1]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_sweep_process_killed_right_after_its_commit_loses_no_mail(breaching):
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "SUPPORTPM_TESTING": "1", "DJANGO_SETTINGS_MODULE": "supportpm.settings"}
    when = (timezone.now() + timedelta(hours=1)).isoformat()
    mail.outbox.clear()  # the assignment mails of the fixture, sent at its commits
    done = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_COMMIT, when], cwd=settings.BASE_DIR, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 9, done.stderr[-2000:]
    assert Notification.objects.filter(kind__endswith="_breached").count() == 6, "the sweep committed"
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 6 and mail.outbox == []
    assert deliver_mail() == {"sent": 6, "failed": 0}
    assert deliver_mail() == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 6
