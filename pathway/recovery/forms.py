"""Recovery forms: the recovery record, an observation set (NEWS2), the discharge (domain.md 7)."""

from __future__ import annotations

from django import forms

from accounts import roles
from pathway.core.forms import DateTimeInput, VersionedModelForm, clinicians
from pathway.recovery.models import Escalation, LegReview, ObservationSet, Recovery
from pathway.validators import bound_to_pain_scale


class RecoveryForm(VersionedModelForm):
    class Meta:
        model = Recovery
        fields = [
            "arrived_at",
            "bed_rest_started_at",
            "bed_rest_ended_at",
            "first_mobilised_at",
            "pain_controlled",
            "mobilised_safely",
            "puncture_site_dry",
            "responsible_adult_confirmed",
            "overnight_stay",
            "overnight_reason",
            "overnight_details",
            "advice_no_driving",
            "advice_adult_overnight",
            "advice_no_aspirin",
            "advice_painkillers",
            "advice_anticoagulants",
            "advice_warning_signs",
            "advice_contact",
            "advice_bone_health",
            "advice_follow_up",
        ]
        widgets = {"overnight_details": forms.Textarea(attrs={"rows": 2})}

    @property
    def advice_changed(self) -> bool:
        return any(name.startswith("advice_") for name in self.changed_data)


class ObservationSetForm(VersionedModelForm):
    class Meta:
        model = ObservationSet
        fields = [
            "taken_at",
            "respiration_rate",
            "spo2",
            "spo2_scale",
            "on_oxygen",
            "oxygen_l_min",
            "systolic_bp",
            "diastolic_bp",
            "pulse",
            "consciousness",
            "temperature_c",
            "pain_nrs",
            "left_leg_power",
            "right_leg_power",
            "left_leg_sensation",
            "right_leg_sensation",
            "puncture_site",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_to_pain_scale(self.fields["pain_nrs"])


class DischargeForm(forms.Form):
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason (consultants only, when a criterion is not met)",
    )


class EscalationForm(VersionedModelForm):
    """Closing a NEWS2 escalation: who was called, when, and the outcome (RCP Chart 4 [A][R70])."""

    class Meta:
        model = Escalation
        fields = ["called_who", "called_at", "outcome", "outcome_notes"]
        widgets = {"outcome_notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("called_who", "called_at", "outcome"):
            self.fields[name].required = True


class LegReviewForm(forms.ModelForm):
    """The doctor's review after the legs fell below the baseline (domain.md 7.2)."""

    class Meta:
        model = LegReview
        fields = ["reviewed_by", "reviewed_at", "outcome", "findings"]
        widgets = {"findings": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewed_by"].queryset = clinicians(roles.RECORD_PROCEDURE)
        self.fields["reviewed_at"].widget = DateTimeInput()
