"""Forms of the day and after: procedure, safety checklist phases, treated levels, complications,
recovery, observation sets, discharge and follow-up.

Field rules live on the models; the checklist order, the consent check of a level and the gates are
in pathway/workflow.py. These forms add the layout and the parsing of the sedation drug list.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q

from accounts import roles
from accounts.models import User
from pathway.forms import VersionedModelForm
from pathway.models import (
    CHECKLIST_ITEMS,
    CIRSE_GRADES,
    GUIDANCE_CHOICES,
    LEAK_SITES,
    SIR_GRADES,
    ChecklistPhase,
    ChecklistResponse,
    Complication,
    FollowUp,
    ObservationSet,
    PregnancyStatus,
    Procedure,
    Recovery,
    TreatedLevel,
)


def _clinicians(*perms: str):
    """Active users holding any of `perms` through their role (roles are groups of permissions)."""
    query = Q()
    for perm in perms:
        app_label, codename = perm.split(".")
        query |= Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    return User.objects.filter(query, is_active=True).distinct().order_by("last_name", "first_name")


_DOSE = re.compile(r"^(?P<dose>\d+(?:\.\d+)?)\s*(?P<unit>mg|micrograms?|mcg|µg|ug)$", re.IGNORECASE)
_TIME = re.compile(r"^(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)$")
SEDATION_EXAMPLE = "midazolam, 2 mg, IV, 09:05"


class SedationDrugsField(forms.CharField):
    """One dose per line: drug, dose with unit (mg or micrograms), route, time. Stored as a list."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": SEDATION_EXAMPLE})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{d['drug']}, {d['dose']} {d['unit']}, {d['route']}, {d['time']}" for d in value if isinstance(d, dict)
            )
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        doses = []
        errors = []
        for number, line in enumerate((value or "").splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            dose = _DOSE.match(parts[1]) if len(parts) == 4 else None
            time = _TIME.match(parts[3]) if len(parts) == 4 else None
            if not (dose and time and parts[0] and parts[2]):
                errors.append(f"Line {number}: write drug, dose with unit, route, time (e.g. {SEDATION_EXAMPLE}).")
                continue
            try:
                amount = Decimal(dose["dose"])
            except InvalidOperation:
                errors.append(f"Line {number}: the dose is not a number.")
                continue
            unit = "mg" if dose["unit"].lower() == "mg" else "micrograms"
            doses.append(
                {
                    "drug": parts[0],
                    "dose": f"{amount.normalize():f}",
                    "unit": unit,
                    "route": parts[2],
                    "time": f"{int(time['h']):02d}:{time['m']}",
                }
            )
        if errors:
            raise forms.ValidationError(errors)
        return doses


class ProcedureForm(VersionedModelForm):
    guidance = forms.MultipleChoiceField(
        choices=GUIDANCE_CHOICES, label="Imaging guidance", required=False, widget=forms.CheckboxSelectMultiple
    )
    sedation_drugs = SedationDrugsField(
        label="Sedation drugs",
        required=False,
        help_text=f"One dose per line: drug, dose (mg or micrograms), route, time. For example: {SEDATION_EXAMPLE}.",
    )

    class Meta:
        model = Procedure
        fields = [
            "operator",
            "operator_registration",
            "assistant",
            "sedation_monitor",
            "radiographer",
            "scrub_nurse",
            "anaesthesia",
            "sedation_drugs",
            "reversal_agent_used",
            "local_anaesthetic",
            "antibiotic",
            "antibiotic_given_at",
            "position",
            "guidance",
            "started_at",
            "ended_at",
            "biopsy_taken",
            "biopsy_level",
            "post_ct_done",
            "post_ct_findings",
            "post_ct_reviewed_by",
            "post_ct_leak_needs_action",
            "fluoroscopy_seconds",
            "dap_value",
            "dap_unit",
            "reference_air_kerma_mgy",
            "notes",
        ]
        widgets = {"post_ct_findings": forms.Textarea(attrs={"rows": 3}), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        doctors = _clinicians(roles.RECORD_PROCEDURE)
        for name in ("operator", "post_ct_reviewed_by"):
            self.fields[name].queryset = doctors
        team = _clinicians(roles.RECORD_PROCEDURE, roles.RECORD_RECOVERY)
        for name in ("assistant", "sedation_monitor"):
            self.fields[name].queryset = team
        self.fields["fluoroscopy_seconds"].help_text = "In seconds, as the machine reports it."
        self.fields["dap_value"].help_text = "As read on the machine; choose its unit below (shown in Gy·cm²)."


class ChecklistPhaseForm(forms.Form):
    """Every item of one phase answered yes / no (/ not applicable where allowed)."""

    override_reason = forms.CharField(
        required=False,
        label="Consultant override: why go ahead despite the checks above",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, phase: ChecklistPhase, answers: dict, ask_pregnancy: bool, pregnancy: str = "", **kw):
        super().__init__(*args, **kw)
        self.phase = ChecklistPhase(phase)
        for item in CHECKLIST_ITEMS[self.phase]:
            choices = [(ChecklistResponse.YES, "Yes"), (ChecklistResponse.NO, "No")]
            if item.na_allowed:
                choices.append((ChecklistResponse.NOT_APPLICABLE, "Not applicable"))
            existing = answers.get(item.code)
            self.fields[f"item_{item.code}"] = forms.ChoiceField(
                label=item.label,
                choices=choices,
                widget=forms.RadioSelect,
                initial=existing.response if existing else None,
            )
        if self.phase == ChecklistPhase.SIGN_IN and ask_pregnancy:
            self.fields["pregnancy_status"] = forms.ChoiceField(
                label="Pregnancy status today",
                choices=[("", "---------"), *PregnancyStatus.choices],
                initial=pregnancy,
            )
        # The override box goes last.
        self.fields["override_reason"] = self.fields.pop("override_reason")

    @property
    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("item_"): value for name, value in self.cleaned_data.items() if name.startswith("item_")
        }


class TreatedLevelForm(VersionedModelForm):
    leak_sites = forms.MultipleChoiceField(
        choices=LEAK_SITES, label="Leak sites", required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = TreatedLevel
        fields = [
            "level",
            "approach",
            "laterality",
            "needle_gauge",
            "cement_product",
            "cement_lot",
            "cement_expiry",
            "cement_volume_ml",
            "leak_seen",
            "leak_sites",
            "injection_stopped_for_leak",
        ]


class ComplicationForm(VersionedModelForm):
    grade = forms.ChoiceField(
        choices=[("", "---------"), ("CIRSE 2017", CIRSE_GRADES), ("SIR (legacy)", SIR_GRADES)],
        help_text="Choose a grade of the grading system selected above.",
    )

    class Meta:
        model = Complication
        fields = [
            "risk",
            "other_type",
            "onset_at",
            "detected_at_stage",
            "related_level",
            "grade_system",
            "grade",
            "management",
            "outcome",
            "reported_incident_system",
            "reported_mhra",
        ]
        widgets = {"management": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from consent.models import Risk

        self.fields["risk"].queryset = Risk.objects.active().with_current_version()
        self.fields["risk"].empty_label = "Other (describe below)"


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


class DischargeForm(forms.Form):
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason (consultants only, when a criterion is not met)",
    )


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
            *[f"odi_{n}" for n in range(1, 11)],
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
