from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pathway.models import (
    Allergy,
    AntithromboticMedicine,
    MriLevelFinding,
    MriScan,
    Pathway,
    Patient,
    PatientAccess,
    PreAssessment,
    Rule,
    StageTransition,
    SuitabilityAssessment,
)


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Clinical data is never hard deleted, not even in the admin."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(NoDeleteAdmin):
    list_display = ("nhs_number", "hospital_number", "family_name", "given_name", "date_of_birth")
    search_fields = ("nhs_number", "hospital_number", "family_name")


@admin.register(Pathway)
class PathwayAdmin(NoDeleteAdmin):
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


# --- before the procedure (issue 3) --------------------------------------------------------------


class NoDeleteInline(admin.TabularInline):
    extra = 0
    can_delete = False


class MriLevelFindingInline(NoDeleteInline):
    model = MriLevelFinding


class AllergyInline(NoDeleteInline):
    model = Allergy


class AntithromboticMedicineInline(NoDeleteInline):
    model = AntithromboticMedicine


@admin.register(SuitabilityAssessment)
class SuitabilityAssessmentAdmin(NoDeleteAdmin):
    list_display = ("pathway", "assessed_on", "pain_score", "outcome")
    list_filter = ("outcome",)
    raw_id_fields = ("pathway",)


@admin.register(MriScan)
class MriScanAdmin(NoDeleteAdmin):
    list_display = ("pathway", "modality", "scanned_on", "accession_number")
    list_filter = ("modality",)
    raw_id_fields = ("pathway",)
    inlines = [MriLevelFindingInline]


@admin.register(PreAssessment)
class PreAssessmentAdmin(NoDeleteAdmin):
    list_display = ("pathway", "assessed_on", "asa_grade", "inr", "platelets")
    raw_id_fields = ("pathway",)
    inlines = [AllergyInline, AntithromboticMedicineInline]
