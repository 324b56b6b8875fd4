"""Consent over HTTP: the draft form, signing, immutability (views and admin), confirmation and
withdrawal pages, and the role x page matrix."""

from __future__ import annotations

import base64

import pytest

from consent.models import ConsentRecord, ExplainedRisk, Leaflet
from tests.accounts.helpers import login_verified
from tests.factories import PASSWORD, ConsentRecordFactory, UserFactory, _png_signature

pytestmark = pytest.mark.django_db


def _draft_post(consent, **overrides) -> dict:
    risks = list(ExplainedRisk.objects.filter(consent=consent).order_by("order", "id"))
    data = {
        "expected_version": consent.version,
        "form_type": "form1",
        "procedure_name": "Percutaneous vertebroplasty",
        "procedure_explanation": "Cement into the broken bone.",
        "levels": ["T12"],
        "intended_benefits": "Less pain.",
        "efficacy_uncertainty_discussed": "on",
        "alternatives": ["conservative", "no_treatment"],
        "anaesthesia": ["local", "sedation"],
        "leaflet": Leaflet.objects.order_by("id").first().pk,
        "leaflet_given_on": "2026-01-05",
        "patient_questions": "Will it hurt?",
        "operator": consent.operator_id or "",
        "risks-TOTAL_FORMS": len(risks),
        "risks-INITIAL_FORMS": len(risks),
        "risks-MIN_NUM_FORMS": 0,
        "risks-MAX_NUM_FORMS": 1000,
    }
    for i, risk in enumerate(risks):
        data[f"risks-{i}-id"] = risk.pk
        data[f"risks-{i}-discussed"] = "on"
        data[f"risks-{i}-patient_note"] = "Thoracic level: slightly higher risk." if risk.risk.code == "pce_any" else ""
    data.update(overrides)
    return data


def test_consultant_fills_signs_and_downloads(ready_pathway, consultant, client):
    client.force_login(consultant)
    url = f"/pathways/{ready_pathway.pk}/consent/"
    assert client.get(url).status_code == 200
    client.post(f"{url}new/", {"form_type": "form1"})
    consent = ConsentRecord.objects.get(pathway=ready_pathway)
    response = client.post(url, _draft_post(consent))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.patient_questions == "Will it hurt?"
    assert consent.explained_risks.filter(discussed=True).count() == 16
    assert consent.explained_risks.get(risk__code="pce_any").patient_note.startswith("Thoracic")
    signature = "data:image/png;base64," + base64.b64encode(_png_signature()).decode()
    response = client.post(
        f"{url}{consent.pk}/sign/",
        {"expected_version": consent.version, "method": "drawn", "patient_signature": signature, "password": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consent.refresh_from_db()
    assert consent.is_signed
    pdf = client.get(f"{url}{consent.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_blank_drawn_signature_is_a_field_error(ready_pathway, consultant, client):
    consent = ConsentRecordFactory(pathway=ready_pathway)
    client.force_login(consultant)
    response = client.post(
        f"/pathways/{ready_pathway.pk}/consent/{consent.pk}/sign/",
        {"expected_version": consent.version, "method": "drawn", "patient_signature": "", "password": PASSWORD},
    )
    assert response.status_code == 200
    assert "The patient&#x27;s signature is missing" in response.content.decode()
    assert not ConsentRecord.objects.get(pk=consent.pk).is_signed


def test_wrong_password_does_not_sign(ready_pathway, consultant, client):
    consent = ConsentRecordFactory(pathway=ready_pathway)
    client.force_login(consultant)
    signature = "data:image/png;base64," + base64.b64encode(_png_signature()).decode()
    response = client.post(
        f"/pathways/{ready_pathway.pk}/consent/{consent.pk}/sign/",
        {"expected_version": consent.version, "method": "drawn", "patient_signature": signature, "password": "nope"},
    )
    assert response.status_code == 200
    assert "password was not accepted" in response.content.decode()
    assert not ConsentRecord.objects.get(pk=consent.pk).is_signed


def test_signed_consent_refuses_changes_over_http(ready_pathway, consultant, client):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, patient_questions="Original")
    client.force_login(consultant)
    response = client.post(
        f"/pathways/{ready_pathway.pk}/consent/", _draft_post(consent, patient_questions="Rewritten"), follow=True
    )
    assert "can no longer be changed" in response.content.decode()
    consent.refresh_from_db()
    assert consent.patient_questions == "Original"
    assert consent.version == 1
    # Signing again is refused too.
    response = client.post(
        f"/pathways/{ready_pathway.pk}/consent/{consent.pk}/sign/",
        {"expected_version": consent.version, "method": "paper", "password": PASSWORD},
    )
    assert ConsentRecord.objects.get(pk=consent.pk).signature_method == "drawn"


def test_signed_consent_refuses_changes_in_the_admin(ready_pathway, client):
    admin = UserFactory(username="admin_user", is_staff=True, is_superuser=True)
    admin.save()  # the factory sets the password after its save
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, patient_questions="Original")
    login_verified(client, admin)  # the admin site asks for the second factor
    url = f"/admin/consent/consentrecord/{consent.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200  # viewable
    assert b'name="patient_questions"' not in page.content  # but no editable field
    response = client.post(url, {"patient_questions": "Rewritten", "form_type": "form1"})
    assert response.status_code == 403
    assert client.post(f"/admin/consent/consentrecord/{consent.pk}/delete/").status_code == 403
    consent.refresh_from_db()
    assert consent.patient_questions == "Original"


def test_admin_risk_edit_adds_a_version(client, library):
    from consent.models import Risk

    admin = UserFactory(username="admin_user", is_staff=True, is_superuser=True)
    admin.save()  # the factory sets the password after its save
    login_verified(client, admin)  # the admin site asks for the second factor
    risk = Risk.objects.get(code="infection")
    current = risk.current_version
    response = client.post(
        f"/admin/consent/risk/{risk.pk}/change/",
        {
            "order": risk.order,
            "active": "on",
            "name": current.name,
            "patient_wording": current.patient_wording,
            "frequency_numbers": "about 1 in 250",
            "frequency_band": "uncommon",
            "source": current.source,
            "frequency_change_reason": "Registry figures.",
            "versions-TOTAL_FORMS": 0,
            "versions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    # The new frequency waits for a second consultant, then makes the new version.
    from consent import governance
    from consent.models import RiskFrequencyChange

    assert risk.versions.count() == 1
    second = UserFactory(role="Consultant", username="second_consultant")
    governance.approve_frequency_change(acting_user=second, change=RiskFrequencyChange.objects.get(risk=risk))
    assert list(risk.versions.order_by("number").values_list("frequency_numbers", flat=True)) == [
        "about 1 in 300 (0.3%)",
        "about 1 in 250",
    ]


def test_stale_draft_is_refused(ready_pathway, consultant, client):
    consent = ConsentRecordFactory(pathway=ready_pathway)
    client.force_login(consultant)
    url = f"/pathways/{ready_pathway.pk}/consent/"
    data = _draft_post(consent, patient_questions="First")
    client.post(url, data)
    response = client.post(url, {**data, "patient_questions": "Second"}, follow=True)
    assert "Someone else saved this record" in response.content.decode()
    assert ConsentRecord.objects.get(pk=consent.pk).patient_questions == "First"


def test_bad_input_is_a_field_error_not_a_500(ready_pathway, consultant, client):
    consent = ConsentRecordFactory(pathway=ready_pathway)
    client.force_login(consultant)
    response = client.post(
        f"/pathways/{ready_pathway.pk}/consent/",
        _draft_post(consent, levels=["Z9"], leaflet_given_on="not a date", interpreter_used="on"),
    )
    assert response.status_code == 200
    assert "Please correct the errors" in response.content.decode()
