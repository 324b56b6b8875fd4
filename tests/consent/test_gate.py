"""The consent items of the ready-for-procedure gate (domain.md 5.8), asserted exactly."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consent import selectors
from consent.gates import consent_items
from consent.models import ExplainedRisk
from pathway import workflow
from pathway.procedure import gates as procedure_gates
from tests.factories import (
    CapacityAssessmentFactory,
    ConsentConfirmationFactory,
    ConsentRecordFactory,
    ConsentWithdrawalFactory,
    MriLevelFindingFactory,
)

pytestmark = pytest.mark.django_db


def unmet(pathway) -> list[str]:
    return [str(item.reason) for item in consent_items(pathway) if not item.met]


def test_no_consent_is_a_hard_stop(ready_pathway):
    items = consent_items(ready_pathway)
    assert [str(i.reason) for i in items] == ["No consent has been recorded."]
    assert items[0].reason.overridable is False
    assert "No consent has been recorded." in procedure_gates.gate_procedure(ready_pathway)


def test_signed_confirmed_consent_passes(ready_pathway):
    ConsentConfirmationFactory(consent=ConsentRecordFactory(pathway=ready_pathway, signed=True))
    assert unmet(ready_pathway) == []
    assert all(item.met for item in consent_items(ready_pathway))


def test_draft_lists_what_is_missing(ready_pathway):
    consent = ConsentRecordFactory(
        pathway=ready_pathway, alternatives=["conservative"], leaflet=None, leaflet_given_on=None
    )
    ExplainedRisk.objects.filter(consent=consent, risk__code__in=["death", "infection"]).update(discussed=False)
    assert unmet(ready_pathway) == [
        "Risks neither discussed nor with a reason for not discussing them: Infection, Death.",
        "The alternatives discussed, including no treatment, are not recorded.",
        "The leaflet given to the patient, with its version, is not recorded.",
        "The consent has not been signed.",
    ]


def test_a_reason_accounts_for_a_risk_not_discussed(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    ConsentConfirmationFactory(consent=consent)
    ExplainedRisk.objects.filter(consent=consent, risk__code="death").update(
        discussed=False, not_discussed_reason="Patient declined further detail about serious risks."
    )
    assert unmet(ready_pathway) == []


def test_signed_but_not_confirmed(ready_pathway):
    ConsentRecordFactory(pathway=ready_pathway, signed=True)
    assert unmet(ready_pathway) == ["The consent has not been confirmed on the day by the operator."]


def test_confirmed_on_another_day(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    ConsentConfirmationFactory(consent=consent, confirmed_at=yesterday)
    today = timezone.localdate()
    assert unmet(ready_pathway) == [
        f"The consent was confirmed on {timezone.localtime(yesterday):%-d %b %Y}, not on the day of the procedure "
        f"({today:%-d %b %Y}): the operator confirms it again on the day."
    ]


def test_withdrawn_consent_is_a_hard_stop(ready_pathway):
    withdrawal = ConsentWithdrawalFactory(consent=ConsentRecordFactory(pathway=ready_pathway, signed=True))
    items = consent_items(ready_pathway)
    assert [str(i.reason) for i in items] == [
        f"Consent was withdrawn on {timezone.localtime(withdrawal.withdrawn_at):%-d %b %Y} (before the procedure): "
        "a new consent is needed."
    ]
    assert items[0].reason.overridable is False


def test_level_change_after_signing_flags_reconsent(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    ConsentConfirmationFactory(consent=consent)
    assert unmet(ready_pathway) == []
    # The MRI review adds L1 after the patient signed for T12 alone.
    MriLevelFindingFactory(scan=ready_pathway.mri, level="L1")
    assert selectors.flagged_for_reconsent(consent)
    reasons = [i.reason for i in consent_items(ready_pathway) if not i.met]
    assert reasons == [
        "The planned levels have changed since the consent was signed (consented: T12; planned: T12, L1): "
        "re-consent is needed."
    ]
    assert reasons[0].overridable is False
    assert selectors.consented_levels(pathway=ready_pathway) == ["T12"]


def test_lapsed_consent(ready_pathway):
    signed = timezone.now() - datetime.timedelta(days=200)
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, signed_at=signed, patient_signed_at=signed)
    ConsentConfirmationFactory(consent=consent)
    assert unmet(ready_pathway) == [
        f"The consent has lapsed: signed {timezone.localtime(signed):%-d %b %Y}, valid for 182 days."
    ]
    assert selectors.consented_levels(pathway=ready_pathway) == []


def test_capacity_concern_needs_an_assessment(make_ready_pathway):
    pathway = make_ready_pathway(capacity_concern=True, capacity_concern_details="Forgetful; mild dementia.")
    ConsentConfirmationFactory(consent=ConsentRecordFactory(pathway=pathway, signed=True))
    assert unmet(pathway) == [
        "A capacity concern was recorded at pre-assessment: record a capacity assessment on the consent."
    ]


def test_form1_when_the_patient_lacks_capacity(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    CapacityAssessmentFactory(consent=consent)
    ConsentConfirmationFactory(consent=consent)
    assert unmet(ready_pathway) == [
        "The capacity assessment shows the patient lacks capacity for this decision: a Form 4 is needed."
    ]


def test_form4_passes_with_a_complete_best_interests_record(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, form_type="form4", signed=True)
    CapacityAssessmentFactory(consent=consent)
    ConsentConfirmationFactory(consent=consent)
    assert unmet(ready_pathway) == []


def test_form4_without_assessment_or_with_capacity(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, form_type="form4", signed=True)
    ConsentConfirmationFactory(consent=consent)
    assert unmet(ready_pathway) == ["A Form 4 needs the capacity assessment."]
    CapacityAssessmentFactory(consent=consent, understand="able", retain="able", weigh="able")
    consent.refresh_from_db()
    assert unmet(ready_pathway) == [
        "The capacity assessment shows the patient has capacity for this decision: use a Form 1."
    ]


def test_form4_incomplete_best_interests(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, form_type="form4", signed=True)
    CapacityAssessmentFactory(consent=consent, attorney="", best_interests="", consulted="")
    ConsentConfirmationFactory(consent=consent)
    assert unmet(ready_pathway) == [
        "The Form 4 best-interests record is incomplete: the lasting power of attorney or deputy check; "
        "the best-interests reasoning; who was consulted (or an advocate instructed)."
    ]


def test_interpreter_needed(make_ready_pathway):
    pathway = make_ready_pathway(interpreter_required=True, interpreter_language="Polish")
    consent = ConsentRecordFactory(pathway=pathway, signed=True)
    ConsentConfirmationFactory(consent=consent)
    assert unmet(pathway) == ["An interpreter was needed but the interpreter's statement is not recorded."]
    type(consent).objects.filter(pk=consent.pk).update(
        interpreter_used=True, interpreter_name="Anna Nowak", interpreter_statement=True
    )
    assert unmet(pathway) == []


def test_consent_reasons_block_the_procedure_gate_without_override(ready_pathway, consultant):
    ConsentWithdrawalFactory(consent=ConsentRecordFactory(pathway=ready_pathway, signed=True))
    with pytest.raises(workflow.GateClosed) as exc:
        workflow.advance(
            pathway=ready_pathway, to_stage="procedure", acting_user=consultant, override_reason="Emergency"
        )
    assert any("withdrawn" in r for r in exc.value.reasons)


def test_risk_on_consent(ready_pathway):
    assert selectors.risk_on_consent(pathway=ready_pathway, risk_code="infection") is None
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    ExplainedRisk.objects.filter(consent=consent, risk__code="rib_fracture").update(
        discussed=False, not_discussed_reason="Declined detail."
    )
    assert selectors.risk_on_consent(pathway=ready_pathway, risk_code="infection") is True
    assert selectors.risk_on_consent(pathway=ready_pathway, risk_code="rib_fracture") is False
    assert selectors.risk_on_consent(pathway=ready_pathway, risk_code="no_such_risk") is False
