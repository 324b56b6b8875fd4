"""The drug hold table of domain.md 4.3: every drug, the creatinine-clearance bands, restart advice."""

import datetime
from decimal import Decimal

import pytest

from pathway.anticoagulation import DRUGS, cockcroft_gault, hold_plan

PROCEDURE = datetime.date(2026, 3, 10)  # a Tuesday


def days_before(n: int) -> datetime.date:
    return PROCEDURE - datetime.timedelta(days=n)


# drug, creatinine clearance, expected last dose day, expected restart day
PLANS = [
    # Holds count full days with no dose before the procedure day, none on the day [A][R27].
    ("warfarin", None, days_before(6), PROCEDURE + datetime.timedelta(days=1)),
    ("apixaban", Decimal("60"), days_before(3), PROCEDURE + datetime.timedelta(days=2)),
    ("apixaban", Decimal("25.1"), days_before(3), PROCEDURE + datetime.timedelta(days=2)),
    ("rivaroxaban", Decimal("31"), days_before(3), PROCEDURE + datetime.timedelta(days=2)),
    ("edoxaban", Decimal("16"), days_before(3), PROCEDURE + datetime.timedelta(days=2)),
    ("dabigatran", Decimal("51"), days_before(3), PROCEDURE + datetime.timedelta(days=2)),
    ("dabigatran", Decimal("50"), days_before(5), PROCEDURE + datetime.timedelta(days=2)),
    ("dabigatran", Decimal("30"), days_before(5), PROCEDURE + datetime.timedelta(days=2)),
    ("ufh_infusion", None, PROCEDURE, PROCEDURE + datetime.timedelta(days=1)),
    ("lmwh_prophylactic", None, days_before(1), PROCEDURE + datetime.timedelta(days=1)),
    ("lmwh_therapeutic", None, days_before(1), PROCEDURE + datetime.timedelta(days=2)),
    ("fondaparinux", Decimal("51"), days_before(4), PROCEDURE + datetime.timedelta(days=2)),
    ("fondaparinux", Decimal("50"), days_before(6), PROCEDURE + datetime.timedelta(days=2)),
    ("fondaparinux", Decimal("30"), days_before(6), PROCEDURE + datetime.timedelta(days=2)),
    ("clopidogrel", None, days_before(6), PROCEDURE + datetime.timedelta(days=1)),
    ("aspirin", None, days_before(6), PROCEDURE + datetime.timedelta(days=1)),
    ("prasugrel", None, days_before(8), PROCEDURE + datetime.timedelta(days=1)),
    ("ticagrelor", None, days_before(6), PROCEDURE + datetime.timedelta(days=1)),
]


@pytest.mark.parametrize(("drug", "crcl", "last_dose", "restart"), PLANS)
def test_hold_plan_for_every_drug(drug, crcl, last_dose, restart):
    plan = hold_plan(drug=drug, procedure_on=PROCEDURE, crcl=crcl)
    assert plan.computed
    assert not plan.needs_written_plan
    assert plan.last_dose_on == last_dose
    assert plan.restart_on == restart
    assert plan.evidence_tag and plan.source


def test_every_drug_in_the_table_is_tested():
    assert {row[0] for row in PLANS} == set(DRUGS)


def test_two_day_hold_means_last_dose_three_days_before():
    plan = hold_plan(drug="apixaban", procedure_on=PROCEDURE, crcl=Decimal("80"))
    assert plan.last_dose_on == datetime.date(2026, 3, 7)
    assert plan.timing == "Last dose Sat 7 Mar 2026; none for 2 full days before, nor on the day."


def test_aspirin_advice_says_none_for_24_hours_after():
    plan = hold_plan(drug="aspirin", procedure_on=PROCEDURE)
    assert plan.restart_advice.startswith("No aspirin for 24 hours after the procedure.")
    assert "Wed 11 Mar 2026" in plan.restart_advice


@pytest.mark.parametrize(
    ("drug", "crcl", "why"),
    [
        ("apixaban", Decimal("25"), "creatinine clearance 25 mL/min; the table covers above 25 mL/min"),
        ("rivaroxaban", Decimal("30"), "creatinine clearance 30 mL/min; the table covers above 30 mL/min"),
        ("edoxaban", Decimal("15"), "creatinine clearance 15 mL/min; the table covers above 15 mL/min"),
        ("dabigatran", Decimal("29.9"), "creatinine clearance 29.9 mL/min; the table covers at least 30 mL/min"),
        ("fondaparinux", Decimal("20"), "creatinine clearance 20 mL/min; the table covers at least 30 mL/min"),
        ("apixaban", None, "creatinine clearance unknown (weight and creatinine needed)"),
        ("dabigatran", None, "creatinine clearance unknown (weight and creatinine needed)"),
    ],
)
def test_clearance_below_the_limit_or_unknown_needs_a_written_plan(drug, crcl, why):
    plan = hold_plan(drug=drug, procedure_on=PROCEDURE, crcl=crcl)
    assert plan.needs_written_plan
    assert plan.last_dose_on is None
    assert plan.why == why


def test_unknown_drug_needs_a_written_plan():
    plan = hold_plan(drug="other", procedure_on=PROCEDURE, name="Vorapaxar")
    assert plan.needs_written_plan
    assert plan.why == "Vorapaxar is not in the drug table"


def test_antiplatelet_with_recent_stent_needs_cardiology():
    plan = hold_plan(drug="clopidogrel", procedure_on=PROCEDURE, recent_stent=True)
    assert plan.needs_written_plan
    assert plan.why == "recent coronary stent: cardiology advice needed"
    # Anticoagulants are unaffected by the stent flag.
    assert hold_plan(drug="warfarin", procedure_on=PROCEDURE, recent_stent=True).computed


def test_no_planned_date_means_no_plan_yet():
    plan = hold_plan(drug="warfarin", procedure_on=None)
    assert not plan.computed
    assert not plan.needs_written_plan
    assert plan.why == "no planned procedure date"


def test_plan_moves_with_the_date():
    first = hold_plan(drug="clopidogrel", procedure_on=PROCEDURE)
    later = hold_plan(drug="clopidogrel", procedure_on=PROCEDURE + datetime.timedelta(days=7))
    assert later.last_dose_on - first.last_dose_on == datetime.timedelta(days=7)


@pytest.mark.parametrize(
    ("age", "weight", "sex", "creatinine", "expected"),
    [
        (80, Decimal("60"), "female", 100, Decimal("37.4")),  # 60 x 60 x 1.04 / 100
        (80, Decimal("60"), "male", 100, Decimal("44.3")),  # 60 x 60 x 1.23 / 100
        (80, Decimal("60"), "other", 100, Decimal("37.4")),  # not stated: the lower (female) constant
        (70, Decimal("85.5"), "male", 150, Decimal("49.1")),
        (145, Decimal("60"), "male", 100, Decimal("0.0")),  # never negative
    ],
)
def test_cockcroft_gault(age, weight, sex, creatinine, expected):
    assert cockcroft_gault(age=age, weight_kg=weight, sex=sex, creatinine_umol_l=creatinine) == expected


def test_cockcroft_gault_refuses_zero_creatinine():
    with pytest.raises(ValueError):
        cockcroft_gault(age=70, weight_kg=Decimal("60"), sex="male", creatinine_umol_l=0)
