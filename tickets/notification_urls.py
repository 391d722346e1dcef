"""A person's notifications: outside any team, under ``/notifications/``."""

from django.urls import path

from tickets.views import notifications

app_name = "notifications"

urlpatterns = [
    path("", notifications.notifications_page, name="list"),
    path("bell/", notifications.notification_bell, name="bell"),
    path("read/", notifications.notifications_read_all, name="read-all"),
    path("<int:pk>/read/", notifications.notification_read, name="read"),
]
