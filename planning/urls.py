from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("backlog/", views.backlog, name="backlog"),
    path("backlog/move/", views.backlog_move, name="backlog-move"),
    path("sprints/", views.sprint_list, name="sprints"),
    path("sprints/<int:number>/", views.sprint_detail, name="sprint"),
    path("sprints/<int:number>/plan/", views.sprint_plan_move, name="sprint-plan"),
    path("sprints/<int:number>/start/", views.sprint_start, name="sprint-start"),
    path("sprints/<int:number>/edit/", views.sprint_edit, name="sprint-edit"),
    path("sprints/<int:number>/close/", views.sprint_close, name="sprint-close"),
    path("sprints/<int:number>/burndown.csv", views.sprint_csv, name="sprint-csv"),
]
