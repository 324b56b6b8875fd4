"""The suitability assessment form (domain.md 2)."""

from __future__ import annotations

from django import forms

from accounts import roles
from pathway.core.choices import Level
from pathway.core.forms import StaffChoiceMixin, StaffField, VersionedModelForm, checkboxes
from pathway.outcomes import ODI_FIELDS, odi_form_fields
from pathway.suitability.models import (
    ABSOLUTE_CONTRAINDICATIONS,
    CONSERVATIVE_FAILURE_REASONS,
    RELATIVE_CONTRAINDICATIONS,
    SuitabilityAssessment,
)
from pathway.validators import bound_to_pain_scale

BASELINE_FIELDS = ["baseline_pain_rest", "baseline_pain_activity", "disability_instrument", *ODI_FIELDS, "rmdq_score"]


class SuitabilityAssessmentForm(StaffChoiceMixin, VersionedModelForm):
    # The MDT's radiologist from the staff list, or one from another trust; the surgeon and the
    # oncologist are not users of this system, so their names stay typed.
    staff_fields = (StaffField("mdt_radiologist", "mdt_radiologist_user", (roles.RECORD_SUITABILITY,)),)
    suspected_levels = checkboxes(Level.choices, "Suspected levels", required=True)
    conservative_failure_reasons = checkboxes(CONSERVATIVE_FAILURE_REASONS, "Why conservative treatment failed")
    absolute_contraindications = checkboxes(ABSOLUTE_CONTRAINDICATIONS, "Absolute contraindications")
    relative_contraindications = checkboxes(RELATIVE_CONTRAINDICATIONS, "Relative contraindications")

    class Meta:
        model = SuitabilityAssessment
        fields = [
            "assessed_on",
            "pain_score",
            "pain_at_level_on_exam",
            "exam_findings",
            "suspected_levels",
            "conservative_treatment",
            "conservative_failure_reasons",
            "mobility",
            "neuro_exam",
            "neuro_exam_details",
            "absolute_contraindications",
            "relative_contraindications",
            "relative_justification",
            "mdt_on",
            "mdt_radiologist",
            "mdt_spinal_surgeon",
            "mdt_oncologist",
            "spinal_surgery_access",
            "bone_health_plan",
            "bone_health_details",
            "outcome",
            "outcome_notes",
            # The outcome baseline (domain.md 8.2), measured again at the 4-week follow-up.
            *BASELINE_FIELDS,
        ]
        widgets = {
            field: forms.Textarea(attrs={"rows": 2})
            for field in (
                "exam_findings",
                "conservative_treatment",
                "neuro_exam_details",
                "relative_justification",
                "bone_health_details",
                "outcome_notes",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pain_score", "baseline_pain_rest", "baseline_pain_activity"):
            bound_to_pain_scale(self.fields[name])
        # Each ODI section shows its statements (issue 16); the stored answer is still the score 0-5.
        self.fields.update(odi_form_fields())
        self.setup_staff_fields()

    def clean(self):
        cleaned = super().clean()
        self.clean_staff_fields(cleaned)
        return cleaned
