"""Interoperability: API tokens of referring systems, the referrals they sent, and the GP letter
stored at the discharge (docs/architecture.md: interop sits above pathway and consent).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pathway.core.models import Pathway, ReferrerType, StoredDocument
from pathway.core.querysets import NoHardDeleteQuerySet


class ApiTokenQuerySet(NoHardDeleteQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A referring system's bearer token. Only its SHA-256 is stored: the token itself is printed
    once by `create_api_token` and cannot be read back. Revoked in the admin, never deleted (the
    referrals it brought keep pointing at it)."""

    system_name = models.CharField(max_length=100)
    # The user every write made with this token is recorded as: one per system, with no password
    # and only the role "Referring system" (accounts/roles.py), so it can never sign in.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, so a person can tell tokens apart without the secret.
    prefix = models.CharField(max_length=8, editable=False)
    referrer_type = models.CharField(max_length=20, choices=ReferrerType.choices, default=ReferrerType.GP)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["system_name", "-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.system_name} ({self.prefix}..., {state})"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("API tokens are revoked, never deleted.")


class InboundReferral(models.Model):
    """A referral received as a FHIR ServiceRequest, by its identifier. The database allows one row
    per identifier, so the same referral sent again (a retry, two at once) finds the first pathway."""

    identifier_system = models.CharField(max_length=255)
    identifier_value = models.CharField(max_length=255)
    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="inbound_referral")
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="referrals")
    received_at = models.DateTimeField(default=timezone.now)

    objects = NoHardDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier_system", "identifier_value"], name="inbound_referral_identifier_once"
            ),
            models.CheckConstraint(
                condition=~Q(identifier_system="") & ~Q(identifier_value=""), name="inbound_referral_identifier_given"
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.identifier_value} -> pathway {self.pathway_id}"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Received referrals are kept with their pathways.")


class GpLetter(StoredDocument):
    """The letter to the GP as rendered at the discharge, stored with its SHA-256 and served as
    stored (design.md 9: reading never writes; the document is made when its event happens)."""

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="gp_letters")
    file = models.FileField(upload_to="gp-letter/%Y/%m/")
    size = models.PositiveIntegerField()

    objects = NoHardDeleteQuerySet.as_manager()
    never_deleted_message = "Stored GP letters are never deleted."

    class Meta(StoredDocument.Meta):
        verbose_name = "GP letter"

    def __str__(self) -> str:
        return f"GP letter of pathway {self.pathway_id} ({self.rendered_at:%Y-%m-%d %H:%M})"
