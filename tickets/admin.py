from django.contrib import admin
from django.http import HttpRequest

from tickets.models import Account, Board, Column, Comment, Label, RoutingRule, Ticket, TicketEvent


class ColumnInline(admin.TabularInline):
    model = Column
    extra = 0


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "project", "wip_per_agent"]
    list_select_related = ["team", "project"]
    inlines = [ColumnInline]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "tier"]
    list_filter = ["team", "tier"]
    search_fields = ["name"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "colour"]
    list_filter = ["team"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets to look at and, for spam, to delete: they are created and edited in the app.

    An edit here would skip what the app's services keep: WIP limits, SLA
    clocks (and the sweep marks of due times moved earlier), the history of
    changes, and the version that refuses stale edits.
    """

    list_display = ["number", "title", "team", "status", "priority", "assignee", "created_at"]
    list_filter = ["team", "status", "priority", "kind", "channel"]
    list_select_related = ["team", "assignee"]
    search_fields = ["title", "requester_email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "author", "is_public", "created_at"]
    raw_id_fields = ["ticket", "author"]


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "field", "from_label", "to_label", "actor", "created_at"]
    list_filter = ["field"]
    raw_id_fields = ["ticket", "actor"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "order", "is_active"]
    list_filter = ["team"]
