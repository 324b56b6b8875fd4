"""Issue 16, forms show only what applies: a Form 1 consent shows the capacity assessment (sections 2
and 3 of the Mental Capacity Act) only as an optional part, and never the Form 4 best-interests record;
a Form 4 shows the best-interests record and not the patient's own Form 1 statements. What is
validated on saving is what the chosen form shows."""

from __future__ import annotations

import re

import pytest

from consent.forms import BEST_INTERESTS_FIELDS
from consent.models import CapacityAssessment, ConsentRecord
from tests.consent.test_views import _draft_post

pytestmark = pytest.mark.django_db

FORM_1_ONLY_INPUTS = ('name="add_capacity"', 'name="procedures_not_wanted"', 'name="patient_copy"')
ASSESSMENT = {
    "capacity-decision": "Whether to have vertebroplasty at T12",
    "capacity-reason_to_doubt": "Confused on the ward yesterday.",
    "capacity-understand": "able",
    "capacity-understand_evidence": "Explained the procedure back.",
    "capacity-retain": "able",
    "capacity-retain_evidence": "Recalled it after ten minutes.",
    "capacity-weigh": "able",
    "capacity-weigh_evidence": "Compared it with bracing.",
    "capacity-communicate": "able",
    "capacity-communicate_evidence": "Speaks clearly.",
}


def _start(client, consultant, pathway, form_type) -> ConsentRecord:
    client.force_login(consultant)
    client.post(f"/pathways/{pathway.pk}/consent/new/", {"form_type": form_type})
    return ConsentRecord.objects.get(pathway=pathway)


def _page(client, pathway) -> str:
    return client.get(f"/pathways/{pathway.pk}/consent/").content.decode()


def test_a_form_1_shows_no_best_interests_record(ready_pathway, consultant, client):
    _start(client, consultant, ready_pathway, "form1")
    html = _page(client, ready_pathway)
    for name in BEST_INTERESTS_FIELDS:
        assert f'name="capacity-{name}"' not in html
    assert "Best interests" not in html and "(Form 4)" not in html
    # The assessment itself is offered, folded away until there is a reason to doubt capacity.
    assert 'name="capacity-understand"' in html
    assert re.search(r'<details class="mb-3" id="capacity-section">', html)
    for needle in FORM_1_ONLY_INPUTS:
        assert needle in html


def test_a_capacity_concern_opens_the_assessment_on_a_form_1(make_ready_pathway, consultant, client):
    pathway = make_ready_pathway(capacity_concern=True, capacity_concern_details="Confused yesterday.")
    _start(client, consultant, pathway, "form1")
    assert '<details class="mb-3" id="capacity-section" open>' in _page(client, pathway)


def test_a_form_4_shows_the_best_interests_record_and_not_the_patients_statements(ready_pathway, consultant, client):
    _start(client, consultant, ready_pathway, "form4")
    html = _page(client, ready_pathway)
    for name in BEST_INTERESTS_FIELDS:
        assert f'name="capacity-{name}"' in html
    assert 'id="best-interests-section"' in html
    for needle in FORM_1_ONLY_INPUTS:
        assert needle not in html


def test_a_form_1_saves_without_any_capacity_field(ready_pathway, consultant, client):
    consent = _start(client, consultant, ready_pathway, "form1")
    response = client.post(f"/pathways/{ready_pathway.pk}/consent/", _draft_post(consent))
    assert response.status_code == 302
    assert not CapacityAssessment.objects.filter(consent=consent).exists()


def test_a_form_1_assessment_saves_without_the_form_4_fields(ready_pathway, consultant, client):
    consent = _start(client, consultant, ready_pathway, "form1")
    response = client.post(
        f"/pathways/{ready_pathway.pk}/consent/", _draft_post(consent, add_capacity="on", **ASSESSMENT)
    )
    assert response.status_code == 302
    capacity = CapacityAssessment.objects.get(consent=consent)
    assert not capacity.lacks_capacity and capacity.best_interests == ""


def test_a_form_4_saves_without_the_form_1_statements(ready_pathway, consultant, client):
    consent = _start(client, consultant, ready_pathway, "form4")
    data = _draft_post(consent, form_type="form4", **ASSESSMENT, **{"capacity-best_interests": "Pain relief."})
    for name in ("patient_copy", "procedures_not_wanted", "add_capacity"):
        data.pop(name, None)
    response = client.post(f"/pathways/{ready_pathway.pk}/consent/", data)
    assert response.status_code == 302
    assert CapacityAssessment.objects.get(consent=consent).best_interests == "Pain relief."


def test_a_form_4_without_the_assessment_is_refused_with_field_errors(ready_pathway, consultant, client):
    consent = _start(client, consultant, ready_pathway, "form4")
    response = client.post(f"/pathways/{ready_pathway.pk}/consent/", _draft_post(consent, form_type="form4"))
    assert response.status_code == 200
    assert response.context["capacity_form"].errors["understand"]
    assert not CapacityAssessment.objects.filter(consent=consent).exists()
