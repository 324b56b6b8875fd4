"""Consent services: start (snapshot), draft, sign (password, completeness, frozen), confirm (who,
when), withdraw (pathway reacts), risk versions."""

from __future__ import annotations

import base64
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consent import selectors, services, signatures
from consent.models import ConsentRecord, ConsentWithdrawal, ExplainedRisk, Leaflet, Risk
from pathway.models import ExitState, Stage
from tests.factories import PASSWORD, ConsentConfirmationFactory, ConsentRecordFactory, _png_signature

pytestmark = pytest.mark.django_db


def _drawn():
    return services.Signature(method="drawn", patient_png=_png_signature())


def _complete_draft(pathway, user):
    consent = services.start_consent(acting_user=user, pathway=pathway)
    ExplainedRisk.objects.filter(consent=consent).update(discussed=True)
    ConsentRecord.objects.filter(pk=consent.pk).update(
        alternatives=["conservative", "no_treatment"],
        leaflet=Leaflet.objects.order_by("id").first(),
        leaflet_given_on=timezone.localdate(),
    )
    return ConsentRecord.objects.get(pk=consent.pk)


def test_start_copies_every_library_risk_and_the_planned_levels(ready_pathway, consultant):
    consent = services.start_consent(acting_user=consultant, pathway=ready_pathway)
    assert consent.levels == ["T12"]
    codes = list(consent.explained_risks.values_list("risk__code", flat=True))
    assert codes == [
        "cement_leak", "canal_leak", "neuro_injury", "pce_any", "pce_symptomatic", "infection",
        "acute_complication", "new_fracture", "bleeding", "allergy", "rib_fracture", "pain_flare",
        "radiation", "no_relief", "death", "sedation",
    ]  # fmt: skip
    assert selectors.current_consent(ready_pathway) == consent


def test_only_a_consultant_records_consent(ready_pathway, radiologist):
    with pytest.raises(PermissionDenied):
        services.start_consent(acting_user=radiologist, pathway=ready_pathway)


def test_a_second_draft_is_refused(ready_pathway, consultant):
    services.start_consent(acting_user=consultant, pathway=ready_pathway)
    with pytest.raises(services.ConsentError, match="draft consent is already open"):
        services.start_consent(acting_user=consultant, pathway=ready_pathway)


def test_editing_the_library_never_changes_an_explained_risk(ready_pathway, consultant, make_user):
    from consent import governance
    from consent.models import RiskFrequencyChange

    consent = services.start_consent(acting_user=consultant, pathway=ready_pathway)
    risk = Risk.objects.get(code="infection")
    old = risk.current_version
    # A new frequency waits for a second consultant (issue 13: configuration is governed).
    pending = services.revise_risk(
        acting_user=consultant, risk=risk, frequency_numbers="about 1 in 250", frequency_change_reason="Registry."
    )
    assert pending is None and risk.versions.count() == 1
    second = make_user("Consultant", username="second_consultant")
    governance.approve_frequency_change(acting_user=second, change=RiskFrequencyChange.objects.get(risk=risk))
    new = Risk.objects.get(pk=risk.pk).current_version
    assert new.number == old.number + 1
    assert new.frequency_numbers == "about 1 in 250"
    assert risk.versions.count() == 2
    explained = consent.explained_risks.get(risk=risk)
    assert explained.frequency_numbers == old.frequency_numbers == "about 1 in 300 (0.3%)"
    assert services.revise_risk(acting_user=consultant, risk=risk, frequency_numbers="about 1 in 250") is None


def test_sign_needs_the_clinicians_password(ready_pathway, consultant):
    consent = _complete_draft(ready_pathway, consultant)
    with pytest.raises(services.ConsentError, match="password was not accepted"):
        services.sign_consent(
            acting_user=consultant, consent=consent, expected_version=consent.version, signature=_drawn(), password="x"
        )
    assert not ConsentRecord.objects.get(pk=consent.pk).is_signed


def test_sign_refuses_an_incomplete_record(ready_pathway, consultant):
    consent = services.start_consent(acting_user=consultant, pathway=ready_pathway)
    with pytest.raises(services.ConsentError) as exc:
        services.sign_consent(
            acting_user=consultant,
            consent=consent,
            expected_version=consent.version,
            signature=_drawn(),
            password=PASSWORD,
        )
    assert exc.value.reasons[1:] == [
        "The alternatives discussed, including no treatment, are not recorded.",
        "The leaflet given to the patient, with its version, is not recorded.",
    ]
    assert exc.value.reasons[0].startswith("Risks neither discussed nor with a reason")


def test_signing_freezes_the_consent_and_stores_a_pdf(ready_pathway, consultant):
    consent = _complete_draft(ready_pathway, consultant)
    signed = services.sign_consent(
        acting_user=consultant, consent=consent, expected_version=consent.version, signature=_drawn(), password=PASSWORD
    )
    assert signed.is_signed and signed.clinician == consultant
    assert signed.leaflet_version == signed.leaflet.version
    assert [d.event for d in signed.documents.all()] == ["signed"]
    signed.patient_questions = "Changed afterwards"
    with pytest.raises(services.ConsentError, match="can no longer be changed"):
        services.save_draft(acting_user=consultant, consent=signed, expected_version=signed.version)
    assert ConsentRecord.objects.get(pk=consent.pk).patient_questions == ""


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("scan.pdf", b"%PDF-1.7 signed form", True),
        ("scan.png", b"\x89PNG\r\n\x1a\n....", True),
        ("scan.exe", b"MZ\x90\x00", False),
    ],
)
def test_paper_signature_scan_types(ready_pathway, consultant, name, content, ok):
    consent = _complete_draft(ready_pathway, consultant)
    signature = services.Signature(method="paper", paper_scan=SimpleUploadedFile(name, content))
    call = lambda: services.sign_consent(  # noqa: E731
        acting_user=consultant,
        consent=consent,
        expected_version=consent.version,
        signature=signature,
        password=PASSWORD,
    )
    if ok:
        signed = call()
        assert signed.signature_method == "paper" and len(signed.paper_scan_sha256) == 64
    else:
        with pytest.raises(services.ConsentError, match="PDF, PNG or JPEG"):
            call()


def test_signature_data_url_must_be_a_non_blank_png():
    good = "data:image/png;base64," + base64.b64encode(_png_signature()).decode()
    assert signatures.png_from_data_url(good).startswith(b"\x89PNG")
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(out, format="PNG")
    for bad in ("", "data:image/gif;base64,AAAA", "data:image/png;base64,@@@", good.replace("iVBOR", "AAAAA")):
        with pytest.raises(ValueError):
            signatures.png_from_data_url(bad)
    with pytest.raises(ValueError):
        signatures.png_from_data_url("data:image/png;base64," + base64.b64encode(out.getvalue()).decode())


# --- confirmation: who and when ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Radiologist", "Consultant"])
def test_the_operator_confirms_on_the_day(ready_pathway, make_user, role):
    operator = make_user(role)
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, operator=operator)
    services.confirm_consent(
        acting_user=operator,
        consent=consent,
        no_further_questions=True,
        wishes_to_proceed=True,
        risks_rediscussed=False,
        changes_noted="",
        has_capacity_today=True,
        capacity_how="Repeated the risks back.",
    )
    assert consent.confirmations.get().confirmed_by == operator
    assert [d.event for d in consent.documents.all()] == ["confirmed"]


@pytest.mark.parametrize("role", ["Nurse", "Manager"])
def test_others_cannot_confirm(ready_pathway, make_user, role):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    with pytest.raises(PermissionDenied):
        services.confirm_consent(
            acting_user=make_user(role),
            consent=consent,
            no_further_questions=True,
            wishes_to_proceed=True,
            risks_rediscussed=False,
            changes_noted="",
        )


def _confirm(consent, user, **kwargs):
    """`user` confirms as the named operator (who may confirm: tests/consent/test_confirmation_operator.py)."""
    type(consent).objects.filter(pk=consent.pk).update(operator=user)
    consent.operator = user
    args = {
        "no_further_questions": True,
        "wishes_to_proceed": True,
        "risks_rediscussed": False,
        "changes_noted": "",
        "has_capacity_today": True,
        "capacity_how": "Explained again; repeated the risks back.",
    }
    return services.confirm_consent(acting_user=user, consent=consent, **{**args, **kwargs})


def test_confirmation_cannot_come_before_the_signature(ready_pathway, radiologist):
    consent = ConsentRecordFactory(pathway=ready_pathway)
    with pytest.raises(services.ConsentError) as exc:
        _confirm(consent, radiologist)
    assert exc.value.reasons == ["The consent must be signed before it can be confirmed."]


def test_confirmation_cannot_come_after_validity_lapsed(ready_pathway, radiologist):
    signed = timezone.now() - datetime.timedelta(days=183)
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, signed_at=signed, patient_signed_at=signed)
    with pytest.raises(services.ConsentError) as exc:
        _confirm(consent, radiologist, risks_rediscussed=True)
    until = timezone.localdate(signed) + datetime.timedelta(days=182)
    assert exc.value.reasons == [f"The consent lapsed on {until:%-d %b %Y}; a new consent is needed."]


def test_confirmation_is_on_the_day_of_the_procedure(ready_pathway, radiologist):
    ready_pathway.planned_procedure_on = timezone.localdate() + datetime.timedelta(days=3)
    ready_pathway.save()
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    with pytest.raises(services.ConsentError) as exc:
        _confirm(consent, radiologist)
    assert exc.value.reasons == [
        f"Confirmation is recorded on the day of the procedure ({ready_pathway.planned_procedure_on:%-d %b %Y})."
    ]


def test_long_ago_signature_needs_the_risks_gone_through_again(ready_pathway, radiologist):
    signed = timezone.now() - datetime.timedelta(days=100)
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, signed_at=signed, patient_signed_at=signed)
    with pytest.raises(services.ConsentError, match="more than 84 days ago"):
        _confirm(consent, radiologist)
    _confirm(consent, radiologist, risks_rediscussed=True)


def test_confirmation_needs_both_statements(ready_pathway, radiologist):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    with pytest.raises(services.ConsentError, match="no further questions"):
        _confirm(consent, radiologist, wishes_to_proceed=False)


# --- withdrawal ------------------------------------------------------------------------------------


def _withdrawal(**kwargs):
    return ConsentWithdrawal(withdrawn_by="patient", timing="before", reason="Changed her mind.", **kwargs)


def test_withdrawal_at_procedure_stage_returns_the_pathway_to_consent(ready_pathway, radiologist):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    ConsentConfirmationFactory(consent=consent)
    type(ready_pathway).objects.filter(pk=ready_pathway.pk).update(current_stage=Stage.PROCEDURE)
    consent = ConsentRecord.objects.get(pk=consent.pk)
    services.withdraw_consent(acting_user=radiologist, consent=consent, withdrawal=_withdrawal())
    ready_pathway.refresh_from_db()
    assert ready_pathway.current_stage == Stage.CONSENT
    assert ready_pathway.transitions.last().reason == "Consent withdrawn: the patient"
    assert selectors.consented_levels(pathway=ready_pathway) == []
    assert [d.event for d in consent.documents.all()] == ["withdrawn"]
    with pytest.raises(services.ConsentError, match="already been withdrawn"):
        services.withdraw_consent(acting_user=radiologist, consent=consent, withdrawal=_withdrawal())


def test_withdrawal_can_close_the_pathway(ready_pathway, consultant):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    services.withdraw_consent(acting_user=consultant, consent=consent, withdrawal=_withdrawal(), then="close")
    ready_pathway.refresh_from_db()
    assert ready_pathway.exit_state == ExitState.CONSENT_WITHDRAWN


def test_withdrawal_during_the_procedure_needs_the_stop_point(ready_pathway, radiologist):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    during = ConsentWithdrawal(withdrawn_by="patient", timing="during", reason="Asked to stop.")
    with pytest.raises(ValidationError, match="stopped safely"):
        services.withdraw_consent(acting_user=radiologist, consent=consent, withdrawal=during)
    assert not ConsentWithdrawal.objects.exists()


def test_nurse_cannot_record_a_withdrawal(ready_pathway, nurse):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(acting_user=nurse, consent=consent, withdrawal=_withdrawal())


def test_new_consent_after_withdrawal_supersedes_it(ready_pathway, consultant):
    old = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    services.withdraw_consent(acting_user=consultant, consent=old, withdrawal=_withdrawal())
    new = services.start_consent(acting_user=consultant, pathway=ready_pathway)
    old.refresh_from_db()
    assert old.superseded_by == new
    assert selectors.current_consent(ready_pathway) == new


def test_new_consent_refused_while_a_signed_one_is_in_force(ready_pathway, consultant):
    ConsentRecordFactory(pathway=ready_pathway, signed=True)
    with pytest.raises(services.ConsentError, match="withdraw it first"):
        services.start_consent(acting_user=consultant, pathway=ready_pathway)


KEYBOARD_REFUSAL = "To sign with the keyboard the patient types their full name and ticks the statement above it."
WITNESS_REFUSAL = (
    "The witness's name is needed, with their drawn signature or their tick that they saw the patient indicate "
    "consent, when the patient cannot sign."
)


@pytest.mark.parametrize(
    ("signature", "refusal"),
    [
        (services.Signature(method="typed", typed_name="Ann Example", attested=False), KEYBOARD_REFUSAL),
        (services.Signature(method="typed", typed_name="  ", attested=True), KEYBOARD_REFUSAL),
        (services.Signature(method="witness", witness_name="Ward sister", witness_attested=False), WITNESS_REFUSAL),
        (services.Signature(method="witness", witness_name="", witness_attested=True), WITNESS_REFUSAL),
        (services.Signature(method="typed", typed_name="Ann Example", attested=True), None),
        (services.Signature(method="witness", witness_name="Ward sister", witness_attested=True), None),
    ],
)
def test_keyboard_routes_to_a_signature(ready_pathway, consultant, signature, refusal):
    """A patient (or witness) who cannot use a pointer signs with the keyboard (issue 16)."""
    consent = _complete_draft(ready_pathway, consultant)
    version = consent.version
    sign = lambda: services.sign_consent(  # noqa: E731
        acting_user=consultant, consent=consent, expected_version=version, signature=signature, password=PASSWORD
    )
    if refusal:
        with pytest.raises(services.ConsentError) as exc:
            sign()
        assert exc.value.reasons == [refusal]
        assert not ConsentRecord.objects.get(pk=consent.pk).is_signed
    else:
        signed = sign()
        assert signed.is_signed and signed.signature_method == signature.method
        assert signed.patient_typed_name == ("Ann Example" if signature.method == "typed" else "")
        assert signed.witness_signature is None
