from __future__ import annotations

import pytest
from django.urls import reverse

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
