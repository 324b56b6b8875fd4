"""Admin building blocks shared by the apps: clinical rows are read-only in the admin (every write
goes through the services), and pending configuration changes are decided by admin actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, never add, change or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DecidedChangeAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """A list of pending changes (a rule's value, a risk's frequency) that a second consultant
    approves or rejects with the admin actions; `approve_change` and `reject_change` are the
    governance services (keyword-only `acting_user`, `change`)."""

    actions = ["approve", "reject"]
    approve_change = None
    reject_change = None

    def _decide(self, request, queryset, decide, verb) -> None:
        for change in queryset:
            try:
                decide(acting_user=request.user, change=change)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, f"{change}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
            else:
                messages.success(request, f"{change}: {verb}.")

    @admin.action(description="Approve the selected changes (a second consultant)")
    def approve(self, request, queryset):
        self._decide(request, queryset, type(self).approve_change, "approved and applied")

    @admin.action(description="Reject the selected changes")
    def reject(self, request, queryset):
        self._decide(request, queryset, type(self).reject_change, "rejected")
