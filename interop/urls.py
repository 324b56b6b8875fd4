from django.urls import path

from interop import views
from pathway.core import access_log

app_name = "interop"

# design.md section 7: a pathway as FHIR R4, and referrals in.
urlpatterns = [
    path("pathways/<int:pk>/fhir/", views.PathwayFhirView.as_view(), name="pathway_fhir"),
    path("pathways/<int:pk>/gp-letter.pdf", views.GpLetterView.as_view(), name="gp_letter"),
    path("fhir/Bundle", views.receive_bundle, name="receive_bundle"),
]

# Pages showing patient data, for the access log (pathway/core/access_log.py).
access_log.register(
    {
        "interop:pathway_fhir": access_log.pathway_page("FHIR export"),
        "interop:gp_letter": access_log.pathway_page("GP letter"),
    }
)
