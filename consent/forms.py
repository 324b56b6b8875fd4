"""Consent forms. Field rules live on the models (clean()); forms parse and lay out."""

from __future__ import annotations

from django import forms

from accounts import roles
from accounts.models import Grade
from consent import services, signatures
from consent.document import TYPED_ATTESTATION, WITNESS_ATTESTATION
from consent.models import (
    Alternative,
    Anaesthesia,
    CapacityAssessment,
    ConsentForm,
    ConsentRecord,
    ConsentWithdrawal,
    ExplainedRisk,
    ExtraProcedure,
    Leaflet,
    SignatureMethod,
    WithdrawalTiming,
)
from pathway.core.forms import VersionedModelForm, clinicians
from pathway.models import Level


class StartConsentForm(forms.Form):
    form_type = forms.ChoiceField(
        label="Consent form",
        choices=ConsentForm.choices,
        initial=ConsentForm.FORM_1,
        widget=forms.RadioSelect,
        help_text="Form 4 only when the patient lacks capacity for this decision (Mental Capacity Act 2005).",
    )


def _checkboxes(choices, label: str, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class ConsentRecordForm(VersionedModelForm):
    """The draft consent (Form 1 structure; domain.md 5.3)."""

    levels = _checkboxes(Level.choices, "Vertebral levels", "Pre-filled with the levels planned at the MRI review.")
    alternatives = _checkboxes(Alternative.choices, "Alternatives discussed", "Including no treatment.")
    extra_procedures = _checkboxes(ExtraProcedure.choices, "Extra procedures that may become necessary")
    anaesthesia = _checkboxes(Anaesthesia.choices, "Anaesthesia")
    add_capacity = forms.BooleanField(
        label="Record a capacity assessment on this consent",
        required=False,
        help_text="Only when there is a reason to doubt the patient's capacity for this decision.",
    )

    class Meta:
        model = ConsentRecord
        fields = [
            "form_type",
            "procedure_name",
            "procedure_explanation",
            "levels",
            "intended_benefits",
            "efficacy_uncertainty_discussed",
            "alternatives",
            "alternatives_note",
            "extra_procedures",
            "extra_procedures_other",
            "anaesthesia",
            "leaflet",
            "leaflet_given_on",
            "patient_concerns",
            "patient_questions",
            "procedures_not_wanted",
            "contact_details",
            "operator",
            "interpreter_used",
            "interpreter_name",
            "interpreter_language",
            "interpreter_statement",
            "patient_copy",
        ]
        widgets = {
            "procedure_explanation": forms.Textarea(attrs={"rows": 2}),
            "intended_benefits": forms.Textarea(attrs={"rows": 3}),
            "alternatives_note": forms.Textarea(attrs={"rows": 2}),
            "patient_concerns": forms.Textarea(attrs={"rows": 2}),
            "patient_questions": forms.Textarea(attrs={"rows": 3}),
            "procedures_not_wanted": forms.Textarea(attrs={"rows": 2}),
            "form_type": forms.RadioSelect,
        }

    # The patient's own statements on Form 1 (page 2): a patient who lacks capacity makes none, so a
    # Form 4 does not ask for them (NHS model Form 4; domain.md 5.2, 5.5). The capacity assessment is
    # always part of a Form 4, so it needs no box to add it.
    FORM_1_ONLY = ("add_capacity", "procedures_not_wanted", "patient_copy")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_form = self.chosen_form_type()
        if self.chosen_form == ConsentForm.FORM_4:
            for name in self.FORM_1_ONLY:
                self.fields.pop(name, None)
        leaflets = Leaflet.objects.current()
        if self.instance.leaflet_id:
            leaflets = leaflets | Leaflet.objects.filter(pk=self.instance.leaflet_id)
        self.fields["leaflet"].queryset = leaflets.distinct()
        self.fields["leaflet"].label = "Leaflet given (title and version)"
        if "add_capacity" in self.fields:
            self.fields["add_capacity"].initial = self.instance.pk is not None and _has_capacity(self.instance)
        # Anyone who may perform the procedure (domain.md 5.6: the operator confirms on the day).
        self.fields["operator"].queryset = clinicians(roles.RECORD_PROCEDURE)

    def chosen_form_type(self) -> str:
        """The form chosen on this submission, else the draft's: what the page shows and what is validated."""
        submitted = self.data.get(self.add_prefix("form_type")) if self.is_bound else None
        return submitted if submitted in ConsentForm.values else self.instance.form_type

    @property
    def wants_capacity(self) -> bool:
        """A Form 4 always records the assessment; a Form 1 only when the box is ticked."""
        if self.chosen_form == ConsentForm.FORM_4:
            return True
        if self.is_bound:
            return self.data.get(self.add_prefix("add_capacity")) in ("on", "true", "True", "1")
        return bool(self.fields["add_capacity"].initial)


def _has_capacity(consent: ConsentRecord) -> bool:
    return CapacityAssessment.objects.filter(consent_id=consent.pk).exists()


class ExplainedRiskForm(forms.ModelForm):
    class Meta:
        model = ExplainedRisk
        fields = ["discussed", "not_discussed_reason", "patient_note"]
        widgets = {"patient_note": forms.Textarea(attrs={"rows": 1})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("discussed") and (cleaned.get("not_discussed_reason") or "").strip():
            self.add_error("not_discussed_reason", "Leave this empty when the risk was discussed.")
        return cleaned


ExplainedRiskFormSet = forms.modelformset_factory(ExplainedRisk, form=ExplainedRiskForm, extra=0, can_delete=False)


# The Form 4 best-interests record (domain.md 5.5 [R39]): on a Form 1 the patient has capacity and
# decides, so none of it applies and it is neither shown nor validated.
BEST_INTERESTS_FIELDS = (
    "may_regain_capacity",
    "can_wait",
    "can_wait_reasoning",
    "attorney",
    "attorney_name",
    "attorney_registration_checked",
    "attorney_covers_health",
    "attorney_consents",
    "advance_decision",
    "advance_decision_details",
    "best_interests",
    "consulted",
    "imca_instructed",
    "second_opinion",
    "second_opinion_agrees",
)


class CapacityAssessmentForm(forms.ModelForm):
    """MCA 2005 s.2/s.3 assessment (both forms) and the Form 4 best-interests record (domain.md 5.5)."""

    def __init__(self, *args, form_type: str = ConsentForm.FORM_1, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_form = form_type
        if form_type != ConsentForm.FORM_4:
            for name in BEST_INTERESTS_FIELDS:
                self.fields.pop(name)

    @property
    def assessment_fields(self):
        return [self[name] for name in self.fields if name not in BEST_INTERESTS_FIELDS]

    @property
    def best_interests_fields(self):
        return [self[name] for name in self.fields if name in BEST_INTERESTS_FIELDS]

    class Meta:
        model = CapacityAssessment
        fields = [
            "decision",
            "reason_to_doubt",
            "impairment",
            "impairment_details",
            "steps_to_support",
            "understand",
            "understand_evidence",
            "retain",
            "retain_evidence",
            "weigh",
            "weigh_evidence",
            "communicate",
            "communicate_evidence",
            "may_regain_capacity",
            "can_wait",
            "can_wait_reasoning",
            "attorney",
            "attorney_name",
            "attorney_registration_checked",
            "attorney_covers_health",
            "attorney_consents",
            "advance_decision",
            "advance_decision_details",
            "best_interests",
            "consulted",
            "imca_instructed",
            "second_opinion",
            "second_opinion_agrees",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "reason_to_doubt",
                "impairment_details",
                "steps_to_support",
                "understand_evidence",
                "retain_evidence",
                "weigh_evidence",
                "communicate_evidence",
                "can_wait_reasoning",
                "best_interests",
                "consulted",
                "advance_decision_details",
            )
        } | {
            "understand": forms.RadioSelect,
            "retain": forms.RadioSelect,
            "weigh": forms.RadioSelect,
            "communicate": forms.RadioSelect,
            "second_opinion_agrees": forms.NullBooleanSelect,
            "attorney_covers_health": forms.NullBooleanSelect,
            "attorney_consents": forms.NullBooleanSelect,
        }


class SignForm(forms.Form):
    """Patient (on screen, on paper, or witnessed) and clinician (password) signatures."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.ChoiceField(label="How the patient signs", choices=SignatureMethod.choices, widget=forms.RadioSelect)
    patient_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    paper_scan = forms.FileField(
        label="Scan of the form signed on paper", required=False, help_text="PDF, PNG or JPEG, at most 10 MB."
    )
    typed_name = forms.CharField(
        label="Patient's full name, typed by the patient",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    attested = forms.BooleanField(label=TYPED_ATTESTATION, required=False)
    witness_name = forms.CharField(label="Witness's name", required=False, max_length=200)
    witness_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    witness_attested = forms.BooleanField(
        label=f"{WITNESS_ATTESTATION} (the witness ticks this instead of drawing a signature)", required=False
    )
    password = forms.CharField(
        label="Your password (to sign as the health professional)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )

    def _png(self, name: str) -> bytes | None:
        value = self.cleaned_data.get(name) or ""
        if not value:
            return None
        try:
            return signatures.png_from_data_url(value)
        except ValueError:
            return b""

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        if method == SignatureMethod.DRAWN:
            png = self._png("patient_signature")
            if not png:
                self.add_error("method", "The patient's signature is missing: ask the patient to sign in the box.")
            cleaned["patient_png"] = png
        elif method == SignatureMethod.PAPER:
            scan = cleaned.get("paper_scan")
            if scan is None:
                self.add_error("paper_scan", "Attach the scan of the signed paper form.")
            else:
                if scan.size > signatures.MAX_SCAN_BYTES:
                    self.add_error("paper_scan", "The scan is larger than 10 MB.")
                head = scan.read(8)
                scan.seek(0)
                if signatures.scan_kind(head) is None:
                    self.add_error("paper_scan", "The scan must be a PDF, PNG or JPEG file.")
        elif method == SignatureMethod.TYPED:
            if not (cleaned.get("typed_name") or "").strip():
                self.add_error("typed_name", "The patient types their full name here.")
            if not cleaned.get("attested"):
                self.add_error("attested", "The patient ticks this to confirm the typed name is their signature.")
        elif method == SignatureMethod.WITNESS:
            if not (cleaned.get("witness_name") or "").strip():
                self.add_error("witness_name", "Give the witness's name.")
            png = self._png("witness_signature")
            if not png and not cleaned.get("witness_attested"):
                self.add_error(
                    "witness_name",
                    "The witness's signature is missing: ask them to sign in the box, or to tick the statement.",
                )
            cleaned["witness_png"] = png
        return cleaned

    def signature(self) -> services.Signature:
        data = self.cleaned_data
        return services.Signature(
            method=data["method"],
            patient_png=data.get("patient_png"),
            paper_scan=data.get("paper_scan"),
            witness_name=data.get("witness_name", ""),
            witness_png=data.get("witness_png"),
            typed_name=data.get("typed_name", ""),
            attested=bool(data.get("attested")),
            witness_attested=bool(data.get("witness_attested")),
        )


class ConfirmForm(forms.Form):
    """Stage 2 (domain.md 5.6): by the named operator, or a delegate with a reason (domain.md 10)."""

    no_further_questions = forms.BooleanField(label="The patient has no further questions", required=False)
    wishes_to_proceed = forms.BooleanField(label="The patient still wishes to go ahead", required=False)
    risks_rediscussed = forms.BooleanField(label="I went through the risks again", required=False)
    changes_noted = forms.CharField(
        label="Any change since the form was signed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example a new medicine, a new symptom, or a changed wish.",
    )
    has_capacity_today = forms.TypedChoiceField(
        label="Capacity re-checked: does the patient have capacity for this decision today?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    capacity_how = forms.CharField(
        label="How capacity was checked",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: explained the procedure again; she repeated back the main risks and weighed them.",
    )
    delegation_reason = forms.CharField(
        label="If you are not the named operator: why you confirm on their behalf",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    supervised_by = forms.ModelChoiceField(
        label="Supervising consultant (a trainee does not confirm alone)",
        queryset=None,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervised_by"].queryset = clinicians(roles.RECORD_PROCEDURE).filter(grade=Grade.CONSULTANT)


class WithdrawForm(forms.ModelForm):
    then = forms.ChoiceField(
        label="What happens to the pathway",
        choices=services.AfterWithdrawal.CHOICES,
        initial=services.AfterWithdrawal.KEEP_OPEN,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ConsentWithdrawal
        fields = ["withdrawn_by", "timing", "reason", "actions_taken", "safe_stop_point", "signed_by_patient"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 2}),
            "actions_taken": forms.Textarea(attrs={"rows": 2}),
            "safe_stop_point": forms.Textarea(attrs={"rows": 2}),
            "timing": forms.RadioSelect,
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("timing") == WithdrawalTiming.DURING and not (cleaned.get("safe_stop_point") or "").strip():
            self.add_error("safe_stop_point", "Say where the procedure was stopped safely.")
        return cleaned
