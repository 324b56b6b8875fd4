from django.contrib import admin, messages

from interop import tokens
from interop.models import ApiToken, GpLetter, InboundReferral
from pathway.core.access_log import AccessLoggedAdmin
from pathway.core.admin_base import ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are issued by `create_api_token` (which prints the token once); here they are listed
    and revoked. The token itself is never stored, so it cannot be shown."""

    list_display = ["system_name", "prefix", "referrer_type", "user", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    actions = ["revoke"]

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("interop.change_apitoken")

    @admin.action(
        description="Revoke the selected tokens (the systems can no longer send referrals)",
        permissions=["revoke"],
    )
    def revoke(self, request, queryset):
        count = 0
        for row in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(row)
            count += 1
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)


@admin.register(InboundReferral)
class InboundReferralAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["identifier_value", "identifier_system", "pathway", "api_token", "received_at"]


@admin.register(GpLetter)
class GpLetterAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["pathway", "rendered_at", "rendered_by", "sha256"]
