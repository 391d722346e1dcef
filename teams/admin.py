from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from teams.models import Holiday, Membership, Team, User, WorkingHours


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    pass


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    exclude = ["version"]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, WorkingHoursInline, HolidayInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "capacity"]
    list_filter = ["team", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    exclude = ["version"]
