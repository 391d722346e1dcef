from django.urls import path

from tickets.views import accounts, board, deliverables, labels, routing, saved_views, ticket
from tickets.views import sla_policies as sla_views

app_name = "tickets"

urlpatterns = [
    # A project deliverable done through a ticket (from the project's plan page)
    path("deliverables/<int:deliverable_id>/ticket/", deliverables.deliverable_link, name="deliverable-link"),
    # Board
    path("board/", board.board, name="board"),
    path("board/move/", board.board_move, name="board-move"),
    path("board/columns/<int:column_id>/more/", board.board_more, name="board-more"),
    path("board/settings/", board.board_settings, name="board-settings"),
    path("projects/<int:project_id>/board/", board.board, name="project-board"),
    path("projects/<int:project_id>/board/move/", board.board_move, name="project-board-move"),
    path("projects/<int:project_id>/board/columns/<int:column_id>/more/", board.board_more, name="project-board-more"),
    path("projects/<int:project_id>/board/settings/", board.board_settings, name="project-board-settings"),
    path("views/", saved_views.view_create, name="view-create"),
    path("views/<int:pk>/delete/", saved_views.view_delete, name="view-delete"),
    # Tickets: list, detail, forms, bulk edit, comments
    path("tickets/", ticket.ticket_list, name="list"),
    path("tickets/new/", ticket.ticket_create, name="create"),
    path("tickets/bulk/", ticket.ticket_bulk, name="bulk"),
    path("tickets/<int:number>/", ticket.ticket_detail, name="detail"),
    path("tickets/<int:number>/edit/", ticket.ticket_edit, name="edit"),
    path("tickets/<int:number>/comments/", ticket.ticket_comment, name="comment"),
    path("tickets/<int:number>/follow/", ticket.ticket_follow, name="follow"),
    # Routing rules
    path("routing/", routing.routing_page, name="routing"),
    path("routing/new/", routing.routing_create, name="routing-create"),
    path("routing/<int:pk>/", routing.routing_rule, name="routing-rule"),
    path("routing/<int:pk>/edit/", routing.routing_edit, name="routing-edit"),
    path("routing/<int:pk>/active/", routing.routing_active, name="routing-active"),
    path("routing/<int:pk>/move/", routing.routing_move, name="routing-move"),
    path("routing/<int:pk>/delete/", routing.routing_delete, name="routing-delete"),
    # SLA policies
    path("sla/", sla_views.sla_policies_page, name="sla-policies"),
    path("sla/new/", sla_views.sla_policy_create, name="sla-policy-create"),
    path("sla/<int:pk>/", sla_views.sla_policy_row, name="sla-policy"),
    path("sla/<int:pk>/edit/", sla_views.sla_policy_edit, name="sla-policy-edit"),
    path("sla/<int:pk>/active/", sla_views.sla_policy_active, name="sla-policy-active"),
    path("sla/<int:pk>/move/", sla_views.sla_policy_move, name="sla-policy-move"),
    path("sla/<int:pk>/delete/", sla_views.sla_policy_delete, name="sla-policy-delete"),
    path("labels/", labels.labels_page, name="labels"),
    path("labels/new/", labels.label_create, name="label-create"),
    path("labels/<int:pk>/", labels.label_row, name="label-row"),
    path("labels/<int:pk>/edit/", labels.label_edit, name="label-edit"),
    path("labels/<int:pk>/delete/", labels.label_delete, name="label-delete"),
    path("accounts/", accounts.accounts_page, name="accounts"),
    path("accounts/new/", accounts.account_create, name="account-create"),
    path("accounts/<int:pk>/", accounts.account_row, name="account-row"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account-edit"),
]
