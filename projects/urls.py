from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/costs/", views.cost_add, name="cost-add"),
    path("projects/<int:pk>/stakeholders/", views.stakeholder_add, name="stakeholder-add"),
    path("projects/<int:pk>/updates/", views.update_post, name="update-post"),
]
