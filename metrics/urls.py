from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("dashboard/definitions/", views.definitions, name="definitions"),
    path("dashboard/<slug:table>.csv", views.dashboard_csv, name="csv"),
]
