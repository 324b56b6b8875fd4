"""Issue 14 item 1: legs against the baseline taken before the procedure (domain.md 7.1, 7.3).

Leg power and sensation are recorded at pre-assessment (G3) and again at sign in; recovery checks are
compared with that baseline, not with the first recovery check; any fall blocks discharge until a
doctor's review (who, when, outcome) is recorded after it."""

import pytest
from django.utils import timezone

from pathway.core.gating import GateClosed, WorkflowError
from pathway.models import Stage
from pathway.pre_assessment.gates import gate_consent
from pathway.recovery import gates as recovery_gates
from pathway.recovery import services as recovery_services
from pathway.recovery.models import LegReview
from tests.factories import ObservationSetFactory, PreAssessmentFactory, ProcedureFactory, RecoveryFactory
from tests.pathway.day_helpers import ago
from tests.pathway.preprocedure_helpers import update

pytestmark = pytest.mark.django_db

NO_LEGS = {"left_leg_power": None, "right_leg_power": None, "left_leg_sensation": "", "right_leg_sensation": ""}


def _at(minutes: int) -> str:
    return f"{timezone.localtime(ago(minutes)):%H:%M}"


def _recovery(consultant, *, sign_in_legs=None, pre_legs=None):
    """A pathway in recovery whose sign-in legs (and pre-assessment legs) are as given."""
    procedure = ProcedureFactory(
        pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=consultant, **(sign_in_legs or {})
    )
    if pre_legs is not None:
        PreAssessmentFactory(pathway=procedure.pathway, **pre_legs)
    recovery = RecoveryFactory(pathway=procedure.pathway)
    return procedure.pathway, recovery


def _fresh(pathway):
    """The pathway read again, as the next request would (a refused discharge rolled back)."""
    return type(pathway).objects.get(pk=pathway.pk)


def _legs_reasons(pathway):
    return [i.reason for i in recovery_gates.discharge_items(pathway) if not i.met]


FELL = (
    "Leg power or sensation fell below the baseline before the procedure ({base}; at {at}: {now}): "
    "record a medical review."
)


@pytest.mark.parametrize(
    ("observations", "reasons"),
    [
        # The only check at 0/5 passed before (it was its own baseline); now the sign-in 5/5 is the baseline.
        (
            [{"left_leg_power": 0, "right_leg_power": 0}],
            [FELL.format(base="left 5/5, right 5/5", at="{0}", now="left 0/5, right 0/5")],
        ),
        # Two recovery checks alike, both below the baseline: the first check is not the baseline.
        (
            [{"left_leg_power": 4}, {"left_leg_power": 4}],
            [FELL.format(base="left 5/5, right 5/5", at="{1}", now="left 4/5, right 5/5")],
        ),
        (
            [{"right_leg_sensation": "altered"}],
            [
                FELL.format(
                    base="left 5/5, right 5/5", at="{0}", now="left 5/5, right 5/5, sensation altered on the right"
                )
            ],
        ),
        ([{}], []),
    ],
)
def test_recovery_legs_are_judged_against_the_sign_in_baseline(reference_data, consultant, observations, reasons):
    pathway, recovery = _recovery(consultant)
    minutes = [30, 10][: len(observations)]
    for taken, obs in zip(minutes, observations, strict=True):
        ObservationSetFactory(recovery=recovery, taken_at=ago(taken), **obs)
    expected = [r.replace("{0}", _at(minutes[0])).replace("{1}", _at(minutes[-1])) for r in reasons]
    assert _legs_reasons(pathway) == expected


def test_the_pre_assessment_is_the_baseline_when_sign_in_has_none(reference_data, consultant):
    pathway, recovery = _recovery(consultant, sign_in_legs=NO_LEGS, pre_legs={"left_leg_power": 4})
    ObservationSetFactory(recovery=recovery, left_leg_power=4)
    assert _legs_reasons(pathway) == []
    ObservationSetFactory(recovery=recovery, left_leg_power=3, taken_at=ago(1))
    assert _legs_reasons(pathway) == [FELL.format(base="left 4/5, right 5/5", at=_at(1), now="left 3/5, right 5/5")]


def test_no_baseline_blocks_discharge(reference_data, consultant):
    pathway, recovery = _recovery(consultant, sign_in_legs=NO_LEGS)
    ObservationSetFactory(recovery=recovery)
    assert _legs_reasons(pathway) == ["No leg power and sensation were recorded before the procedure (the baseline)."]


def test_a_fall_needs_a_medical_review_after_it_which_the_gate_accepts(reference_data, consultant, nurse):
    pathway, recovery = _recovery(consultant)
    ObservationSetFactory(recovery=recovery, taken_at=ago(20), left_leg_power=4)
    fell = FELL.format(base="left 5/5, right 5/5", at=_at(20), now="left 4/5, right 5/5")
    with pytest.raises(GateClosed) as exc:
        recovery_services.discharge(acting_user=nurse, pathway=pathway)
    assert exc.value.reasons == [fell]
    # Not overridable: the review record opens the gate, not a consultant's override.
    with pytest.raises(GateClosed):
        recovery_services.discharge(acting_user=consultant, pathway=_fresh(pathway), override_reason="Looks fine.")
    pathway = _fresh(pathway)
    # A review made before the fall does not count.
    early = LegReview(reviewed_by=consultant, reviewed_at=ago(25), outcome="safe", findings="Legs normal.")
    recovery_services.record_leg_review(acting_user=nurse, pathway=pathway, review=early)
    assert _legs_reasons(pathway) == [fell]
    # A review after it with another outcome still blocks, with that outcome.
    admit = LegReview(reviewed_by=consultant, reviewed_at=ago(15), outcome="admit", findings="Weak left ankle.")
    recovery_services.record_leg_review(acting_user=nurse, pathway=pathway, review=admit)
    assert _legs_reasons(pathway) == [f"Medical review of the legs by Colin Consultant at {_at(15)}: admit."]
    safe = LegReview(reviewed_by=consultant, reviewed_at=ago(5), outcome="safe", findings="Power 5/5 on re-test.")
    recovery_services.record_leg_review(acting_user=nurse, pathway=pathway, review=safe)
    assert _legs_reasons(pathway) == []
    recovery_services.discharge(acting_user=nurse, pathway=pathway)
    pathway.refresh_from_db()
    assert pathway.stage == Stage.FOLLOW_UP


def test_a_review_is_refused_without_a_fall_or_by_a_non_doctor(reference_data, consultant, nurse):
    pathway, recovery = _recovery(consultant)
    ObservationSetFactory(recovery=recovery)
    review = LegReview(reviewed_by=consultant, reviewed_at=ago(1), outcome="safe", findings="Normal.")
    with pytest.raises(WorkflowError) as exc:
        recovery_services.record_leg_review(acting_user=nurse, pathway=pathway, review=review)
    assert exc.value.reasons == ["No recovery leg check is below the baseline: there is nothing to review."]
    ObservationSetFactory(recovery=recovery, left_leg_power=4)
    review = LegReview(reviewed_by=nurse, reviewed_at=ago(0), outcome="safe", findings="Normal.")
    with pytest.raises(WorkflowError) as exc:
        recovery_services.record_leg_review(acting_user=nurse, pathway=pathway, review=review)
    assert exc.value.reasons == ["The reviewer must be a doctor of the service."]


def test_the_observation_alert_compares_with_the_baseline(reference_data, consultant, nurse):
    pathway, recovery = _recovery(consultant)
    from pathway.recovery.models import ObservationSet

    obs = ObservationSet(
        taken_at=ago(1),
        respiration_rate=16,
        spo2=97,
        systolic_bp=130,
        pulse=70,
        temperature_c=36.8,
        left_leg_power=0,
        right_leg_power=0,
        left_leg_sensation="normal",
        right_leg_sensation="normal",
    )
    alerts = recovery_services.add_observation_set(acting_user=nurse, pathway=pathway, observation=obs)
    assert alerts == [
        "Leg power or sensation is worse than before the procedure: escalate to the operator now; "
        "discharge needs a medical review recorded."
    ]


def test_g3_needs_the_baseline_legs(ready):
    missing = "Leg power and sensation (the baseline before the procedure) are not recorded."
    assert missing not in gate_consent(ready)
    assert missing in gate_consent(update(ready, pre=NO_LEGS))
