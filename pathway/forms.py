"""Forms. Field-level rules live on the models (validators, clean()); forms add the version check
field and the layout."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from pathway.models import Pathway, Patient, Stage
from pathway.validators import normalise_nhs_number
from pathway.workflow import CLINICAL_EXITS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


class VersionedModelForm(forms.ModelForm):
    """A model form carrying the record's version, so a stale save is refused (design.md 9)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field.widget, forms.HiddenInput):
                field.widget = DateInput()
            elif isinstance(field, forms.DateTimeField) and not isinstance(field.widget, forms.HiddenInput):
                field.widget = DateTimeInput()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @property
    def submitted_version(self) -> int | None:
        return self.cleaned_data.get("expected_version")


class PatientForm(VersionedModelForm):
    # Typed with spaces ("943 476 5919"); the model validators check the cleaned 10 digits.
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=14,
        help_text="10 digits; spaces are allowed.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Patient
        fields = [
            "nhs_number",
            "hospital_number",
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "phone",
            "gp_practice",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["nhs_number"] = self.instance.nhs_number_display

    def clean_nhs_number(self) -> str:
        return normalise_nhs_number(self.cleaned_data["nhs_number"])

    def clean_hospital_number(self) -> str:
        return self.cleaned_data["hospital_number"].strip().upper()


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
        from accounts.roles import RECORD_CONSENT

        app_label, codename = RECORD_CONSENT.split(".")
        from accounts.models import User

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


class AdvanceForm(forms.Form):
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason (consultants only, when a gate is closed)",
    )


class CloseForm(forms.Form):
    exit_state = forms.ChoiceField(choices=[(s.value, s.label) for s in CLINICAL_EXITS])
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    to_stage = forms.ChoiceField(choices=Stage.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, label="NHS number, hospital number or name", max_length=100)
