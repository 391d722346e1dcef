"""Overlapping survey sweeps mail each customer once; two clicks on Submit at once record one answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from teams.models import Role
from tests.tickets.test_csat import LINK, due, resolved
from tickets.choices import Kind
from tickets.models import Ticket
from voice import surveys as csat
from voice.choices import SurveyStatus
from voice.models import CsatSurvey

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this there"),
]

SWEEPS = 8


def test_overlapping_sweeps_send_each_survey_exactly_once(team, mailoutbox, monkeypatch):
    monkeypatch.setattr(csat, "CLAIM_BATCH", 4)  # many small claims, so that the sweeps interleave
    tickets = [resolved(team, requester_email=f"c{i}@customer.example") for i in range(30)]
    at = due(tickets[-1])
    for round_ in range(3):  # re-delivered sweeps find nothing new
        start = threading.Barrier(SWEEPS)

        def run(_: int, start: threading.Barrier = start, now=at + timedelta(minutes=round_)) -> list[int]:
            try:
                start.wait(timeout=30)
                return csat.csat_schedule_and_send(now=now).sent
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=SWEEPS) as pool:
            sent = [pk for found in pool.map(run, range(SWEEPS)) for pk in found]
        if round_ == 0:
            assert sorted(sent) == sorted(CsatSurvey.objects.values_list("pk", flat=True))
        else:
            assert sent == []
    assert CsatSurvey.objects.count() == 30
    assert CsatSurvey.objects.filter(status=SurveyStatus.SENT, attempts=1).count() == 30
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(f"c{i}@customer.example" for i in range(30)), "one mail per customer"


def test_two_submits_at_once_record_one_answer_and_one_follow_up(team, make_member, mailoutbox):
    make_member(team, Role.LEAD)
    clicks = 6
    for trial in range(3):
        ticket = resolved(team, requester_email=f"t{trial}@customer.example")
        csat.csat_schedule_and_send(now=due(ticket))
        token = LINK.search(mail.outbox[-1].body)[2]
        url = reverse("survey:answer", args=[token])
        start = threading.Barrier(clicks)

        def submit(i: int, start: threading.Barrier = start, url: str = url) -> int:
            try:
                client = Client()
                start.wait(timeout=30)
                return client.post(url, {"score": "1", "comment": f"click {i}"}).status_code
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=clicks) as pool:
            statuses = sorted(pool.map(submit, range(clicks)))
        assert statuses == [302] + [410] * (clicks - 1), f"trial {trial}: {statuses}"
        survey = CsatSurvey.objects.get(ticket=ticket)
        assert survey.status == SurveyStatus.ANSWERED and survey.score == 1
        assert survey.follow_up is not None
        assert Ticket.objects.filter(kind=Kind.IMPROVEMENT, title__contains=f"CARE-{ticket.number}:").count() == 1
