from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("team/", views.team_detail, name="detail"),
    path("team/members/<int:pk>/", views.member_row, name="member-row"),
    path("team/members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("team/calendar/", views.calendar_edit, name="calendar"),
    path("team/calendar/holidays/", views.holiday_create, name="holiday-add"),
    path("team/calendar/holidays/<int:pk>/remove/", views.holiday_delete, name="holiday-remove"),
    path("team/calendar/holidays/prefill/", views.holidays_prefill_view, name="holidays-prefill"),
]
