from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Clinical", {"fields": ("job_title", "registration_number")}),
    )
    list_display = ("username", "first_name", "last_name", "job_title", "is_active")
