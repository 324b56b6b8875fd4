"""The service's own details, printed on every document a trust files (issue 16): the consent PDF
and the discharge sheet. One row, edited in the admin, with its history kept so a document rendered
again for an old event shows the details as they stood then.

Not a clinical record (no version check, no patient): configuration, like the rules table.
"""

from __future__ import annotations

import base64

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

# A UK telephone number as printed for patients: digits, spaces and an optional leading +.
phone_number = RegexValidator(
    r"^\+?[0-9][0-9 ]{6,18}[0-9]$", "Enter a telephone number: digits and spaces, for example 020 7946 0000."
)

LOGO_MAX_BYTES = 512 * 1024
# The logo goes into PDFs as a data: URI (the PDF renderer fetches nothing else): PNG or JPEG only.
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_media_type(head: bytes) -> str | None:
    for magic, media_type in LOGO_TYPES.items():
        if head.startswith(magic):
            return media_type
    return None


def validate_logo(upload) -> None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if logo_media_type(head) is None:
        raise ValidationError("The logo must be a PNG or JPEG image.")
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError("The logo must be at most 512 KB.")


class ServiceSettings(models.Model):
    """The one row of service details. `singleton` is always 1 and unique, so the database itself
    refuses a second row, whatever the timing."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    trust_name = models.CharField(
        "trust name", max_length=200, help_text="As on the trust's headed paper, e.g. 'Northtown Hospitals NHS Trust'."
    )
    unit_name = models.CharField(
        "unit name", max_length=200, help_text="The department patients call, e.g. 'Interventional Radiology Day Unit'."
    )
    address = models.TextField(help_text="Postal address of the unit, one line per line of the address.")
    day_phone = models.CharField(
        "telephone in working hours",
        max_length=25,
        validators=[phone_number],
        help_text="Printed on the discharge sheet: the number a patient rings in working hours.",
    )
    day_hours = models.CharField(
        "working hours",
        max_length=60,
        default="Monday to Friday, 8am to 6pm",
        help_text="When the working-hours number is answered.",
    )
    night_phone = models.CharField(
        "telephone out of hours",
        max_length=25,
        validators=[phone_number],
        help_text="Evenings, nights and weekends (for example the on-call radiology registrar via switchboard).",
    )
    logo = models.FileField(
        upload_to="service/", blank=True, validators=[validate_logo], help_text="PNG or JPEG, at most 512 KB."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "service settings"
        verbose_name_plural = "service settings"
        constraints = [models.CheckConstraint(condition=Q(singleton=1), name="service_settings_single_row")]

    def __str__(self) -> str:
        return f"{self.unit_name}, {self.trust_name}" if self.pk else "Service settings (not set)"

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]

    def logo_data_url(self) -> str | None:
        """The logo as a data: URI for the PDF renderer, or None when there is none (or the file is
        gone from storage: a document still renders, without the logo)."""
        if not self.logo:
            return None
        try:
            with self.logo.open("rb") as handle:
                data = handle.read(LOGO_MAX_BYTES + 1)
        except (FileNotFoundError, OSError):
            return None
        media_type = logo_media_type(data[:8])
        if media_type is None:
            return None
        return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"

    @classmethod
    def current(cls) -> ServiceSettings:
        """The settings in force; an unsaved blank row when none has been entered (never written on
        a read). Documents print what is set and leave out what is not."""
        return cls.objects.first() or cls()

    @classmethod
    def as_of(cls, when) -> ServiceSettings:
        """The settings as they stood at `when` (the event a document records), from the history."""
        return cls.history.as_of(when).first() or cls.current()
