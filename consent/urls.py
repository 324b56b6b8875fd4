from django.urls import path

from consent import views

app_name = "consent"

# /pathways/<id>/consent/ and its PDF /pathways/<id>/consent/<consent id>/pdf/ (design.md section 7).
urlpatterns = [
    path("pathways/<int:pk>/consent/", views.ConsentView.as_view(), name="consent"),
    path("pathways/<int:pk>/consent/new/", views.ConsentStartView.as_view(), name="start"),
    path("pathways/<int:pk>/consent/<int:consent_id>/", views.ConsentDetailView.as_view(), name="detail"),
    path("pathways/<int:pk>/consent/<int:consent_id>/sign/", views.ConsentSignView.as_view(), name="sign"),
    path("pathways/<int:pk>/consent/<int:consent_id>/confirm/", views.ConsentConfirmView.as_view(), name="confirm"),
    path("pathways/<int:pk>/consent/<int:consent_id>/withdraw/", views.ConsentWithdrawView.as_view(), name="withdraw"),
    path("pathways/<int:pk>/consent/<int:consent_id>/pdf/", views.ConsentPdfView.as_view(), name="pdf"),
    path(
        "pathways/<int:pk>/consent/<int:consent_id>/pdf/<int:document_id>/",
        views.ConsentPdfView.as_view(),
        name="document",
    ),
    path("pathways/<int:pk>/consent/<int:consent_id>/scan/", views.ConsentScanView.as_view(), name="scan"),
]
