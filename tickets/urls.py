from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("backlog/", views.backlog, name="backlog"),
]
