from django.contrib import admin

from planning.models import Sprint, SprintChange


@admin.register(Sprint)
class SprintAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "state", "start_date", "end_date", "committed_points"]
    list_filter = ["state", "team"]


@admin.register(SprintChange)
class SprintChangeAdmin(admin.ModelAdmin):
    list_display = ["sprint", "ticket", "kind", "reason", "at", "points"]
    list_filter = ["kind", "reason"]
