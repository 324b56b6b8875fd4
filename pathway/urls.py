from django.urls import path

from pathway import day_views, preprocedure_views, views

app_name = "pathway"

urlpatterns = [
    path("patients/", views.PatientListView.as_view(), name="patient_list"),
    path("patients/new/", views.PatientCreateView.as_view(), name="patient_create"),
    path("patients/<int:pk>/", views.PatientDetailView.as_view(), name="patient_detail"),
    path("patients/<int:pk>/edit/", views.PatientUpdateView.as_view(), name="patient_edit"),
    path("patients/<int:patient_pk>/referral/", views.PathwayCreateView.as_view(), name="create"),
    path("pathways/", views.PathwayListView.as_view(), name="list"),
    path("pathways/<int:pk>/", views.PathwayDetailView.as_view(), name="detail"),
    path("pathways/<int:pk>/advance/", views.AdvanceView.as_view(), name="advance"),
    path("pathways/<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("pathways/<int:pk>/reopen/", views.ReopenView.as_view(), name="reopen"),
    path("pathways/<int:pk>/return/", views.ReturnView.as_view(), name="return"),
    # Stage forms: /pathways/<id>/<stage value>/ (design.md section 7).
    path("pathways/<int:pk>/referral/", views.ReferralView.as_view(), name="referral"),
    path("pathways/<int:pk>/suitability/", preprocedure_views.SuitabilityAssessmentView.as_view(), name="suitability"),
    path("pathways/<int:pk>/mri/", preprocedure_views.MriScanView.as_view(), name="mri"),
    path("pathways/<int:pk>/pre_assessment/", preprocedure_views.PreAssessmentView.as_view(), name="pre_assessment"),
    # The day and after (issue 5): stage forms plus their sub-pages.
    path("pathways/<int:pk>/procedure/", day_views.ProcedureView.as_view(), name="procedure"),
    path(
        "pathways/<int:pk>/procedure/checklist/<str:phase>/",
        day_views.SafetyChecklistView.as_view(),
        name="safety_checklist",
    ),
    path(
        "pathways/<int:pk>/procedure/levels/new/", day_views.TreatedLevelCreateView.as_view(), name="treated_level_add"
    ),
    path("pathways/<int:pk>/complications/", day_views.ComplicationListView.as_view(), name="complications"),
    path("pathways/<int:pk>/complications/new/", day_views.ComplicationCreateView.as_view(), name="complication_add"),
    path("pathways/<int:pk>/recovery/", day_views.RecoveryView.as_view(), name="recovery"),
    path(
        "pathways/<int:pk>/recovery/observations/new/",
        day_views.ObservationSetCreateView.as_view(),
        name="observation_set_add",
    ),
    path("pathways/<int:pk>/recovery/discharge/", day_views.DischargeView.as_view(), name="discharge"),
    path(
        "pathways/<int:pk>/recovery/discharge-sheet.pdf",
        day_views.DischargeSheetView.as_view(),
        name="discharge_sheet",
    ),
    path("pathways/<int:pk>/follow_up/", day_views.FollowUpView.as_view(), name="follow_up"),
    path("pathways/<int:pk>/follow_up/complete/", day_views.FollowUpCompleteView.as_view(), name="follow_up_complete"),
]
