from django.contrib import admin

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
    list_display = ["number", "title", "team", "status", "priority", "assignee", "created_at"]
    list_filter = ["team", "status", "priority", "kind", "channel"]
    search_fields = ["title", "requester_email"]
    raw_id_fields = ["assignee", "account", "project"]
    readonly_fields = ["description_html", "version", "first_response_at", "resolved_at"]


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
