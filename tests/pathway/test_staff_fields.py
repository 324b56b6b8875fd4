"""Issue 16: a clinician is chosen from the staff list, not typed. The MRI's reporting radiologist,
the imaging request's clinician, the MDT radiologist and the scrub nurse are chosen from the active
users of the right role; the record keeps the printed name (for the PDF and the history) and the
user. Someone not on this system (a report from another hospital, an agency nurse) is named under
"Other (not a user of this system)" and recorded with no user. Names typed before are linked to a
user by the migration where they match one."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from pathway.core.forms import OTHER_STAFF, OTHER_STAFF_LABEL
from pathway.models import MriScan, Procedure, Stage, SuitabilityAssessment
from pathway.mri.forms import MriScanForm
from pathway.procedure.forms import ProcedureForm
from pathway.suitability.forms import SuitabilityAssessmentForm
from tests.factories import MriScanFactory, PathwayFactory, ProcedureFactory, UserFactory
from tests.pathway import preprocedure_payloads as payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(reference_data):
    return {
        "radiologist": UserFactory(role="Radiologist", first_name="Rhea", last_name="Ray", job_title="Radiologist"),
        "consultant": UserFactory(role="Consultant", first_name="Con", last_name="Sultan"),
        "nurse": UserFactory(role="Nurse", first_name="Nell", last_name="Nurse"),
        "gone": UserFactory(role="Radiologist", first_name="Old", last_name="Leaver", is_active=False),
    }


@pytest.mark.parametrize(
    ("form_class", "field", "listed", "not_listed"),
    [
        (MriScanForm, "reported_by", ("radiologist", "consultant"), ("nurse", "gone")),
        (SuitabilityAssessmentForm, "mdt_radiologist", ("radiologist", "consultant"), ("nurse", "gone")),
        (ProcedureForm, "scrub_nurse", ("nurse",), ("radiologist", "gone")),
    ],
)
def test_the_list_holds_the_active_staff_of_the_role(staff, form_class, field, listed, not_listed):
    instance = form_class._meta.model(pathway=PathwayFactory())
    choices = dict(form_class(instance=instance).fields[field].choices)
    for key in listed:
        assert choices[str(staff[key].pk)].startswith(staff[key].display_name)
    for key in not_listed:
        assert str(staff[key].pk) not in choices
    assert choices[OTHER_STAFF] == OTHER_STAFF_LABEL
    if "radiologist" in listed:
        assert choices[str(staff["radiologist"].pk)] == "Rhea Ray (Radiologist)"


def _mri_post(client, pathway, **changes):
    return client.post(payload.url(pathway, "mri"), payload.mri(**changes))


def test_a_radiologist_chosen_is_stored_with_the_printed_name(client, staff, radiologist):
    pathway = PathwayFactory(current_stage=Stage.MRI)
    client.force_login(radiologist)
    response = _mri_post(client, pathway, reported_by=str(staff["consultant"].pk), reported_by_other="")
    assert response.status_code == 302, response.context["form"].errors
    scan = MriScan.objects.get(pathway=pathway)
    assert (scan.reported_by, scan.reported_by_user) == ("Con Sultan", staff["consultant"])
    assert scan.history.first().reported_by == "Con Sultan"


def test_someone_not_on_the_system_is_recorded_as_such(client, staff, radiologist):
    pathway = PathwayFactory(current_stage=Stage.MRI)
    client.force_login(radiologist)
    response = _mri_post(client, pathway, reported_by=OTHER_STAFF, reported_by_other="")
    assert response.status_code == 200
    assert response.context["form"].errors["reported_by_other"] == [
        "Give the name and role of the person not on this system."
    ]
    response = _mri_post(client, pathway, reported_by=OTHER_STAFF, reported_by_other="Dr Menon (St Elsewhere)")
    assert response.status_code == 302
    scan = MriScan.objects.get(pathway=pathway)
    assert (scan.reported_by, scan.reported_by_user) == ("Dr Menon (St Elsewhere)", None)
    # Shown again as "other", with the name in its box.
    form = MriScanForm(instance=scan)
    assert form.initial["reported_by"] == OTHER_STAFF
    assert form.initial["reported_by_other"] == "Dr Menon (St Elsewhere)"


def test_a_name_typed_in_the_box_is_not_accepted(client, staff, radiologist):
    pathway = PathwayFactory(current_stage=Stage.MRI)
    client.force_login(radiologist)
    response = _mri_post(client, pathway, reported_by="Dr Menon")
    assert response.status_code == 200
    assert "reported_by" in response.context["form"].errors


def test_a_leaver_stays_shown_on_their_record(staff):
    scan = MriScanFactory(reported_by="Old Leaver", reported_by_user=staff["gone"])
    form = MriScanForm(instance=scan)
    assert form.initial["reported_by"] == str(staff["gone"].pk)
    assert str(staff["gone"].pk) in dict(form.fields["reported_by"].choices)


def test_the_procedure_page_lists_the_nurses(client, staff, radiologist):
    procedure = ProcedureFactory(pathway__current_stage=Stage.PROCEDURE)
    client.force_login(radiologist)
    page = client.get(reverse("pathway:procedure", kwargs={"pk": procedure.pathway_id})).content.decode()
    assert 'name="scrub_nurse"' in page and "Nell Nurse" in page and 'name="scrub_nurse_other"' in page


def test_the_migration_links_names_that_match_one_user(staff):
    migration = importlib.import_module("pathway.migrations.0025_staff_chosen_from_the_staff_list")
    matched = MriScanFactory(reported_by="Rhea Ray")
    unknown = MriScanFactory(reported_by="Dr Menon")
    suitability = SuitabilityAssessment.objects.create(
        pathway=PathwayFactory(), assessed_on=matched.scanned_on, pain_score=8, mdt_radiologist="con sultan"
    )
    procedure = ProcedureFactory(scrub_nurse="Nell Nurse")
    migration.link_names(django_apps, None)
    assert MriScan.objects.get(pk=matched.pk).reported_by_user == staff["radiologist"]
    assert MriScan.objects.get(pk=unknown.pk).reported_by_user is None
    assert SuitabilityAssessment.objects.get(pk=suitability.pk).mdt_radiologist_user == staff["consultant"]
    assert Procedure.objects.get(pk=procedure.pk).scrub_nurse_user == staff["nurse"]
