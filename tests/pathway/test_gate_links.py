"""Issue 16: each gate reason links to the form that puts it right; issue 14's reasons included
(the suitability decision, the pre-assessment's legs, ECG and medicines reconciliation, the operator
named on the consent and confirming on the day, the legs in recovery). A reason no form can put right
at this stage is shown without a link."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord
from pathway import workflow
from pathway.follow_up import gates as follow_up_gates
from pathway.gate_links import link_reasons
from pathway.models import PreAssessment, Stage, SuitabilityAssessment
from tests.factories import (
    EscalationFactory,
    FollowUpFactory,
    ObservationSetFactory,
    PreAssessmentFactory,
    ProcedureFactory,
    RecoveryFactory,
)
from tests.pathway.day_helpers import ago, make_day_pathway

pytestmark = pytest.mark.django_db

NO_LEGS = {"left_leg_power": None, "right_leg_power": None, "left_leg_sensation": "", "right_leg_sensation": ""}


def _links(pathway, stage):
    """{reason: (form label, url)} for the gate into `stage`."""
    pathway = type(pathway).objects.get(pk=pathway.pk)
    return {r.text: (r.form_label, r.url) for r in link_reasons(pathway, workflow.gate_reasons(pathway, stage))}


def _closing_links(pathway):
    """{reason: (form label, url)} for closing the pathway after the follow-up (G7)."""
    pathway = type(pathway).objects.get(pk=pathway.pk)
    reasons = follow_up_gates.completion_reasons(pathway)
    return {r.text: (r.form_label, r.url) for r in link_reasons(pathway, reasons)}


def _page(name, pathway, anchor=""):
    return reverse(f"pathway:{name}", kwargs={"pk": pathway.pk}) + anchor


def _before_the_day(change):
    """A pathway at pre-assessment, everything met but `change` (applied to its records)."""
    pathway = make_day_pathway(stage=Stage.PRE_ASSESSMENT)
    change(pathway)
    return pathway


PRE_ASSESSMENT_CASES = [
    (
        "suitability a trainee's draft",
        lambda p: SuitabilityAssessment.objects.filter(pathway=p).update(decided_by=None),
        "The suitability decision is a draft by a trainee: a consultant radiologist must confirm it.",
        ("Suitability assessment form", "suitability"),
    ),
    (
        "medicines not reconciled",
        lambda p: PreAssessment.objects.filter(pathway=p).update(medicines_reconciled=False),
        "Medicines reconciliation is not recorded.",
        ("Pre-assessment form", "pre_assessment"),
    ),
    (
        "no baseline legs",
        lambda p: PreAssessment.objects.filter(pathway=p).update(**NO_LEGS),
        "Leg power and sensation (the baseline before the procedure) are not recorded.",
        ("Pre-assessment form", "pre_assessment"),
    ),
]


@pytest.mark.parametrize(
    ("change", "reason", "link"), [c[1:] for c in PRE_ASSESSMENT_CASES], ids=[c[0] for c in PRE_ASSESSMENT_CASES]
)
def test_issue_14_reasons_before_the_day_link_to_their_stage_form(reference_data, change, reason, link):
    pathway = _before_the_day(change)
    label, name = link
    # The ready-for-procedure gate holds every item before the day (suitability, MRI, pre-assessment).
    assert _links(pathway, Stage.PROCEDURE)[reason] == (label, _page(name, pathway))


def test_the_operator_not_named_links_to_the_consent_page(reference_data):
    pathway = make_day_pathway(stage=Stage.PROCEDURE)
    ConsentRecord.objects.filter(pathway=pathway).update(operator=None)
    reason = "The operator who will perform the procedure is not named."
    links = {r.text: (r.form_label, r.url) for r in link_reasons(pathway, [reason])}
    assert links[reason] == ("Consent form", reverse("consent:consent", kwargs={"pk": pathway.pk}))


def test_the_missing_confirmation_on_the_day_links_to_the_confirmation_page(reference_data):
    pathway = make_day_pathway(stage=Stage.PROCEDURE, confirmation=False)
    consent = pathway.consents.get()
    reason = "The consent has not been confirmed on the day by the operator."
    links = {r.text: (r.form_label, r.url) for r in link_reasons(pathway, [reason])}
    url = reverse("consent:confirm", kwargs={"pk": pathway.pk, "consent_id": consent.pk})
    assert links[reason] == ("consent confirmation page", url)


def _in_recovery(consultant, *, sign_in_legs=None):
    procedure = ProcedureFactory(
        pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=consultant, **(sign_in_legs or {})
    )
    return procedure.pathway, RecoveryFactory(pathway=procedure.pathway)


def test_a_fall_in_the_legs_links_to_the_medical_review(reference_data, consultant):
    pathway, recovery = _in_recovery(consultant)
    ObservationSetFactory(recovery=recovery, taken_at=ago(20), left_leg_power=4)
    links = _links(pathway, Stage.FOLLOW_UP)
    [fell] = [text for text in links if text.startswith("Leg power or sensation fell below the baseline")]
    assert links[fell] == ("medical review form", _page("recovery", pathway, "#leg-reviews"))


def test_legs_not_checked_in_recovery_link_to_the_observation_form(reference_data, consultant):
    pathway, _recovery = _in_recovery(consultant)
    links = _links(pathway, Stage.FOLLOW_UP)
    assert links["Leg power and sensation have not been checked."] == (
        "observation form",
        _page("observation_set_add", pathway),
    )
    # Other discharge criteria are put right on the recovery form itself.
    assert links["No observations are recorded."] == ("Recovery and discharge form", _page("recovery", pathway))


def test_no_baseline_before_the_procedure_has_no_form_in_recovery(reference_data, consultant):
    pathway, recovery = _in_recovery(consultant, sign_in_legs=NO_LEGS)
    PreAssessmentFactory(pathway=pathway, **NO_LEGS)
    ObservationSetFactory(recovery=recovery)
    links = _links(pathway, Stage.FOLLOW_UP)
    assert links["No leg power and sensation were recorded before the procedure (the baseline)."] == ("", None)


def test_an_open_news2_escalation_links_to_its_own_form(reference_data, consultant):
    """Issue 14's escalation reason is put right on the escalation form, not the recovery form."""
    pathway, recovery = _in_recovery(consultant)
    escalation = EscalationFactory(observation__recovery=recovery, observation__taken_at=ago(30))
    links = _links(pathway, Stage.FOLLOW_UP)
    [open_one] = [text for text in links if "NEWS2 escalation" in text]
    url = reverse("pathway:escalation_close", kwargs={"pk": pathway.pk, "escalation_pk": escalation.pk})
    assert links[open_one] == ("NEWS2 escalation form", url)


def test_the_follow_up_window_links_to_the_unscheduled_contact_form(reference_data):
    """Issue 14's window reason: a contact before the window is an unscheduled contact (domain.md 8.1);
    the other G7 reasons are put right on the follow-up form."""
    follow_up = FollowUpFactory(due_on=timezone.localdate() + datetime.timedelta(days=28), recorded=True)
    links = _closing_links(follow_up.pathway)
    [window] = [text for text in links if text.startswith("The follow-up window opens on")]
    assert links[window] == ("unscheduled contact form", _page("unscheduled_contact_add", follow_up.pathway))
    follow_up = FollowUpFactory()
    links = _closing_links(follow_up.pathway)
    assert links["Analgesic use is not recorded."] == ("4-week follow-up form", _page("follow_up", follow_up.pathway))
