from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pathway.complications.models import Complication
from pathway.core.models import Pathway, Patient, PatientAccess, Rule, StageTransition
from pathway.follow_up.models import FollowUp
from pathway.mri.models import MriLevelFinding, MriScan
from pathway.pre_assessment.models import Allergy, AntithromboticMedicine, PreAssessment
from pathway.procedure.models import Procedure, SafetyChecklistItem, TreatedLevel
from pathway.recovery.models import ObservationSet, Recovery
from pathway.suitability.models import SuitabilityAssessment


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Clinical data is never hard deleted, not even in the admin."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Clinical rows are read-only in the admin: every write goes through the services, which check the
# record's version (a stale form is refused), the gates and the pathway's lock, and write history.
# An edit here would skip all of that (and be overwritten by, or overwrite, a nurse's form).


class ReadOnlyClinicalAdmin(NoDeleteAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
    list_display = ("nhs_number", "hospital_number", "family_name", "given_name", "date_of_birth")
    search_fields = ("nhs_number", "hospital_number", "family_name")


@admin.register(Pathway)
class PathwayAdmin(ReadOnlyClinicalAdmin):
    list_display = ("id", "patient", "current_stage", "status", "referral_received_on")
    list_filter = ("current_stage", "status", "aetiology")
    raw_id_fields = ("patient",)
    readonly_fields = ("current_stage", "status", "exit_state", "exit_reason", "closed_at", "stage_entered_at")


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    list_display = ("pathway", "kind", "from_stage", "to_stage", "exit_state", "acting_user", "at", "overridden")
    list_filter = ("kind", "overridden")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PatientAccess)
class PatientAccessAdmin(StageTransitionAdmin):
    list_display = ("at", "user", "patient", "pathway")
    list_filter = ()


@admin.register(Rule)
class RuleAdmin(NoDeleteAdmin):
    list_display = ("key", "label", "value", "unit", "evidence_tag", "source")
    readonly_fields = ("key",)

    def has_add_permission(self, request) -> bool:
        return False


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


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "operator", "started_at", "anaesthesia", "dap_value", "dap_unit")
    raw_id_fields = ("pathway",)
    inlines = [SafetyChecklistItemInline, TreatedLevelInline]


@admin.register(Complication)
class ComplicationAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "risk", "other_type", "onset_at", "grade_system", "grade", "outcome")
    list_filter = ("grade_system", "grade", "detected_at_stage", "outcome")
    raw_id_fields = ("pathway",)


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "arrived_at", "bed_rest_started_at", "bed_rest_ended_at", "discharged_at")
    raw_id_fields = ("pathway",)
    inlines = [ObservationSetInline]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pathway", "due_on", "window_closes_on", "reviewed_on", "outcome", "completed_at")
    list_filter = ("outcome",)
    raw_id_fields = ("pathway",)
