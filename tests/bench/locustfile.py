"""Bounded load on a local SupportPM (`make run`): demo agents browsing their team, and agents moving cards.

Run by `make loadtest` (both, 20 users, 60 s) and `make loadtest-moves` (movers only, as fast as the
server answers) against http://127.0.0.1:8000 only.
"""

from __future__ import annotations

import random
import re

from locust import HttpUser, between, constant, task

PASSWORD = "supportpm-demo"
AGENTS = ("ana", "ben", "chloe", "leo", "maya")
BOARD = "/t/emea/board/"


def sign_in(user: HttpUser, username: str) -> None:
    page = user.client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    user.client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={"Referer": f"{user.host}/accounts/login/"},
    )


class Agent(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        sign_in(self, AGENTS[id(self) % len(AGENTS)])

    @task(5)
    def board(self) -> None:
        self.client.get(BOARD, name="board")

    @task(2)
    def team(self) -> None:
        self.client.get("/t/emea/team/", name="team")

    @task(1)
    def api_teams(self) -> None:
        self.client.get("/api/teams", name="api teams")


class Mover(HttpUser):
    """An agent dragging cards between To Do and Waiting on customer (no WIP limit on either), back to back."""

    wait_time = constant(0)
    weight = 1

    def on_start(self) -> None:
        sign_in(self, "leo")
        html = self.client.get(BOARD, name="board").text
        cells = dict(re.findall(r'data-column-id="(\d+)" data-column-name="([^"]+)"', html))
        by_name = {name: pk for pk, name in cells.items()}
        self.columns = [by_name["To Do"], by_name["Waiting on customer"]]
        todo = html[html.index(f'data-column-id="{self.columns[0]}"') :]
        self.cards = re.findall(r'data-ticket-id="(\d+)"', todo[: todo.index("</div>", todo.index("card-list"))])[:20]
        self.csrf = self.client.cookies.get("csrftoken", "")
        self.hop = 0

    @task
    def move(self) -> None:
        if not self.cards:
            return
        card = random.choice(self.cards)
        self.hop += 1
        self.client.post(
            f"{BOARD}move/",
            {"ticket": card, "column": self.columns[self.hop % 2]},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf, "Referer": f"{self.host}{BOARD}"},
            name="move",
        )
