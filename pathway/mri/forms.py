"""The MRI review form and its per-level findings (domain.md 3)."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory

from accounts import roles
from pathway.core.choices import Level
from pathway.core.forms import RowsFormSet, StaffChoiceMixin, StaffField, VersionedModelForm
from pathway.mri.models import MriLevelFinding, MriRequest, MriScan


class MriScanForm(StaffChoiceMixin, VersionedModelForm):
    # A radiologist of the service, or one elsewhere (a report from another hospital).
    staff_fields = (StaffField("reported_by", "reported_by_user", (roles.RECORD_MRI,)),)

    class Meta:
        model = MriScan
        fields = ["modality", "safety_screen_done", "scanned_on", "accession_number", "reported_by", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_staff_fields()

    def clean(self):
        cleaned = super().clean()
        self.clean_staff_fields(cleaned)
        return cleaned


class MriRequestForm(StaffChoiceMixin, VersionedModelForm):
    """The imaging request; the diagnostic wait runs from its date (domain.md 9 [R82])."""

    # A clinician of the service, or the referring team elsewhere.
    staff_fields = (StaffField("requested_by", "requested_by_user", (roles.RECORD_SUITABILITY, roles.RECORD_MRI)),)

    class Meta:
        model = MriRequest
        fields = ["requested_on", "requested_by", "modality", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_staff_fields()

    def clean(self):
        cleaned = super().clean()
        self.clean_staff_fields(cleaned)
        return cleaned


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
