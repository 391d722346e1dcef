"""A person's notifications: outside any team, under ``/notifications/``."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notifications_page, name="list"),
    path("bell/", views.notification_bell, name="bell"),
    path("settings/", views.notification_settings, name="settings"),
    path("read/", views.notifications_read_all, name="read-all"),
    path("read-about/", views.notifications_read_about, name="read-about"),
    path("<int:pk>/read/", views.notification_read, name="read"),
]
