from django.urls import path

from risks import views

app_name = "risks"

urlpatterns = [
    path("risks/", views.risk_list, name="list"),
]
