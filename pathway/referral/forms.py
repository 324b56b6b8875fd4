"""The referral form (domain.md 2.3)."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from accounts.roles import RECORD_CONSENT
from pathway.core.forms import VersionedModelForm
from pathway.core.models import Pathway


class ReferralForm(VersionedModelForm):
    """The referral stage's form: the pathway's own referral fields (domain.md 2.3)."""

    class Meta:
        model = Pathway
        fields = [
            "referral_received_on",
            "referrer_type",
            "referrer_name",
            "referrer_organisation",
            "aetiology",
            "priority",
            "symptom_onset_on",
            "responsible_consultant",
            "planned_procedure_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        app_label, codename = RECORD_CONSENT.split(".")

        self.fields["responsible_consultant"].queryset = User.objects.filter(
            is_active=True,
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        ).distinct()
        self.fields["planned_procedure_on"].help_text = "Leave blank until the procedure is listed."

    def clean(self):
        cleaned = super().clean()
        referral = cleaned.get("referral_received_on")
        onset = cleaned.get("symptom_onset_on")
        planned = cleaned.get("planned_procedure_on")
        if referral and onset and onset > referral:
            self.add_error("symptom_onset_on", "Symptom onset cannot be after the referral was received.")
        if planned and referral and planned < referral:
            self.add_error("planned_procedure_on", "The procedure cannot be planned before the referral date.")
        if planned and not self.instance.pk and planned < timezone.localdate():
            self.add_error("planned_procedure_on", "The planned procedure date is in the past.")
        return cleaned
