from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("team/", views.team_detail, name="detail"),
    path("team/members/<int:pk>/", views.member_row, name="member-row"),
    path("team/members/<int:pk>/edit/", views.member_edit, name="member-edit"),
]
