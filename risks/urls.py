from django.urls import path

from risks import views

app_name = "risks"

urlpatterns = [
    path("risks/", views.risk_list, name="list"),
    path("risks/new/", views.risk_new, name="new"),
    path("risks/cadence/", views.cadence, name="cadence"),
    path("risks/overdue/", views.overdue_reviews, name="overdue-reviews"),
    path("risks/<int:pk>/", views.risk_detail, name="detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="edit"),
    path("risks/<int:pk>/review/", views.risk_review, name="review"),
    path("risks/<int:pk>/occurred/", views.risk_occurred, name="occurred"),
    path("risks/<int:pk>/mitigations/new/", views.mitigation_new, name="mitigation-new"),
    path("risks/<int:pk>/mitigations/link/", views.mitigation_link, name="mitigation-link"),
    path("risks/<int:pk>/mitigations/<int:ticket>/unlink/", views.mitigation_unlink, name="mitigation-unlink"),
    path("risks/<int:pk>/triggers/new/", views.trigger_new, name="trigger-new"),
    path("risks/<int:pk>/triggers/<int:trigger>/delete/", views.trigger_delete, name="trigger-delete"),
    path("projects/<int:pk>/risks/", views.project_risks, name="project-risks"),
]
