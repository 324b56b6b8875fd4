"""Procedure-day forms: the procedure record, a checklist phase, a treated level (domain.md 6)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms

from accounts import roles
from pathway.core.forms import DateTimeInput, StaffChoiceMixin, StaffField, VersionedModelForm, clinicians
from pathway.core.models import LEG_FIELDS, Sensation
from pathway.pre_assessment import pregnancy
from pathway.pre_assessment.models import PregnancyStatus
from pathway.procedure.models import (
    CHECKLIST_ITEMS,
    GUIDANCE_CHOICES,
    LEAK_SITES,
    ChecklistPhase,
    ChecklistResponse,
    ImagingDecision,
    Procedure,
    TreatedLevel,
)

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


class ProcedureForm(StaffChoiceMixin, VersionedModelForm):
    # The scrub nurse from the nurses of the service, or an agency or theatre nurse not on this system.
    # Radiographers are not users of this system: typed.
    staff_fields = (StaffField("scrub_nurse", "scrub_nurse_user", (roles.RECORD_RECOVERY,)),)
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
        doctors = clinicians(roles.RECORD_PROCEDURE)
        for name in ("operator", "post_ct_reviewed_by"):
            self.fields[name].queryset = doctors
        team = clinicians(roles.RECORD_PROCEDURE, roles.RECORD_RECOVERY)
        for name in ("assistant", "sedation_monitor"):
            self.fields[name].queryset = team
        self.fields["fluoroscopy_seconds"].help_text = "In seconds, as the machine reports it."
        self.fields["dap_value"].help_text = "As read on the machine; choose its unit below (shown in Gy·cm²)."
        self.setup_staff_fields()

    def clean(self):
        cleaned = super().clean()
        self.clean_staff_fields(cleaned)
        return cleaned


class ChecklistPhaseForm(forms.Form):
    """Every item of one phase answered yes / no (/ not applicable where allowed)."""

    override_reason = forms.CharField(
        required=False,
        label="Consultant override: why go ahead despite the checks above",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        phase: ChecklistPhase,
        answers: dict,
        ask_pregnancy: bool,
        pregnancy: str = "",
        pregnancy_reason: str = "",
        legs: dict | None = None,
        medicines: list | None = None,
        doses: dict | None = None,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.medicines = list(medicines or []) if phase == ChecklistPhase.SIGN_IN else []
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
            self.fields["pregnancy_not_applicable_reason"] = forms.CharField(
                label="If not applicable: why",
                required=False,
                max_length=200,
                initial=pregnancy_reason,
                help_text="For example a hysterectomy, or no period for over a year.",
            )
        if self.phase == ChecklistPhase.SIGN_IN:
            self._add_sign_in_fields(legs or {}, doses or {})
        # The override box goes last.
        self.fields["override_reason"] = self.fields.pop("override_reason")

    def _add_sign_in_fields(self, legs: dict, doses: dict) -> None:
        """Legs before sedation, the baseline for recovery (domain.md 7.1); the last dose actually
        taken of each antithrombotic, or 'not taken' (domain.md 4.3)."""
        for side in ("left", "right"):
            self.fields[f"{side}_leg_power"] = forms.IntegerField(
                label=f"{side.capitalize()} leg power now (MRC 0-5)",
                min_value=0,
                max_value=5,
                initial=legs.get(f"{side}_leg_power"),
                help_text="The weakest of hip, knee and ankle." if side == "left" else "",
            )
            self.fields[f"{side}_leg_sensation"] = forms.ChoiceField(
                label=f"{side.capitalize()} leg sensation now",
                choices=[("", "---------"), *Sensation.choices],
                initial=legs.get(f"{side}_leg_sensation"),
            )
        for medicine in self.medicines:
            dose = doses.get(medicine.pk)
            self.fields[f"dose_{medicine.pk}_taken_at"] = forms.DateTimeField(
                label=f"{medicine.name}: last dose taken at",
                required=False,
                widget=DateTimeInput(),
                initial=dose.last_taken_at if dose and dose.last_taken_at else None,
                help_text=f"Planned: {medicine.plan.timing}" if medicine.plan.timing else "",
            )
            self.fields[f"dose_{medicine.pk}_not_taken"] = forms.BooleanField(
                label=f"{medicine.name}: not taken", required=False, initial=bool(dose and dose.not_taken)
            )

    def clean(self):
        cleaned = super().clean()
        reason = (cleaned.get("pregnancy_not_applicable_reason") or "").strip()
        if cleaned.get("pregnancy_status") == PregnancyStatus.NOT_APPLICABLE and not reason:
            self.add_error("pregnancy_not_applicable_reason", pregnancy.NEEDS_REASON)
        for medicine in self.medicines:
            taken = cleaned.get(f"dose_{medicine.pk}_taken_at")
            not_taken = cleaned.get(f"dose_{medicine.pk}_not_taken")
            if bool(taken) == bool(not_taken) and f"dose_{medicine.pk}_taken_at" not in self.errors:
                self.add_error(
                    f"dose_{medicine.pk}_taken_at",
                    f"Give the date and time of the last dose of {medicine.name.lower()}, or tick 'not taken'.",
                )
        return cleaned

    @property
    def legs(self) -> dict:
        return {name: self.cleaned_data[name] for name in LEG_FIELDS if name in self.cleaned_data}

    @property
    def last_doses(self) -> dict:
        return {
            m.pk: (
                bool(self.cleaned_data.get(f"dose_{m.pk}_not_taken")),
                self.cleaned_data.get(f"dose_{m.pk}_taken_at"),
            )
            for m in self.medicines
        }

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


class ImagingDecisionForm(forms.Form):
    """A consultant's decision on a scan older than the local limit on the procedure date (domain.md 3)."""

    decision = forms.ChoiceField(
        label="Decision on the scan", choices=ImagingDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class DebriefOnSignOutForm(ChecklistPhaseForm):
    """The NatSSIPs debrief shown with the sign out (issue 16: no page of its own on the day): every
    item answered, or none (the debrief is then left for later, on its own page)."""

    prefix = "debrief"

    def __init__(self, *args, answers: dict, **kw):
        super().__init__(*args, phase=ChecklistPhase.DEBRIEF, answers=answers, ask_pregnancy=False, **kw)
        self.fields.pop("override_reason")
        for field in self.fields.values():
            field.required = False

    def clean(self):
        cleaned = super().clean()
        given = [name for name, value in cleaned.items() if name.startswith("item_") and value]
        if given and len(given) != len(CHECKLIST_ITEMS[ChecklistPhase.DEBRIEF]):
            raise forms.ValidationError("Answer every item of the debrief, or leave them all for later.")
        return cleaned

    @property
    def debrief_answers(self) -> dict[str, str] | None:
        """The answers, or None when the debrief is left for later."""
        answers = self.answers
        return answers if any(answers.values()) else None
