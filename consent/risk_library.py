"""The risk library and the leaflet versions, edited in the admin (domain.md 5.4; design.md 6).

What was explained to a patient is a snapshot on the consent (consent.models.ExplainedRisk), so an
edit here never rewrites a signed consent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pathway.core.models import ApprovedChange
from pathway.models import NoHardDeleteQuerySet


class FrequencyBand(models.TextChoices):
    """EU verbal descriptors of frequency (domain.md 5.4 [R65])."""

    VERY_COMMON = "very_common", "very common (1 in 10 or more)"
    COMMON = "common", "common (1 in 100 to 1 in 10)"
    UNCOMMON = "uncommon", "uncommon (1 in 1,000 to 1 in 100)"
    RARE = "rare", "rare (1 in 10,000 to 1 in 1,000)"
    VERY_RARE = "very_rare", "very rare (less than 1 in 10,000)"
    NOT_KNOWN = "not_known", "not known"
    NOT_BANDED = "not_banded", "not a frequency band (see the figures)"


# --- libraries ------------------------------------------------------------------------------------


class RiskQuerySet(NoHardDeleteQuerySet):
    def active(self):
        return self.filter(active=True)

    def with_current_version(self):
        return self.prefetch_related("versions")


class Risk(models.Model):
    """One risk of the library (domain.md 5.4), identified by a stable `code`.

    The wording and frequency live in `RiskVersion` rows: editing a risk adds a version, so what was
    explained to a patient (copied into `ExplainedRisk`) never changes. Complications refer to `Risk`.
    """

    code = models.SlugField(max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive risks are no longer offered on new consents.")
    history = HistoricalRecords()

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        current = self.current_version
        return current.name if current else self.code

    @property
    def current_version(self) -> RiskVersion | None:
        versions = getattr(self, "_prefetched_objects_cache", {}).get("versions")
        if versions is not None:
            return max(versions, key=lambda v: v.number, default=None)
        return self.versions.order_by("-number").first()

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Risks are retired (made inactive), never deleted.")


class RiskVersion(models.Model):
    """The wording and frequency of a risk from a date. Never changed once written."""

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    patient_wording = models.TextField(help_text="What the patient is told, in plain words.")
    frequency_numbers = models.CharField(max_length=200, help_text='In numbers, e.g. "about 1 in 300".')
    frequency_band = models.CharField(max_length=20, choices=FrequencyBand.choices)
    source = models.CharField(max_length=300, help_text="Evidence and reference tags (domain.md 5.4).")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    history = HistoricalRecords()

    objects = NoHardDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["risk", "-number"]
        constraints = [models.UniqueConstraint(fields=["risk", "number"], name="riskversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.name} (version {self.number})"

    @property
    def frequency_words(self) -> str:
        return self.get_frequency_band_display()

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Risk versions are history; they are never deleted.")


class RiskFrequencyChange(ApprovedChange):
    """A proposed new frequency of a risk. A second consultant's approval adds the risk version that
    carries it (consent.governance); until then new consents quote the current frequency."""

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="frequency_changes")
    previous_numbers = models.CharField(max_length=200)
    previous_band = models.CharField(max_length=20, choices=FrequencyBand.choices)
    frequency_numbers = models.CharField(max_length=200, help_text='In numbers, e.g. "about 1 in 300".')
    frequency_band = models.CharField(max_length=20, choices=FrequencyBand.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at"]
        permissions = [("approve_risk_frequency_change", "Can approve a change to a risk's frequency")]

    def __str__(self) -> str:
        return f"{self.risk.code}: {self.frequency_numbers} ({self.get_status_display()})"


class LeafletQuerySet(NoHardDeleteQuerySet):
    def current(self):
        return self.filter(active=True)


class Leaflet(models.Model):
    """A patient information leaflet at one version. A new version is a new row."""

    title = models.CharField(max_length=200)
    version = models.CharField(max_length=30)
    issued_on = models.DateField("version date")
    file = models.FileField(upload_to="leaflets/", blank=True)
    active = models.BooleanField(default=True, help_text="Offered on new consents.")
    history = HistoricalRecords()

    objects = LeafletQuerySet.as_manager()

    class Meta:
        ordering = ["title", "-issued_on"]
        constraints = [models.UniqueConstraint(fields=["title", "version"], name="leaflet_unique_version")]

    def __str__(self) -> str:
        return f"{self.title}, version {self.version} ({self.issued_on:%b %Y})"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Leaflet versions are retired, never deleted.")
