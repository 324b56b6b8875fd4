"""Cached page parts (pathway.core.page_cache): a write redraws what it changed and nothing else; each
reader gets their own CSRF token and the buttons of their own permissions; the clock is judged at
least every minute."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard import parts
from pathway import views as pathway_views
from pathway.core import services as core_services
from pathway.models import Rule, Stage
from pathway.recovery import services as recovery_services
from pathway.recovery.models import ObservationSet
from tests.dashboard.helpers import make_pathway
from tests.dashboard.test_cache import NORMAL_OBSERVATIONS
from tests.factories import ProcedureFactory, RecoveryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(monkeypatch):
    """Which parts were drawn from the records (not served from the cache): pathway pages by id,
    worklist rows by list key."""
    log = {"pages": [], "lists": []}
    render_body = pathway_views.PathwayDetailView.render_body
    draw = parts._draw

    def counting_render_body(self):
        log["pages"].append(self.pathway.pk)
        return render_body(self)

    def counting_draw(spec, *args, **kwargs):
        log["lists"].append(spec.key)
        return draw(spec, *args, **kwargs)

    monkeypatch.setattr(pathway_views.PathwayDetailView, "render_body", counting_render_body)
    monkeypatch.setattr(parts, "_draw", counting_draw)
    return log


def _page(client, pathway) -> str:
    response = client.get(reverse("pathway:detail", kwargs={"pk": pathway.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_an_observation_redraws_its_own_pathway_page_and_nothing_else(
    reference_data, consultant, nurse, client_for, drawn, django_capture_on_commit_callbacks
):
    in_recovery = ProcedureFactory(pathway__current_stage=Stage.RECOVERY).pathway
    RecoveryFactory(pathway=in_recovery)
    at_consent = make_pathway(stage=Stage.CONSENT)
    client = client_for(consultant)
    client.get("/")
    before = _page(client, in_recovery)
    _page(client, at_consent)
    assert drawn["pages"] == [in_recovery.pk, at_consent.pk]
    consultant_lists = sorted(drawn["lists"])
    assert "consent" in consultant_lists

    with django_capture_on_commit_callbacks(execute=True):
        recovery_services.add_observation_set(
            acting_user=nurse,
            pathway=in_recovery,
            observation=ObservationSet(taken_at=timezone.now(), **NORMAL_OBSERVATIONS),
        )
    drawn["pages"].clear()
    drawn["lists"].clear()
    client.get("/")
    html = _page(client, in_recovery)
    _page(client, at_consent)
    # The observed patient's page is drawn again (its history shows the new set); the other patient's
    # page and the consultant's worklist rows are served as cached.
    assert drawn["pages"] == [in_recovery.pk]
    assert html != before
    assert drawn["lists"] == []


def test_a_patients_new_name_shows_at_once_on_their_page_and_worklist(
    reference_data, consultant, client_for, drawn, django_capture_on_commit_callbacks
):
    at_consent = make_pathway(stage=Stage.CONSENT)
    other = make_pathway(stage=Stage.CONSENT)
    client = client_for(consultant)
    assert at_consent.patient.family_name.upper() in client.get("/").content.decode()
    _page(client, at_consent)
    _page(client, other)
    patient = at_consent.patient
    patient.family_name = "Renamedson"
    with django_capture_on_commit_callbacks(execute=True):
        core_services.update_patient(acting_user=consultant, patient=patient, expected_version=patient.version)
    drawn["pages"].clear()
    assert "RENAMEDSON" in client.get("/").content.decode()
    assert "RENAMEDSON" in _page(client, at_consent)
    _page(client, other)
    assert drawn["pages"] == [at_consent.pk]


def test_each_reader_gets_their_own_csrf_token_and_can_post_with_it(reference_data, make_user, client_for):
    pathway = make_pathway(stage=Stage.CONSENT)
    first, second = make_user("Consultant", username="c_one"), make_user("Consultant", username="c_two")
    client_for(first).get(reverse("pathway:detail", kwargs={"pk": pathway.pk}))  # drawn and cached
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(second)
    html = _page(browser, pathway)  # served from the cache
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert tokens and "csrf-token-of-the-reader" not in html
    response = browser.post(
        reverse("pathway:close", kwargs={"pk": pathway.pk}),
        {"csrfmiddlewaretoken": tokens.pop(), "exit_state": "patient_declined", "reason": "Declined after discussion"},
    )
    assert response.status_code == 302  # past the CSRF check (a 403 otherwise)


def test_the_buttons_are_the_readers_own(reference_data, consultant, nurse, client_for, drawn):
    pathway = make_pathway(stage=Stage.CONSENT)
    assert "Return to an earlier stage" in _page(client_for(consultant), pathway)
    nurse_client = Client()
    nurse_client.force_login(nurse)
    assert "Return to an earlier stage" not in _page(nurse_client, pathway)
    assert drawn["pages"] == [pathway.pk, pathway.pk]


def test_the_page_judges_the_clock_again_each_minute(reference_data, consultant, client_for, drawn, monkeypatch):
    pathway = make_pathway(stage=Stage.CONSENT)
    client = client_for(consultant)
    moment = timezone.localtime().replace(second=5)
    monkeypatch.setattr(pathway_views.timezone, "localtime", lambda *args: moment)
    _page(client, pathway)
    _page(client, pathway)
    assert drawn["pages"] == [pathway.pk]
    moment += datetime.timedelta(minutes=1)
    _page(client, pathway)
    assert drawn["pages"] == [pathway.pk, pathway.pk]


def test_rules_and_staff_names_redraw_every_page_but_a_sign_in_does_not(
    reference_data, consultant, client_for, drawn, django_capture_on_commit_callbacks
):
    pathway = make_pathway(stage=Stage.CONSENT)
    client = client_for(consultant)
    _page(client, pathway)
    with django_capture_on_commit_callbacks(execute=True):
        consultant.last_login = timezone.now()
        consultant.save(update_fields=["last_login"])
    _page(client, pathway)
    assert drawn["pages"] == [pathway.pk]
    with django_capture_on_commit_callbacks(execute=True):
        rule = Rule.objects.first()
        rule.save()
    _page(client, pathway)
    assert drawn["pages"] == [pathway.pk, pathway.pk]
