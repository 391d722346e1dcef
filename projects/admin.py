from django.contrib import admin

from projects.models import Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "framework", "status"]
    list_filter = ["team", "framework", "status"]
    search_fields = ["name"]
