"""The consultant's "consents flagged for re-consent" list: the levels planned from the MRI review
differ from the levels on the signed consent in force. Exactly which pathways appear, and agreement
with consent.selectors.flagged_for_reconsent (the rule the consent page applies) case by case."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from consent import selectors as consent_selectors
from consent.models import ConsentRecord
from dashboard.selectors import worklist_counts, worklists_for_user
from pathway.core import state
from pathway.models import ExitState, Stage
from tests.dashboard.helpers import make_pathway
from tests.factories import (
    ConsentRecordFactory,
    ConsentWithdrawalFactory,
    MriLevelFindingFactory,
    MriScanFactory,
    UserFactory,
    _png_signature,
)

pytestmark = pytest.mark.django_db


def _pathway(name, *, planned, consented, stage=Stage.CONSENT, signed=True, untreatable=(), **fields):
    """A pathway with an MRI review planning `planned` (None: no MRI review), `untreatable` levels
    reported but not planned, and a consent for `consented` (None: no consent)."""
    pathway = make_pathway(stage=stage, **fields)
    if planned is not None:
        scan = MriScanFactory(pathway=pathway)
        for level in planned:
            MriLevelFindingFactory(scan=scan, level=level)
        for level, change in untreatable:
            MriLevelFindingFactory(scan=scan, level=level, **change)
    consent = None
    if consented is not None:
        consent = ConsentRecordFactory(pathway=pathway, levels=list(consented), signed=signed, risks=False)
    return pathway, consent


@pytest.fixture(scope="module")
def cases(module_db):
    """Every case, built once for the module: the tests only read them."""
    made = {}
    made["same"] = _pathway("same", planned=["T12"], consented=["T12"])
    made["same_other_order"] = _pathway("same_other_order", planned=["T12", "L1"], consented=["L1", "T12"])
    made["t1_and_t12"] = _pathway("t1_and_t12", planned=["T1", "T12"], consented=["T12", "T1"])
    made["level_added"] = _pathway("level_added", planned=["T12", "L1"], consented=["T12"])
    made["level_dropped"] = _pathway("level_dropped", planned=["T12"], consented=["T12", "L1"])
    made["t1_not_t12"] = _pathway("t1_not_t12", planned=["T1"], consented=["T12"], stage=Stage.PROCEDURE)
    made["no_oedema_now"] = _pathway(
        "no_oedema_now", planned=[], consented=["T12"], untreatable=[("T12", {"oedema": "absent"})]
    )
    made["not_concordant"] = _pathway(
        "not_concordant",
        planned=["L2"],
        consented=["L2", "L3"],
        untreatable=[("L3", {"concordant_with_exam": False})],
    )
    made["no_mri_review"] = _pathway("no_mri_review", planned=None, consented=["T12"])
    # Never on the list:
    made["draft"] = _pathway("draft", planned=["T12", "L1"], consented=["T12"], signed=False)
    made["no_consent"] = _pathway("no_consent", planned=["T12"], consented=None)
    made["treated"] = _pathway("treated", planned=["T12", "L1"], consented=["T12"], stage=Stage.RECOVERY)
    made["closed"] = _pathway("closed", planned=["T12", "L1"], consented=["T12"], exit_state=ExitState.PATIENT_DECLINED)
    withdrawn, consent = _pathway("withdrawn", planned=["T12", "L1"], consented=["T12"])
    ConsentWithdrawalFactory(consent=consent)
    made["withdrawn"] = (withdrawn, consent)
    # The old consent (for L1 only) was superseded by a new one for the planned T12: not flagged.
    superseded, old = _pathway("superseded", planned=["T12"], consented=["L1"])
    # In the order the service keeps (one signed consent in force at a time): the new one is
    # started, supersedes the old, then is signed.
    new = ConsentRecordFactory(pathway=superseded, levels=["T12"], signed=False, risks=False)
    ConsentRecord.objects.filter(pk=old.pk).update(superseded_by=new)
    ConsentRecord.objects.filter(pk=new.pk).update(
        signed_at=timezone.now(),
        patient_signed_at=timezone.now(),
        signature_method="drawn",
        patient_signature=_png_signature(),
        clinician=UserFactory(role="Consultant", username="reconsent_clinician"),
        clinician_name="Colin Consultant",
        clinician_job_title="Consultant interventional radiologist",
    )
    new.refresh_from_db()
    # QuerySet.update sends no save signal: refresh the stored worklist state as the service's own
    # saves would (pathway.core.state).
    state.refresh([superseded.pk])
    made["superseded"] = (superseded, new)
    return made


FLAGGED = ["level_added", "level_dropped", "t1_not_t12", "no_oedema_now", "not_concordant", "no_mri_review"]


def _reconsent(user):
    (worklist,) = [wl for wl in worklists_for_user(user=user) if wl.key == "reconsent"]
    return worklist


def test_exactly_the_consents_whose_levels_differ_appear(consultant, cases):
    worklist = _reconsent(consultant)
    assert sorted(item.pathway.pk for item in worklist.items) == sorted(cases[n][0].pk for n in FLAGGED)
    assert worklist.total == len(FLAGGED)
    assert worklist_counts(user=consultant)["reconsent"] == len(FLAGGED)


@pytest.mark.parametrize(
    "name",
    ["same", "same_other_order", "t1_and_t12", "level_added", "level_dropped", "t1_not_t12", "no_oedema_now"]
    + ["not_concordant", "no_mri_review", "withdrawn", "superseded"],
)
def test_the_list_agrees_with_the_consent_pages_rule(consultant, cases, name):
    pathway, consent = cases[name]
    listed = pathway.pk in {item.pathway.pk for item in _reconsent(consultant).items}
    current = consent_selectors.current_consent(pathway)
    assert listed == consent_selectors.flagged_for_reconsent(current)
    assert listed == (name in FLAGGED)


def test_items_link_to_the_consent_form(consultant, cases):
    items = {item.pathway.pk: item.url for item in _reconsent(consultant).items}
    pathway = cases["level_added"][0]
    assert items[pathway.pk] == reverse("consent:consent", kwargs={"pk": pathway.pk})


@pytest.mark.parametrize("role", ["radiologist", "nurse", "manager"])
def test_only_consent_takers_see_the_list(request, cases, role):
    user = request.getfixturevalue(role)
    assert "reconsent" not in {wl.key for wl in worklists_for_user(user=user)}
