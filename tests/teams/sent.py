"""What a calendar change queues after commit, by task name (``teams`` imports neither receiver)."""

from unittest import mock

from teams.services import NOTIFY_LEADS_TASK, SLA_RECOMPUTE_TASK


def assert_sent_once(app: mock.MagicMock, team) -> None:
    """One SLA recompute of the team and one notice to its leads; nothing else."""
    calls = app.send_task.call_args_list
    assert [c for c in calls if c.args[0] == SLA_RECOMPUTE_TASK] == [mock.call(SLA_RECOMPUTE_TASK, args=(team.pk,))]
    notices = [c for c in calls if c.args[0] == NOTIFY_LEADS_TASK]
    assert len(notices) == 1 and notices[0].kwargs["kwargs"]["team_id"] == team.pk
    assert len(calls) == 2
