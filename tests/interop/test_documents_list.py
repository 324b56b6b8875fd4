"""The pathway page lists every stored document of the pathway, each app's own, with links that serve
them (the consent PDFs, the medicines letter, the discharge sheet, the GP letter) and the FHIR record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import ConsentDocument
from interop.models import GpLetter
from pathway.pre_assessment import medicines_letter
from tests.interop.helpers import build

pytestmark = pytest.mark.django_db


def _documents(client, pathway) -> list[tuple[str, str]]:
    response = client.get(reverse("pathway:detail", args=[pathway.pk]))
    assert response.status_code == 200
    return [(link.title, link.url) for link in response.context["documents"]]


def test_a_discharged_pathway_lists_all_its_documents_and_each_link_serves(
    reference_data, nurse, consultant, client_for
):
    pathway = build("follow_up", nurse=nurse, consultant=consultant)
    # the helper writes the pre-assessment directly; its service would have stored the letter
    medicines_letter.store(pathway=pathway, pre=pathway.pre_assessment, acting_user=nurse)
    client = client_for(nurse)
    documents = _documents(client, pathway)
    titles = [title for title, _ in documents]
    consents = ConsentDocument.objects.filter(consent__pathway=pathway).count()
    assert consents >= 1
    assert sum(title.startswith("Consent form") for title in titles) == consents
    assert 'Patient letter: "Your medicines before the procedure" (PDF)' in titles
    assert "Discharge advice sheet (PDF)" in titles
    assert "Letter to the GP (PDF)" in titles
    assert titles[-1] == "The whole pathway as a FHIR R4 record (JSON)"  # made on reading: last
    for title, url in documents:
        response = client.get(url)
        assert response.status_code == 200, title
    assert GpLetter.objects.filter(pathway=pathway).count() == 1  # reading wrote nothing


def test_a_new_referral_has_only_its_fhir_record(reference_data, nurse, consultant, client_for):
    pathway = build("suitability", nurse=nurse, consultant=consultant)
    assert [title for title, _ in _documents(client_for(nurse), pathway)] == [
        "The whole pathway as a FHIR R4 record (JSON)"
    ]
