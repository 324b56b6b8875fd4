from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import ROLE_BY_NAME


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Clinical", {"fields": ("job_title", "registration_number", "grade")}),
    )
    list_display = ("username", "first_name", "last_name", "job_title", "grade", "is_active")
    list_filter = (*BaseUserAdmin.list_filter, "grade")


class RoleGroupAdmin(GroupAdmin):
    """The role groups of accounts/roles.py are kept by sync_roles: never deleted or renamed here."""

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.name in ROLE_BY_NAME:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "name") if obj is not None else readonly

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.exclude(name__in=ROLE_BY_NAME))


admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
