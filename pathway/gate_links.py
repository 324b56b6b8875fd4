"""Where to put right each reason a gate gives (issue 16: every gate message links to the form that
satisfies it). The reasons are those of the stages' own item builders; this module only asks each
builder, in pathway order, which reasons are its own, so a reason is linked to the first stage form
that records what it asks for. A few reasons are put right on a form of their own rather than the
stage's main one (issue 14: the operator's confirmation on the day, the legs in recovery); those
are named here by the item that gives them. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from pathway.core import providers
from pathway.core.choices import Stage
from pathway.core.gating import CONSENT_CONFIRMED_LABEL, stage_record
from pathway.core.models import Pathway, rule_values
from pathway.follow_up.gates import completion_reasons, window_reasons
from pathway.mri.gates import mri_items
from pathway.pre_assessment.gates import pre_assessment_items
from pathway.recovery.gates import baseline_legs, discharge_items, escalation_items, legs_items
from pathway.suitability.gates import suitability_items
from pathway.templatetags.pathway_tags import stage_url


@dataclass(frozen=True)
class LinkedReason:
    text: str
    stage: Stage | None
    url: str | None
    form: str = ""  # the form's name when it is not the stage's main form

    @property
    def form_label(self) -> str:
        if self.form:
            return self.form
        return f"{self.stage.label} form" if self.stage else ""


@dataclass(frozen=True)
class _Owner:
    stage: Stage
    url: str | None = None  # None: the stage's main form
    form: str = ""


def _unmet(items) -> list[str]:
    return [str(item.reason) for item in items if not item.met]


def _consent_owners(pathway: Pathway) -> dict[str, _Owner]:
    """The consent's items belong to the consent page, except the confirmation on the day, which has
    its own page (domain.md 5.6: stage 2, by the operator named on the consent)."""
    owners: dict[str, _Owner] = {}
    consent = providers.consent().current_consent(pathway)
    for item in providers.consent().readiness_items(pathway):
        if item.met:
            continue
        owner = _Owner(Stage.CONSENT)
        if item.label == CONSENT_CONFIRMED_LABEL and consent is not None and consent.signed_at:
            url = reverse("consent:confirm", kwargs={"pk": pathway.pk, "consent_id": consent.pk})
            owner = _Owner(Stage.CONSENT, url, "consent confirmation page")
        owners.setdefault(str(item.reason), owner)
    return owners


def _recovery_owners(pathway: Pathway) -> dict[str, _Owner]:
    """Discharge criteria belong to the recovery form, the legs to what puts them right (domain.md
    7.1, 7.3 criterion 3): a check of the legs on an observation set, or a doctor's review after a
    fall. A missing baseline from before the procedure cannot be recorded in recovery: no link."""
    recovery = stage_record(pathway, Stage.RECOVERY)
    if recovery is None:
        return {}
    owners = {text: _Owner(Stage.RECOVERY) for text in _unmet(discharge_items(pathway))}
    # An open NEWS2 escalation is closed on its own form (issue 14: who was called, when, the outcome).
    escalations = [e for e in recovery.escalations.select_related("observation") if e.closed_at is None]
    for escalation, text in zip(escalations, _unmet(escalation_items(recovery)), strict=False):
        url = reverse("pathway:escalation_close", kwargs={"pk": pathway.pk, "escalation_pk": escalation.pk})
        owners[text] = _Owner(Stage.RECOVERY, url, "NEWS2 escalation form")
    observations = list(recovery.observations.all())
    leg_reasons = _unmet(legs_items(pathway, recovery, observations))
    if not leg_reasons:
        return owners
    if baseline_legs(pathway) is None:
        for text in leg_reasons:
            owners.pop(text, None)
    elif not any(o.has_leg_checks for o in observations):
        url = reverse("pathway:observation_set_add", kwargs={"pk": pathway.pk})
        owners.update({text: _Owner(Stage.RECOVERY, url, "observation form") for text in leg_reasons})
    else:
        url = reverse("pathway:recovery", kwargs={"pk": pathway.pk}) + "#leg-reviews"
        owners.update({text: _Owner(Stage.RECOVERY, url, "medical review form") for text in leg_reasons})
    return owners


def _follow_up_owners(pathway: Pathway) -> dict[str, _Owner]:
    """G7's reasons belong to the follow-up form, except the window's (issue 14): a contact before the
    window opens is recorded as an unscheduled contact, on its own form (domain.md 8.1)."""
    follow_up = stage_record(pathway, Stage.FOLLOW_UP)
    if follow_up is None:
        return {}
    owners = {str(reason): _Owner(Stage.FOLLOW_UP) for reason in completion_reasons(pathway)}
    url = reverse("pathway:unscheduled_contact_add", kwargs={"pk": pathway.pk})
    for reason in window_reasons(follow_up):
        owners[str(reason)] = _Owner(Stage.FOLLOW_UP, url, "unscheduled contact form")
    return owners


def _owners(pathway: Pathway, wanted: set[str]) -> dict[str, _Owner]:
    """The owner of each reason in `wanted`, asking the item builders in pathway order and stopping
    once every wanted reason has one. Builders of stages the pathway has not reached are not asked:
    their forms cannot be filled in yet, so their reasons are shown without a link either way; after
    the procedure, the pre-procedure builders are not asked either (their gates are behind it)."""
    rules = rule_values()
    owners: dict[str, _Owner] = {}
    builders = (
        (
            Stage.SUITABILITY,
            lambda: {t: _Owner(Stage.SUITABILITY) for t in _unmet(suitability_items(pathway, rules, full=True))},
        ),
        (Stage.MRI, lambda: {t: _Owner(Stage.MRI) for t in _unmet(mri_items(pathway))}),
        (
            Stage.PRE_ASSESSMENT,
            lambda: {
                t: _Owner(Stage.PRE_ASSESSMENT)
                for on_the_day in (True, False)
                for t in _unmet(pre_assessment_items(pathway, rules, on_the_day=on_the_day))
            },
        ),
        (Stage.CONSENT, lambda: _consent_owners(pathway)),
        (Stage.RECOVERY, lambda: _recovery_owners(pathway)),
        (Stage.FOLLOW_UP, lambda: _follow_up_owners(pathway)),
    )
    after_procedure = pathway.stage.index > Stage.PROCEDURE.index
    for stage, build in builders:
        if wanted <= owners.keys() or stage.index > pathway.stage.index:
            break
        if after_procedure and stage.index < Stage.PROCEDURE.index:
            continue  # readiness for a procedure already done: its gates are behind the pathway
        for text, owner in build().items():
            owners.setdefault(text, owner)
    return owners


def link_reasons(pathway: Pathway, reasons) -> list[LinkedReason]:
    """Each reason with the form that puts it right, when one is known: the one the item that gives
    it names, or the stage whose item builder gives it, or the stage a "... not yet recorded."
    reason names."""
    if not reasons:
        return []
    owners = _owners(pathway, {str(reason) for reason in reasons})
    by_missing = {f"{stage.label} not yet recorded.": _Owner(stage) for stage in Stage}
    linked = []
    for reason in reasons:
        text = str(reason)
        owner = owners.get(text) or by_missing.get(text)
        if owner is None or owner.stage.index > pathway.stage.index:
            # No known form, or one the pathway has not reached (it cannot be filled in yet).
            linked.append(LinkedReason(text=text, stage=None, url=None))
            continue
        url = owner.url or stage_url(pathway.pk, owner.stage.value)
        linked.append(LinkedReason(text=text, stage=owner.stage, url=url, form=owner.form))
    return linked
