"""Bounded load on a local SupportPM (`make run`): demo agents browsing their team.

Run by `make loadtest` against http://127.0.0.1:8000 only.
"""

from __future__ import annotations

import re

from locust import HttpUser, between, task

PASSWORD = "supportpm-demo"
AGENTS = ("ana", "ben", "chloe", "leo", "maya")


class Agent(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        username = AGENTS[id(self) % len(AGENTS)]
        self.client.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": f"{self.host}/accounts/login/"},
        )

    @task(5)
    def board(self) -> None:
        self.client.get("/t/emea/board/", name="board")

    @task(2)
    def team(self) -> None:
        self.client.get("/t/emea/team/", name="team")

    @task(1)
    def api_teams(self) -> None:
        self.client.get("/api/teams", name="api teams")
