from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_sign_in_with_the_login_page_lands_on_the_board(client, team, make_member):
    user = make_member(team, Role.AGENT, username="ana")
    response = client.post(reverse("login"), {"username": "ana", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("tickets:board", args=[team.slug])
    assert response.context["user"] == user


@pytest.mark.django_db
def test_wrong_password_is_explained(client, team, make_member):
    make_member(team, Role.AGENT, username="ana")
    response = client.post(reverse("login"), {"username": "ana", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failures_lock_the_sign_in_even_with_the_right_password(client, team, make_member, settings):
    make_member(team, Role.AGENT, username="ana")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ana", "password": "guess"})
    locked = client.post(reverse("login"), {"username": "ana", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_other_users_are_not_locked_by_someone_elses_failures(client, team, make_member, settings):
    make_member(team, Role.AGENT, username="ana")
    make_member(team, Role.AGENT, username="ben")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ana", "password": "guess"})
    response = client.post(reverse("login"), {"username": "ben", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_sign_out_needs_post_and_ends_the_session(team, make_member, login):
    client = login(make_member(team))
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(reverse("tickets:board", args=[team.slug])).status_code == 302


@pytest.mark.django_db
def test_password_change(client, team, make_member):
    make_member(team, username="ana")
    client.post(reverse("login"), {"username": "ana", "password": PASSWORD})
    bad = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert bad.status_code == 200
    assert "This password is too short" in bad.content.decode()
    new = "a-much-longer-passphrase-41"
    good = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert good["Location"] == reverse("password_change_done")
    client.post(reverse("logout"))
    assert client.post(reverse("login"), {"username": "ana", "password": new}).status_code == 302


def _try(client, username: str, password: str, address: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_guessing_one_account_from_many_addresses_is_slowed_but_its_owner_still_signs_in(
    client, team, make_member, settings
):
    make_member(team, Role.AGENT, username="ana")
    assert _try(client, "ana", PASSWORD, "10.0.0.1").status_code == 302  # her usual address
    client.post(reverse("logout"))
    for i in range(settings.LOGIN_ACCOUNT_FAILURES):  # one guess each from many addresses: axes alone never locks
        assert _try(client, "ana", f"guess-{i}", f"203.0.113.{i + 1}").status_code == 200
    refused = _try(client, "ana", PASSWORD, "198.51.100.7")  # the right password, from a new place
    assert refused.status_code == 429
    assert "many wrong passwords from different places" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert _try(client, "ana", PASSWORD, "10.0.0.1").status_code == 302, "the owner, where she signed in before"


@pytest.mark.django_db
def test_the_account_lock_ends_by_itself(client, team, make_member, settings):
    from axes.models import AccessFailureLog

    make_member(team, Role.AGENT, username="ana")
    for i in range(settings.LOGIN_ACCOUNT_FAILURES):
        _try(client, "ana", f"guess-{i}", f"203.0.113.{i + 1}")
    assert _try(client, "ana", PASSWORD, "198.51.100.7").status_code == 429
    # The lock lasts LOGIN_ACCOUNT_LOCK_MINUTES after the latest wrong password, not longer.
    lock = timedelta(minutes=settings.LOGIN_ACCOUNT_LOCK_MINUTES)
    AccessFailureLog.objects.update(attempt_time=timezone.now() - lock)
    assert _try(client, "ana", PASSWORD, "198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_is_refused(client, team, make_member, settings):
    make_member(team, Role.AGENT, username="ben")
    for i in range(settings.LOGIN_ADDRESS_FAILURES):  # a different username each time: axes alone never locks
        assert _try(client, f"user{i}", "guess", "192.0.2.9").status_code == 200
    refused = _try(client, "ben", PASSWORD, "192.0.2.9")
    assert refused.status_code == 429 and "from your network" in refused.content.decode()
    assert _try(client, "ben", PASSWORD, "192.0.2.10").status_code == 302, "other addresses are not affected"


@pytest.mark.django_db
def test_old_sign_in_records_are_pruned_and_recent_ones_kept(client, team, make_member):
    from axes.models import AccessFailureLog, AccessLog

    from supportpm.tasks import prune_sign_in_records

    make_member(team, Role.AGENT, username="ana")
    _try(client, "ana", "guess", "203.0.113.1")
    _try(client, "ana", PASSWORD, "203.0.113.1")
    AccessFailureLog.objects.create(username="ana", ip_address="203.0.113.9", user_agent="", http_accept="",
                                    path_info="/accounts/login/")  # fmt: skip
    AccessFailureLog.objects.filter(ip_address="203.0.113.9").update(attempt_time=timezone.now() - timedelta(days=3))
    assert prune_sign_in_records() == {"failures": 1, "sign_ins": 0}
    assert AccessFailureLog.objects.count() == 1 and AccessLog.objects.count() == 1
