from django.urls import path

from projects import plan_views, views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/templates/", views.template_list, name="templates"),
    path("projects/templates/new/", views.template_edit, name="template-new"),
    path("projects/templates/<int:template_id>/", views.template_edit, name="template-edit"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/costs/", views.cost_add, name="cost-add"),
    path("projects/<int:pk>/stakeholders/", views.stakeholder_add, name="stakeholder-add"),
    path("projects/<int:pk>/updates/", views.update_post, name="update-post"),
    path("projects/<int:pk>/plan/", plan_views.plan, name="plan"),
    path("projects/<int:pk>/plan/default/", plan_views.phases_default, name="phases-default"),
    path("projects/<int:pk>/plan/phases/", plan_views.phase_add, name="phase-add"),
    path("projects/<int:pk>/plan/phases/<int:phase_id>/replan/", plan_views.phase_replan, name="phase-replan"),
    path(
        "projects/<int:pk>/plan/phases/<int:phase_id>/deliverables/", plan_views.deliverable_add, name="deliverable-add"
    ),
    path("projects/<int:pk>/plan/phases/<int:phase_id>/gate/", plan_views.gate_decide, name="gate-decide"),
    path("projects/<int:pk>/plan/phases/<int:phase_id>/gate/request/", plan_views.gate_request, name="gate-request"),
    path(
        "projects/<int:pk>/plan/deliverables/<int:deliverable_id>/tick/",
        plan_views.deliverable_tick,
        name="deliverable-tick",
    ),
    path(
        "projects/<int:pk>/plan/deliverables/<int:deliverable_id>/waive/",
        plan_views.deliverable_waive,
        name="deliverable-waive",
    ),
    path(
        "projects/<int:pk>/plan/deliverables/<int:deliverable_id>/comments/", plan_views.remark_add, name="remark-add"
    ),
    path("projects/<int:pk>/plan/milestones/", plan_views.milestone_add, name="milestone-add"),
    path("projects/<int:pk>/plan/baselines/", plan_views.baseline_save, name="baseline-save"),
    path("projects/<int:pk>/raci/", plan_views.raci_matrix, name="raci"),
    path("projects/<int:pk>/raci/rows/", plan_views.raci_row_add, name="raci-row-add"),
    path("projects/<int:pk>/raci/rows/<int:row_id>/", plan_views.raci_cycle, name="raci-cycle"),
]
