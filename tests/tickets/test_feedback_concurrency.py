"""Feedback stays consistent when people click at the same moment (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core.errors import Invalid, StaleEdit
from tickets.choices import Kind
from tickets.models import Ticket
from voice import conversion
from voice import feedback as fb
from voice.models import FeedbackItem

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this there"),
]

THREADS = 8


def submit(team, text="Dark mode, please"):
    return fb.feedback_submit(team=team, text=text, channel="email", source="agent")


def at_once(calls):
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait(timeout=30)
            return call()
        except (Invalid, StaleEdit) as refusal:
            return refusal
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_eight_simultaneous_conversions_make_one_backlog_ticket(team):
    item = submit(team)
    results = at_once([lambda: conversion.feedback_to_ticket(item=item, by=None)] * THREADS)
    assert sum(r.created for r in results) == 1
    assert len({r.ticket.pk for r in results}) == 1
    assert Ticket.objects.filter(team=team, kind=Kind.IMPROVEMENT).count() == 1


def test_simultaneous_merges_into_one_item_lose_no_mention(team):
    into = submit(team, "Main")
    duplicates = [submit(team, f"Again {i}") for i in range(THREADS)]
    at_once([lambda d=d: fb.feedback_merge(duplicate=d, into=into, by=None, expected_version=1) for d in duplicates])
    into = FeedbackItem.objects.get(pk=into.pk)
    assert into.mentions == 1 + THREADS
    assert into.duplicates.count() == THREADS
    assert into.impact_score == 1 + THREADS


def test_merging_two_items_into_each_other_at_once_merges_one_way(team):
    a, b = submit(team, "A"), submit(team, "B")
    results = at_once(
        [
            lambda: fb.feedback_merge(duplicate=a, into=b, by=None, expected_version=1),
            lambda: fb.feedback_merge(duplicate=b, into=a, by=None, expected_version=1),
        ]
    )
    assert sum(isinstance(r, FeedbackItem) for r in results) == 1
    merged = FeedbackItem.objects.filter(merged_into__isnull=False)
    assert merged.count() == 1
    root = FeedbackItem.objects.get(merged_into__isnull=True)
    assert root.mentions == 2
