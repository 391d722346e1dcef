from django.urls import path

from tickets.views import board

app_name = "tickets"

urlpatterns = [
    # Board
    path("board/", board.board, name="board"),
    path("board/move/", board.board_move, name="board-move"),
    path("board/columns/<int:column_id>/more/", board.board_more, name="board-more"),
    path("projects/<int:project_id>/board/", board.board, name="project-board"),
    path("projects/<int:project_id>/board/move/", board.board_move, name="project-board-move"),
    path("projects/<int:project_id>/board/columns/<int:column_id>/more/", board.board_more, name="project-board-more"),
    path("backlog/", board.backlog, name="backlog"),
    # Tickets: list, detail, forms, bulk edit, comments
    # Routing rules
]
