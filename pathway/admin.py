from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from pathway.complications.models import Complication
from pathway.core import governance
from pathway.core.access_log import AccessLoggedAdmin
from pathway.core.admin_base import DecidedChangeAdmin, ReadOnlyAdmin
from pathway.core.models import Pathway, Patient, PatientAccess, Rule, RuleChange, StageTransition
from pathway.core.service_settings import ServiceSettings
from pathway.follow_up.models import FollowUp
from pathway.mri.models import MriLevelFinding, MriScan
from pathway.pre_assessment.models import Allergy, AntithromboticMedicine, PreAssessment
from pathway.procedure.models import ImagingAgeDecision, LastDose, Procedure, SafetyChecklistItem, TreatedLevel
from pathway.recovery.models import LegReview, ObservationSet, Recovery
from pathway.suitability.models import SuitabilityAssessment


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Clinical data is never hard deleted, not even in the admin."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Clinical rows are read-only in the admin: every write goes through the services, which check the
# record's version (a stale form is refused), the gates and the pathway's lock, and write history.
# An edit here would skip all of that (and be overwritten by, or overwrite, a nurse's form).


# AccessLoggedAdmin: opening a clinical row here is logged (pathway/core/access_log.py).
class ReadOnlyClinicalAdmin(AccessLoggedAdmin, ReadOnlyAdmin, SimpleHistoryAdmin):
    pass


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(NoDeleteAdmin):
    """One row: the list opens it (or the add form when none has been entered yet)."""

    fieldsets = (
        ("The trust", {"fields": ("trust_name", "logo")}),
        ("The unit patients call", {"fields": ("unit_name", "address", "day_phone", "day_hours", "night_phone")}),
    )
    list_display = ("__str__", "updated_at")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not ServiceSettings.objects.exists()

    def changelist_view(self, request, extra_context=None):
        row = ServiceSettings.objects.first()
        if row is not None and self.has_view_or_change_permission(request, row):
            return redirect(reverse("admin:pathway_servicesettings_change", args=[row.pk]))
        return super().changelist_view(request, extra_context)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(ReadOnlyClinicalAdmin):
    access_patient, access_pathway = "pk", None
    list_display = ("nhs_number", "hospital_number", "family_name", "given_name", "date_of_birth")
    search_fields = ("nhs_number", "hospital_number", "family_name")


@admin.register(Pathway)
class PathwayAdmin(ReadOnlyClinicalAdmin):
    access_patient, access_pathway = "patient_id", "pk"
    list_display = ("id", "patient", "current_stage", "status", "referral_received_on")
    list_filter = ("current_stage", "status", "aetiology")
    raw_id_fields = ("patient",)
    readonly_fields = ("current_stage", "status", "exit_state", "exit_reason", "closed_at", "stage_entered_at")


@admin.register(StageTransition)
class StageTransitionAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ("pathway", "kind", "from_stage", "to_stage", "exit_state", "acting_user", "at", "overridden")
    list_filter = ("kind", "overridden")


@admin.register(PatientAccess)
class PatientAccessAdmin(StageTransitionAdmin):
    access_patient, access_pathway = "patient_id", "pathway_id"
    list_display = ("at", "user", "role", "patient", "pathway", "what", "client")
    list_filter = ()


class RuleAdminForm(forms.ModelForm):
    """The value is never written here: a new value is proposed, and applies when a second
    consultant approves it (pathway.core.governance). Out-of-bounds proposals are refused."""

    proposed_value = forms.DecimalField(
        required=False, max_digits=10, decimal_places=2, help_text="Takes effect when a second consultant approves it."
    )
    change_reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason")

    class Meta:
        model = Rule
        fields = ["label", "unit", "evidence_tag", "source"]

    def clean(self):
        data = super().clean()
        value = data.get("proposed_value")
        if value is None or self.instance.pk is None:
            return data
        message = self.instance.bounds_error(value)
        if message:
            self.add_error("proposed_value", message)
        elif value == self.instance.value:
            self.add_error("proposed_value", f"The rule is already {self.instance.value} {self.instance.unit}.")
        if not data.get("change_reason", "").strip():
            self.add_error("change_reason", "Give the reason for the change.")
        return data


@admin.register(Rule)
class RuleAdmin(NoDeleteAdmin):
    form = RuleAdminForm
    list_display = ("key", "label", "value", "minimum", "maximum", "unit", "evidence_tag", "source")
    readonly_fields = ("key", "value", "minimum", "maximum")
    fields = (
        *("key", "label", "value", "minimum", "maximum", "unit"),
        *("proposed_value", "change_reason", "evidence_tag", "source"),
    )

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        obj.save()
        value = form.cleaned_data.get("proposed_value")
        if value is not None:
            governance.propose_rule_change(
                acting_user=request.user, rule=obj, value=value, reason=form.cleaned_data["change_reason"]
            )
            messages.info(
                request, f"{obj.label}: {value} {obj.unit} proposed; it applies when a second consultant approves it."
            )


@admin.register(RuleChange)
class RuleChangeAdmin(DecidedChangeAdmin):
    """Pending rule changes, approved or rejected by a second consultant (admin actions)."""

    list_display = (
        *("rule", "previous_value", "proposed_value", "status"),
        *("proposed_by", "proposed_at", "decided_by", "decided_at"),
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in RuleChange._meta.fields]
    approve_change = staticmethod(governance.approve_rule_change)
    reject_change = staticmethod(governance.reject_rule_change)


class MriLevelFindingInline(ReadOnlyInline):
    model = MriLevelFinding


class AllergyInline(ReadOnlyInline):
    model = Allergy


class AntithromboticMedicineInline(ReadOnlyInline):
    model = AntithromboticMedicine


@admin.register(SuitabilityAssessment)
class SuitabilityAssessmentAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "assessed_on", "pain_score", "outcome")
    list_filter = ("outcome",)
    raw_id_fields = ("pathway",)


@admin.register(MriScan)
class MriScanAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "modality", "scanned_on", "accession_number")
    list_filter = ("modality",)
    raw_id_fields = ("pathway",)
    inlines = [MriLevelFindingInline]


@admin.register(PreAssessment)
class PreAssessmentAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "assessed_on", "asa_grade", "inr", "platelets")
    raw_id_fields = ("pathway",)
    inlines = [AllergyInline, AntithromboticMedicineInline]


class SafetyChecklistItemInline(ReadOnlyInline):
    model = SafetyChecklistItem
    fields = ("phase", "item", "response", "answered_by", "answered_at")


class TreatedLevelInline(ReadOnlyInline):
    model = TreatedLevel
    fields = ("level", "laterality", "cement_volume_ml", "leak_seen", "leak_sites", "cement_lot")


class ObservationSetInline(ReadOnlyInline):
    model = ObservationSet
    fields = ("taken_at", "respiration_rate", "spo2", "systolic_bp", "pulse", "consciousness", "temperature_c")


class LastDoseInline(ReadOnlyInline):
    model = LastDose
    fields = ("medicine", "not_taken", "last_taken_at")


class LegReviewInline(ReadOnlyInline):
    model = LegReview
    fields = ("reviewed_by", "reviewed_at", "outcome", "findings")


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "operator", "started_at", "anaesthesia", "dap_value", "dap_unit")
    raw_id_fields = ("pathway",)
    inlines = [SafetyChecklistItemInline, TreatedLevelInline, LastDoseInline]


@admin.register(ImagingAgeDecision)
class ImagingAgeDecisionAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "procedure_on", "decision", "decided_by", "decided_at")
    raw_id_fields = ("pathway",)


@admin.register(Complication)
class ComplicationAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "risk", "other_type", "onset_at", "grade_system", "grade", "outcome")
    list_filter = ("grade_system", "grade", "detected_at_stage", "outcome")
    raw_id_fields = ("pathway",)


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "arrived_at", "bed_rest_started_at", "bed_rest_ended_at", "discharged_at")
    raw_id_fields = ("pathway",)
    inlines = [ObservationSetInline, LegReviewInline]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "due_on", "window_closes_on", "reviewed_on", "outcome", "completed_at")
    list_filter = ("outcome",)
    raw_id_fields = ("pathway",)
