"""Model fields shared by the stages' records."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def staff_user_field(verbose_name: str) -> models.ForeignKey:
    """The user behind a member of staff named on a record (issue 16: chosen from the staff list);
    the record's text field keeps the printed name, and this is empty for someone not on the system."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=verbose_name,
    )
