"""The 4-week follow-up form (domain.md 8)."""

from __future__ import annotations

from django import forms

from pathway.core.forms import VersionedModelForm
from pathway.follow_up.models import FollowUp, UnscheduledContact
from pathway.outcomes import ODI_FIELDS, odi_form_fields
from pathway.validators import bound_to_pain_scale


class FollowUpForm(VersionedModelForm):
    new_fracture = forms.NullBooleanField(
        label="New vertebral fracture since the procedure",
        widget=forms.Select(choices=[("unknown", "Not asked yet"), ("true", "Yes"), ("false", "No")]),
    )
    complications_since_discharge = forms.NullBooleanField(
        label="Any complication since discharge",
        help_text="Record each one on the complications page.",
        widget=forms.Select(choices=[("unknown", "Not asked yet"), ("true", "Yes"), ("false", "No")]),
    )

    class Meta:
        model = FollowUp
        fields = [
            "reviewed_on",
            "method",
            "pain_rest",
            "pain_activity",
            "disability_instrument",
            *ODI_FIELDS,
            "rmdq_score",
            "analgesic_use",
            "new_fracture",
            "new_fracture_details",
            "complications_since_discharge",
            "bone_health_confirmed",
            "outcome",
            "outcome_notes",
        ]
        widgets = {
            "new_fracture_details": forms.Textarea(attrs={"rows": 2}),
            "outcome_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A review is recorded once it has happened: when, and how.
        for name in ("reviewed_on", "method"):
            self.fields[name].required = True
        for name in ("pain_rest", "pain_activity"):
            bound_to_pain_scale(self.fields[name])
        # Each ODI section shows its statements (issue 16); the stored answer is still the score 0-5.
        self.fields.update(odi_form_fields())

    def full_clean(self):
        """A refused form leaves its record as it was saved. A model form copies every value that
        passed its own field's checks onto the record before the record's checks run; the page then
        works out the ODI and the change in pain from the record, so they must come from valid,
        saved data, never from a half-accepted form."""
        saved = {f.attname: getattr(self.instance, f.attname) for f in self.instance._meta.concrete_fields}
        super().full_clean()
        if self._errors:
            for name, value in saved.items():
                setattr(self.instance, name, value)


class UnscheduledContactForm(VersionedModelForm):
    """A contact that is not the 4-week review (domain.md 8.1)."""

    class Meta:
        model = UnscheduledContact
        fields = ["contacted_on", "method", "reason", "pain_rest", "pain_activity", "notes"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2}), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pain_rest", "pain_activity"):
            bound_to_pain_scale(self.fields[name])
