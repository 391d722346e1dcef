from __future__ import annotations

import pytest

from core.errors import RuleBroken, StaleEdit
from teams.models import Membership, Role
from teams.services import MembershipChange, membership_update


def _change(m: Membership, **overrides) -> MembershipChange:
    values = {"role": m.role, "capacity": m.capacity, "skills": m.skills, **overrides}
    return MembershipChange(**values)


@pytest.mark.django_db
def test_lead_changes_capacity_and_version_moves_on(team, make_member, membership_of):
    lead = membership_of(make_member(team, Role.LEAD), team)
    agent = membership_of(make_member(team, Role.AGENT), team)
    updated = membership_update(
        membership=agent, by=lead, expected_version=agent.version, change=_change(agent, capacity=8, skills=["SSO"])
    )
    assert (updated.capacity, updated.skills, updated.version) == (8, ["SSO"], agent.version + 1)


@pytest.mark.django_db
def test_lead_cannot_change_roles(team, make_member, membership_of):
    lead = membership_of(make_member(team, Role.LEAD), team)
    agent = membership_of(make_member(team, Role.AGENT), team)
    with pytest.raises(RuleBroken, match="Only a manager"):
        membership_update(membership=agent, by=lead, expected_version=agent.version, change=_change(agent, role="lead"))
    agent.refresh_from_db()
    assert agent.role == Role.AGENT


@pytest.mark.django_db
def test_last_manager_cannot_be_demoted(team, make_member, membership_of):
    boss = membership_of(make_member(team, Role.MANAGER), team)
    with pytest.raises(RuleBroken, match="at least one manager"):
        membership_update(membership=boss, by=boss, expected_version=boss.version, change=_change(boss, role="agent"))
    second = membership_of(make_member(team, Role.MANAGER), team)
    updated = membership_update(
        membership=boss, by=second, expected_version=boss.version, change=_change(boss, role="lead")
    )
    assert updated.role == Role.LEAD


@pytest.mark.django_db
def test_stale_write_is_refused_and_keeps_the_newer_values(team, make_member, membership_of):
    lead = membership_of(make_member(team, Role.LEAD), team)
    agent = membership_of(make_member(team, Role.AGENT), team)
    opened_at = agent.version
    membership_update(membership=agent, by=lead, expected_version=opened_at, change=_change(agent, capacity=30))
    with pytest.raises(StaleEdit) as refused:
        membership_update(membership=agent, by=lead, expected_version=opened_at, change=_change(agent, capacity=5))
    assert refused.value.current.capacity == 30
    agent.refresh_from_db()
    assert agent.capacity == 30
