"""NEWS2, ODI and pain change against the published tables (domain.md 7.1 and 8.2), at every boundary."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathway import scores
from pathway.scores import Consciousness, OdiBand, ResponseBand, SpO2Scale

# --- NEWS2 parameters: each band's lower and upper edge ---------------------------------------------

RESPIRATION = [(0, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (60, 3)]
SYSTOLIC = [(40, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (300, 3)]
PULSE = [(20, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3)]
TEMPERATURE = [
    ("30.0", 3),
    ("35.0", 3),
    ("35.1", 1),
    ("36.0", 1),
    ("36.1", 0),
    ("38.0", 0),
    ("38.1", 1),
    ("39.0", 1),
    ("39.1", 2),
    ("42.0", 2),
    # Readings finer than the chart are rounded to a tenth, half up.
    ("35.04", 3),
    ("35.05", 1),
    ("38.04", 0),
    ("38.05", 1),
]
SPO2_SCALE_1 = [(70, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)]
# (SpO2, on oxygen, score) on Scale 2.
SPO2_SCALE_2 = [
    (70, False, 3),
    (83, False, 3),
    (84, False, 2),
    (85, False, 2),
    (86, False, 1),
    (87, False, 1),
    (88, False, 0),
    (92, False, 0),
    (93, False, 0),
    (100, False, 0),
    (83, True, 3),
    (84, True, 2),
    (85, True, 2),
    (86, True, 1),
    (87, True, 1),
    (88, True, 0),
    (92, True, 0),
    (93, True, 1),
    (94, True, 1),
    (95, True, 2),
    (96, True, 2),
    (97, True, 3),
    (100, True, 3),
]


@pytest.mark.parametrize(("value", "expected"), RESPIRATION)
def test_respiration_rate_bands(value, expected):
    assert scores.score_respiration_rate(value) == expected


@pytest.mark.parametrize(("value", "expected"), SYSTOLIC)
def test_systolic_bp_bands(value, expected):
    assert scores.score_systolic_bp(value) == expected


@pytest.mark.parametrize(("value", "expected"), PULSE)
def test_pulse_bands(value, expected):
    assert scores.score_pulse(value) == expected


@pytest.mark.parametrize(("value", "expected"), TEMPERATURE)
def test_temperature_bands(value, expected):
    assert scores.score_temperature(value) == expected
    assert scores.score_temperature(Decimal(value)) == expected


@pytest.mark.parametrize(("value", "expected"), SPO2_SCALE_1)
@pytest.mark.parametrize("on_oxygen", [False, True])
def test_spo2_scale_1_bands_same_on_air_or_oxygen(value, expected, on_oxygen):
    assert scores.score_spo2(value, scale=SpO2Scale.SCALE_1, on_oxygen=on_oxygen) == expected


@pytest.mark.parametrize(("value", "on_oxygen", "expected"), SPO2_SCALE_2)
def test_spo2_scale_2_bands(value, on_oxygen, expected):
    assert scores.score_spo2(value, scale=SpO2Scale.SCALE_2, on_oxygen=on_oxygen) == expected


@pytest.mark.parametrize(("on_oxygen", "expected"), [(False, 0), (True, 2)])
def test_air_or_oxygen(on_oxygen, expected):
    assert scores.score_air_or_oxygen(on_oxygen) == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3), (Consciousness.NEW_CONFUSION, 3)],
)
def test_consciousness_new_confusion_scores_3(level, expected):
    assert scores.score_consciousness(level) == expected


@pytest.mark.parametrize(
    ("func", "bad", "error"),
    [
        (scores.score_respiration_rate, -1, ValueError),
        (scores.score_pulse, 12.5, TypeError),
        (scores.score_systolic_bp, True, TypeError),
        (scores.score_temperature, "50", ValueError),
        (scores.score_consciousness, "X", ValueError),
    ],
)
def test_impossible_readings_are_refused(func, bad, error):
    with pytest.raises(error):
        func(bad)


def test_spo2_above_100_refused():
    with pytest.raises(ValueError):
        scores.score_spo2(101, on_oxygen=False)


# --- aggregate and response ----------------------------------------------------------------------

NORMAL = {
    "respiration_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 130,
    "pulse": 72,
    "consciousness": "A",
    "temperature": "36.8",
}


def test_normal_observations_score_zero_routine():
    result = scores.news2(**NORMAL)
    assert result.total == 0
    assert not result.single_parameter_3
    assert result.response.band == ResponseBand.ZERO
    assert result.response.monitoring == "At least 12-hourly"


def test_every_parameter_at_worst_gives_20():
    worst = scores.news2(
        respiration_rate=6,
        spo2=80,
        on_oxygen=True,
        systolic_bp=80,
        pulse=35,
        consciousness="U",
        temperature="34.0",
    )
    assert worst.total == 20
    assert worst.parameters == {
        "respiration_rate": 3,
        "spo2": 3,
        "air_or_oxygen": 2,
        "systolic_bp": 3,
        "pulse": 3,
        "consciousness": 3,
        "temperature": 3,
    }
    assert worst.response.band == ResponseBand.HIGH


def test_scale_2_on_oxygen_at_target_adds_only_the_oxygen():
    result = scores.news2(**{**NORMAL, "spo2": 90, "on_oxygen": True}, spo2_scale=SpO2Scale.SCALE_2)
    assert result.parameters["spo2"] == 0
    assert result.total == 2


def test_new_confusion_alone_is_single_parameter_trigger():
    result = scores.news2(**{**NORMAL, "consciousness": "C"})
    assert result.total == 3
    assert result.single_parameter_3
    assert result.response.band == ResponseBand.SINGLE_RED
    assert result.response.monitoring == "At least hourly"


@pytest.mark.parametrize(
    ("aggregate", "red", "band"),
    [
        (0, False, ResponseBand.ZERO),
        (1, False, ResponseBand.LOW),
        (4, False, ResponseBand.LOW),
        (3, True, ResponseBand.SINGLE_RED),
        (4, True, ResponseBand.SINGLE_RED),
        (5, False, ResponseBand.MEDIUM),
        (5, True, ResponseBand.MEDIUM),
        (6, False, ResponseBand.MEDIUM),
        (7, False, ResponseBand.HIGH),
        (7, True, ResponseBand.HIGH),
        (20, True, ResponseBand.HIGH),
    ],
)
def test_response_bands(aggregate, red, band):
    assert scores.clinical_response(aggregate, single_parameter_3=red).band == band


def test_aggregate_above_20_refused():
    with pytest.raises(ValueError):
        scores.clinical_response(21, single_parameter_3=False)


@given(
    rr=st.integers(0, 60),
    spo2=st.integers(50, 100),
    oxygen=st.booleans(),
    sbp=st.integers(40, 300),
    hr=st.integers(20, 250),
    acvpu=st.sampled_from(list("ACVPU")),
    temp_tenths=st.integers(300, 430),
    scale=st.sampled_from(list(SpO2Scale)),
)
def test_news2_aggregate_is_sum_within_0_20(rr, spo2, oxygen, sbp, hr, acvpu, temp_tenths, scale):
    result = scores.news2(
        respiration_rate=rr,
        spo2=spo2,
        on_oxygen=oxygen,
        systolic_bp=sbp,
        pulse=hr,
        consciousness=acvpu,
        temperature=Decimal(temp_tenths) / 10,
        spo2_scale=scale,
    )
    assert result.total == sum(result.parameters.values())
    assert 0 <= result.total <= 20
    assert result.single_parameter_3 == (3 in result.parameters.values())
    if result.total >= 7:
        assert result.response.band == ResponseBand.HIGH
    elif result.total >= 5:
        assert result.response.band == ResponseBand.MEDIUM
    elif result.single_parameter_3:
        assert result.response.band == ResponseBand.SINGLE_RED


@given(st.integers(0, 100))
def test_scale_2_on_air_never_scores_above_scale_1(spo2):
    # On air, Scale 2 only relaxes the lower bands (target 88-92%).
    assert scores.score_spo2(spo2, scale=SpO2Scale.SCALE_2, on_oxygen=False) <= scores.score_spo2(
        spo2, scale=SpO2Scale.SCALE_1, on_oxygen=False
    )


# --- ODI ------------------------------------------------------------------------------------------


def test_odi_complete():
    result = scores.odi([2, 3, 1, 2, 2, 3, 0, 2, 1, 2])
    assert (result.answered, result.raw, result.percent, result.band) == (10, 18, Decimal("36.0"), OdiBand.MODERATE)


def test_odi_one_section_blank_lowers_denominator_by_5():
    # 20 of 45 = 44.4%
    result = scores.odi([2, 3, 1, 2, 2, 3, None, 2, 3, 2])
    assert (result.answered, result.raw, result.percent, result.band) == (9, 20, Decimal("44.4"), OdiBand.SEVERE)


def test_odi_two_sections_blank_still_scored():
    result = scores.odi([None, 5, 5, 5, 5, 5, 5, 5, None, 5])
    assert (result.answered, result.percent, result.band) == (8, Decimal("100.0"), OdiBand.BED_BOUND)


def test_odi_three_sections_blank_refused():
    with pytest.raises(scores.OdiIncomplete, match="Only 7 of 10 sections answered; at least 8 are needed"):
        scores.odi([None, None, None, 1, 1, 1, 1, 1, 1, 1])


@pytest.mark.parametrize(
    ("answers", "error"),
    [([1] * 9, ValueError), ([1] * 9 + [6], ValueError), ([1] * 9 + [-1], ValueError), ([1] * 9 + [2.0], TypeError)],
)
def test_odi_bad_answers_refused(answers, error):
    with pytest.raises(error):
        scores.odi(answers)


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        (0, OdiBand.MINIMAL),
        (20, OdiBand.MINIMAL),
        (Fraction(201, 10), OdiBand.MODERATE),
        (21, OdiBand.MODERATE),
        (40, OdiBand.MODERATE),
        (41, OdiBand.SEVERE),
        (60, OdiBand.SEVERE),
        (61, OdiBand.CRIPPLED),
        (80, OdiBand.CRIPPLED),
        (81, OdiBand.BED_BOUND),
        (100, OdiBand.BED_BOUND),
        (Decimal("80.0"), OdiBand.CRIPPLED),
    ],
)
def test_odi_bands(percent, band):
    assert scores.odi_band(percent) == band


@pytest.mark.parametrize(
    ("answers", "percent", "band"),
    [
        ([2] * 10, Decimal("40.0"), OdiBand.MODERATE),
        ([2] * 9 + [3], Decimal("42.0"), OdiBand.SEVERE),
        ([1] * 10, Decimal("20.0"), OdiBand.MINIMAL),
        ([1] * 9 + [2], Decimal("22.0"), OdiBand.MODERATE),
        ([1] * 9 + [None], Decimal("20.0"), OdiBand.MINIMAL),
        ([0] * 10, Decimal("0.0"), OdiBand.MINIMAL),
    ],
)
def test_odi_scored_band_boundaries(answers, percent, band):
    result = scores.odi(answers)
    assert (result.percent, result.band) == (percent, band)


@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=10, max_size=10))
def test_odi_is_percent_of_answered_maximum(answers):
    answered = [a for a in answers if a is not None]
    if len(answered) < 8:
        with pytest.raises(scores.OdiIncomplete):
            scores.odi(answers)
        return
    result = scores.odi(answers)
    assert result.answered == len(answered)
    assert abs(result.percent - Decimal(sum(answered) * 100) / (5 * len(answered))) <= Decimal("0.05")
    assert Decimal(0) <= result.percent <= Decimal(100)


# --- pain change ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "now", "change", "percent", "important", "success", "summary"),
    [
        (8, 3, -5, Decimal("-62.5"), True, True, "8/10 to 3/10 (down 5 points)"),
        (8, 7, -1, Decimal("-12.5"), False, False, "8/10 to 7/10 (down 1 point)"),
        (8, 6, -2, Decimal("-25.0"), True, False, "8/10 to 6/10 (down 2 points)"),
        (7, 4, -3, Decimal("-42.9"), True, False, "7/10 to 4/10 (down 3 points)"),
        (5, 5, 0, Decimal("0.0"), False, False, "5/10 to 5/10 (unchanged)"),
        (6, 8, 2, Decimal("33.3"), False, False, "6/10 to 8/10 (up 2 points)"),
        (0, 1, 1, None, False, True, "0/10 to 1/10 (up 1 point)"),
    ],
)
def test_pain_change(baseline, now, change, percent, important, success, summary):
    result = scores.pain_change(baseline=baseline, now=now)
    assert result.change == change
    assert result.percent_change == percent
    assert result.clinically_important_fall is important
    assert result.below_success_threshold is success
    assert result.summary == summary


def test_pain_outside_0_10_refused():
    with pytest.raises(ValueError):
        scores.pain_change(baseline=11, now=3)
