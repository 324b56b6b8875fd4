"""Forms of the stages before the procedure: suitability, MRI review (+ per-level findings) and
pre-assessment (+ allergies and antithrombotic medicines).

Field rules live on the models (validators, clean(), constraints); these forms add the layout, the
multiple-choice widgets for the list fields, and the checks that span a form and its rows.
"""

from __future__ import annotations

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from pathway.forms import DateInput, VersionedModelForm
from pathway.models import (
    ABSOLUTE_CONTRAINDICATIONS,
    CONSERVATIVE_FAILURE_REASONS,
    RELATIVE_CONTRAINDICATIONS,
    SEDATION_RISK_FACTORS,
    Allergy,
    AntithromboticMedicine,
    Level,
    MriLevelFinding,
    MriScan,
    PreAssessment,
    SuitabilityAssessment,
)


def _checkboxes(choices, label: str, required: bool = False) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices, label=label, required=required, widget=forms.CheckboxSelectMultiple
    )


class SuitabilityAssessmentForm(VersionedModelForm):
    suspected_levels = _checkboxes(Level.choices, "Suspected levels", required=True)
    conservative_failure_reasons = _checkboxes(CONSERVATIVE_FAILURE_REASONS, "Why conservative treatment failed")
    absolute_contraindications = _checkboxes(ABSOLUTE_CONTRAINDICATIONS, "Absolute contraindications")
    relative_contraindications = _checkboxes(RELATIVE_CONTRAINDICATIONS, "Relative contraindications")

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
        self.fields["pain_score"].widget.attrs.update(min=0, max=10)


class MriScanForm(VersionedModelForm):
    class Meta:
        model = MriScan
        fields = ["modality", "safety_screen_done", "scanned_on", "accession_number", "reported_by", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 4})}


class MriLevelFindingForm(forms.ModelForm):
    class Meta:
        model = MriLevelFinding
        fields = [
            "level",
            "oedema",
            "t1_signal",
            "height_loss_pct",
            "posterior_wall",
            "retropulsion_mm",
            "canal_compromise_pct",
            "intravertebral_cleft",
            "cortical_disruption",
            "malignancy_features",
            "concordant_with_exam",
        ]


class RowsFormSet(BaseInlineFormSet):
    """Inline rows of a clinical record. Rows are never deleted: a removed row is kept and flagged
    entered in error by the save service (pathway.services.save_rows)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove (entered in error)"

    def filled_forms(self) -> list[forms.Form]:
        """Rows that are (or will be) on the record: saved or typed in, and not being removed."""
        return [
            f
            for f in self.forms
            if (f.has_changed() or f.instance.pk) and not (self.can_delete and self._should_delete_form(f))
        ]


class MriLevelFindingFormSet(RowsFormSet):
    def clean(self):
        super().clean()
        seen: dict[str, int] = {}
        for form in self.filled_forms():
            level = form.cleaned_data.get("level") if hasattr(form, "cleaned_data") else None
            if not level:
                continue
            if level in seen:
                form.add_error("level", f"{level} is recorded twice; record each level once.")
            seen[level] = 1
        if not any(f.cleaned_data.get("level") for f in self.filled_forms() if hasattr(f, "cleaned_data")):
            raise forms.ValidationError("Record the findings of at least one level.")

    def validate_unique(self):
        # Duplicated levels are reported on the row by clean(), in words.
        return None


MriLevelFindingInlineFormSet = inlineformset_factory(
    MriScan,
    MriLevelFinding,
    form=MriLevelFindingForm,
    formset=MriLevelFindingFormSet,
    extra=3,
    can_delete=False,
    max_num=len(Level.values),
)


class PreAssessmentForm(VersionedModelForm):
    sedation_risk_factors = _checkboxes(SEDATION_RISK_FACTORS, "Sedation risk factors")
    # Kept on Pathway.planned_procedure_on; the save service updates both in one transaction.
    planned_procedure_on = forms.DateField(
        label="Planned procedure date",
        required=False,
        widget=DateInput(),
        help_text="The anticoagulant plan and the validity of each blood result are worked out from this date.",
    )

    class Meta:
        model = PreAssessment
        fields = [
            "assessed_on",
            "planned_procedure_on",
            "hb_g_l",
            "hb_sampled_on",
            "platelets",
            "platelets_sampled_on",
            "platelet_correction_plan",
            "inr",
            "inr_sampled_on",
            "creatinine_umol_l",
            "egfr",
            "renal_sampled_on",
            "weight_kg",
            "asa_grade",
            "ecg_done",
            "ecg_on",
            "ecg_result",
            "sedation_risk_factors",
            "fasting_instructions_given",
            "no_known_allergies",
            "no_antithrombotics",
            "recent_coronary_stent",
            "medicines_reconciled",
            "diabetic_plan",
            "pregnancy_status",
            "breastfeeding",
            "capacity_concern",
            "capacity_concern_details",
            "interpreter_required",
            "interpreter_language",
            "communication_needs",
            "can_lie_prone",
            "escort_confirmed",
            "transport_home_arranged",
        ]
        widgets = {
            field: forms.Textarea(attrs={"rows": 2})
            for field in (
                "platelet_correction_plan",
                "diabetic_plan",
                "capacity_concern_details",
                "communication_needs",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pathway = self.instance.pathway
        self.initial.setdefault("planned_procedure_on", self.pathway.planned_procedure_on)

    def clean_planned_procedure_on(self):
        planned = self.cleaned_data.get("planned_procedure_on")
        if planned and planned != self.pathway.planned_procedure_on and planned < timezone.localdate():
            raise forms.ValidationError("The planned procedure date is in the past.")
        if planned and planned < self.pathway.referral_received_on:
            raise forms.ValidationError("The procedure cannot be planned before the referral date.")
        return planned

    def clean(self):
        cleaned = super().clean()
        if "planned_procedure_on" in cleaned:
            # The model's clean() checks sample dates against the date being saved.
            self.pathway.planned_procedure_on = cleaned["planned_procedure_on"]
        return cleaned

    def check_rows(self, formsets: dict) -> bool:
        """Cross-checks between this form and its rows: an explicit 'none' contradicts listed rows."""
        allergies = formsets["allergies"].filled_forms()
        medicines = formsets["medicines"].filled_forms()
        if self.cleaned_data.get("no_known_allergies") and allergies:
            self.add_error("no_known_allergies", "Allergies are listed below: untick this, or remove them.")
        if self.cleaned_data.get("no_antithrombotics") and medicines:
            self.add_error("no_antithrombotics", "Medicines are listed below: untick this, or remove them.")
        return not self.errors


class AllergyForm(forms.ModelForm):
    class Meta:
        model = Allergy
        fields = ["allergen", "details", "reaction", "severity"]


class AntithromboticMedicineForm(forms.ModelForm):
    class Meta:
        model = AntithromboticMedicine
        fields = ["drug", "other_drug_name", "dose", "indication", "clinician_plan"]
        widgets = {"clinician_plan": forms.Textarea(attrs={"rows": 2})}


AllergyInlineFormSet = inlineformset_factory(
    PreAssessment, Allergy, form=AllergyForm, formset=RowsFormSet, extra=2, can_delete=True
)
AntithromboticMedicineInlineFormSet = inlineformset_factory(
    PreAssessment,
    AntithromboticMedicine,
    form=AntithromboticMedicineForm,
    formset=RowsFormSet,
    extra=2,
    can_delete=True,
)
