from django.urls import path

from tickets.views import board

app_name = "tickets"

urlpatterns = [
    # Board
    path("board/", board.board, name="board"),
    path("backlog/", board.backlog, name="backlog"),
    # Tickets: list, detail, forms, bulk edit, comments
    # Routing rules
]
