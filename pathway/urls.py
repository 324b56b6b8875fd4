from django.urls import path

from pathway import views
from pathway.complications import views as complications_views
from pathway.core import access_log
from pathway.follow_up import views as follow_up_views
from pathway.mri import views as mri_views
from pathway.pre_assessment import views as pre_assessment_views
from pathway.procedure import views as procedure_views
from pathway.recovery import views as recovery_views
from pathway.referral import views as referral_views
from pathway.suitability import views as suitability_views

app_name = "pathway"

urlpatterns = [
    path("patients/", views.PatientListView.as_view(), name="patient_list"),
    path("patients/new/", views.PatientCreateView.as_view(), name="patient_create"),
    path("patients/<int:pk>/", views.PatientDetailView.as_view(), name="patient_detail"),
    path("patients/<int:pk>/edit/", views.PatientUpdateView.as_view(), name="patient_edit"),
    # Who has seen this record (managers, for a subject access request).
    path("patients/<int:pk>/access/", views.PatientAccessListView.as_view(), name="patient_access"),
    path("patients/<int:pk>/access.csv", views.PatientAccessCsvView.as_view(), name="patient_access_csv"),
    path("patients/<int:patient_pk>/referral/", referral_views.PathwayCreateView.as_view(), name="create"),
    path("pathways/", views.PathwayListView.as_view(), name="list"),
    path("pathways/<int:pk>/", views.PathwayDetailView.as_view(), name="detail"),
    path("pathways/<int:pk>/advance/", views.AdvanceView.as_view(), name="advance"),
    path("pathways/<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("pathways/<int:pk>/reopen/", views.ReopenView.as_view(), name="reopen"),
    path("pathways/<int:pk>/return/", views.ReturnView.as_view(), name="return"),
    # Stage forms: /pathways/<id>/<stage value>/ (design.md section 7).
    path("pathways/<int:pk>/referral/", referral_views.ReferralView.as_view(), name="referral"),
    path("pathways/<int:pk>/suitability/", suitability_views.SuitabilityAssessmentView.as_view(), name="suitability"),
    path("pathways/<int:pk>/mri/", mri_views.MriScanView.as_view(), name="mri"),
    path("pathways/<int:pk>/mri/request/", mri_views.MriRequestView.as_view(), name="mri_request"),
    path("pathways/<int:pk>/pre_assessment/", pre_assessment_views.PreAssessmentView.as_view(), name="pre_assessment"),
    path(
        "pathways/<int:pk>/pre_assessment/medicines-letter.pdf",
        pre_assessment_views.MedicinesLetterView.as_view(),
        name="medicines_letter",
    ),
    # The day and after (issue 5): stage forms plus their sub-pages.
    path("pathways/<int:pk>/procedure/", procedure_views.ProcedureView.as_view(), name="procedure"),
    path(
        "pathways/<int:pk>/procedure/checklist/<str:phase>/",
        procedure_views.SafetyChecklistView.as_view(),
        name="safety_checklist",
    ),
    path(
        "pathways/<int:pk>/procedure/imaging-decision/",
        procedure_views.ImagingDecisionView.as_view(),
        name="imaging_decision",
    ),
    path(
        "pathways/<int:pk>/procedure/levels/new/",
        procedure_views.TreatedLevelCreateView.as_view(),
        name="treated_level_add",
    ),
    path("pathways/<int:pk>/complications/", complications_views.ComplicationListView.as_view(), name="complications"),
    path(
        "pathways/<int:pk>/complications/new/",
        complications_views.ComplicationCreateView.as_view(),
        name="complication_add",
    ),
    path("pathways/<int:pk>/recovery/", recovery_views.RecoveryView.as_view(), name="recovery"),
    path(
        "pathways/<int:pk>/recovery/observations/new/",
        recovery_views.ObservationSetCreateView.as_view(),
        name="observation_set_add",
    ),
    path(
        "pathways/<int:pk>/recovery/escalations/<int:escalation_pk>/",
        recovery_views.EscalationCloseView.as_view(),
        name="escalation_close",
    ),
    path("pathways/<int:pk>/recovery/leg-review/", recovery_views.LegReviewView.as_view(), name="leg_review"),
    path("pathways/<int:pk>/recovery/discharge/", recovery_views.DischargeView.as_view(), name="discharge"),
    path(
        "pathways/<int:pk>/recovery/discharge-sheet.pdf",
        recovery_views.DischargeSheetView.as_view(),
        name="discharge_sheet",
    ),
    path("pathways/<int:pk>/follow_up/", follow_up_views.FollowUpView.as_view(), name="follow_up"),
    path(
        "pathways/<int:pk>/follow_up/contacts/new/",
        follow_up_views.UnscheduledContactCreateView.as_view(),
        name="unscheduled_contact_add",
    ),
    path(
        "pathways/<int:pk>/follow_up/complete/",
        follow_up_views.FollowUpCompleteView.as_view(),
        name="follow_up_complete",
    ),
]

# Every page showing patient data, for the access log (pathway/core/access_log.py): what it shows, and
# whose record (the pathway or the patient named by the URL, or the patients a list shows).
# POST-only actions (advance, close, reopen, return, discharge, follow_up_complete, imaging_decision,
# leg_review) show nothing.
access_log.register(
    {
        "pathway:patient_list": access_log.list_page("patient list"),
        "pathway:patient_detail": access_log.patient_page("patient page"),
        "pathway:patient_edit": access_log.patient_page("patient details form"),
        "pathway:patient_access": access_log.patient_page("access log"),
        "pathway:patient_access_csv": access_log.patient_page("access log CSV"),
        "pathway:create": access_log.patient_page("new referral form", kwarg="patient_pk"),
        "pathway:list": access_log.list_page("pathway list"),
        "pathway:detail": access_log.pathway_page("pathway page"),
        "pathway:referral": access_log.pathway_page("referral form"),
        "pathway:suitability": access_log.pathway_page("suitability form"),
        "pathway:mri": access_log.pathway_page("MRI review form"),
        "pathway:mri_request": access_log.pathway_page("imaging request form"),
        "pathway:pre_assessment": access_log.pathway_page("pre-assessment form"),
        "pathway:medicines_letter": access_log.pathway_page("medicines letter"),
        "pathway:procedure": access_log.pathway_page("procedure form"),
        "pathway:safety_checklist": access_log.pathway_page("safety checklist"),
        "pathway:treated_level_add": access_log.pathway_page("treated level form"),
        "pathway:complications": access_log.pathway_page("complications"),
        "pathway:complication_add": access_log.pathway_page("complication form"),
        "pathway:recovery": access_log.pathway_page("recovery form"),
        "pathway:observation_set_add": access_log.pathway_page("observation set form"),
        "pathway:escalation_close": access_log.pathway_page("NEWS2 escalation form"),
        "pathway:discharge_sheet": access_log.pathway_page("discharge sheet"),
        "pathway:follow_up": access_log.pathway_page("follow-up form"),
        "pathway:unscheduled_contact_add": access_log.pathway_page("unscheduled contact form"),
    }
)
