"""The pre-assessment form, with its allergy and antithrombotic rows (domain.md 4)."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone

from pathway.core.forms import DateInput, RowsFormSet, VersionedModelForm, checkboxes
from pathway.pre_assessment import pregnancy
from pathway.pre_assessment.models import (
    SEDATION_RISK_FACTORS,
    Allergy,
    AntithromboticMedicine,
    PreAssessment,
    PregnancyStatus,
)

PREGNANCY_FIELDS = ("pregnancy_status", "pregnancy_not_applicable_reason", "breastfeeding")


class PreAssessmentForm(VersionedModelForm):
    sedation_risk_factors = checkboxes(SEDATION_RISK_FACTORS, "Sedation risk factors")
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
            "cardiovascular_disease",
            "renal_disease",
            "diabetes",
            "ecg_done",
            "ecg_on",
            "ecg_result",
            "sedation_risk_factors",
            "anaesthetic_review_on",
            "anaesthetic_reviewer",
            "anaesthetic_review_outcome",
            "anaesthetic_review_notes",
            "fasting_instructions_given",
            "no_known_allergies",
            "no_antithrombotics",
            "recent_coronary_stent",
            "medicines_reconciled",
            "diabetic_plan",
            "pregnancy_status",
            "pregnancy_not_applicable_reason",
            "breastfeeding",
            "capacity_concern",
            "capacity_concern_details",
            "interpreter_required",
            "interpreter_language",
            "communication_needs",
            "can_lie_prone",
            "escort_confirmed",
            "transport_home_arranged",
            "left_leg_power",
            "right_leg_power",
            "left_leg_sensation",
            "right_leg_sensation",
        ]
        widgets = {
            field: forms.Textarea(attrs={"rows": 2})
            for field in (
                "platelet_correction_plan",
                "anaesthetic_review_notes",
                "diabetic_plan",
                "capacity_concern_details",
                "communication_needs",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pathway = self.instance.pathway
        self.initial.setdefault("planned_procedure_on", self.pathway.planned_procedure_on)
        self.fields["egfr"].label = "eGFR (mL/min/1.73m²)"  # not "EGFR": the form capitalises the first letter
        # Pregnancy is asked only where it can apply (domain.md 4.4; NICE NG45 1.3.1): for a man or a
        # woman over the age limit the questions are not shown and the reason is recorded instead.
        self.pregnancy_skipped = pregnancy.skipped_reason(self.pathway)
        if self.pregnancy_skipped:
            for name in PREGNANCY_FIELDS:
                self.fields.pop(name)

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
        self.clean_pregnancy(cleaned)
        return cleaned

    def clean_pregnancy(self, cleaned) -> None:
        if self.pregnancy_skipped:
            self.instance.pregnancy_status = PregnancyStatus.NOT_APPLICABLE
            self.instance.pregnancy_not_applicable_reason = self.pregnancy_skipped
            self.instance.breastfeeding = False
            return
        status = cleaned.get("pregnancy_status")
        reason = (cleaned.get("pregnancy_not_applicable_reason") or "").strip()
        if status == PregnancyStatus.NOT_APPLICABLE and not reason:
            self.add_error("pregnancy_not_applicable_reason", pregnancy.NEEDS_REASON)
        elif status != PregnancyStatus.NOT_APPLICABLE:
            cleaned["pregnancy_not_applicable_reason"] = ""

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
