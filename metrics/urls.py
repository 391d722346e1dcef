from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("dashboard/definitions/", views.definitions, name="definitions"),
    path("dashboard/<slug:table>.csv", views.dashboard_csv, name="csv"),
    path("goals/new/", views.goal_new, name="goal-new"),
    path("goals/<int:pk>/", views.goal_detail, name="goal"),
    path("goals/<int:pk>/status/", views.goal_status, name="goal-status"),
    path("projects/<int:pk>/goals/", views.project_goals, name="project-goals"),
]
