"""Clinical scores as pure functions: NEWS2, the Oswestry Disability Index, change in pain.

No database, no Django: each function takes numbers and returns numbers (or small frozen results),
so the published tables can be tested at every band boundary (design.md section 5).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# --- NEWS2 (RCP 2017, Chart 1 and Chart 4; domain.md 7.1 [R69][R70][R71][R72]) ----------------------


class SpO2Scale(enum.IntEnum):
    """Scale 1 for everyone, Scale 2 only for hypercapnic (type 2) respiratory failure with a
    prescribed target of 88-92% (RCP 2017 via domain.md 7.1 [R71])."""

    SCALE_1 = 1
    SCALE_2 = 2


class Consciousness(enum.StrEnum):
    """ACVPU. Any of C, V, P or U scores 3; confusion is new until proven otherwise [R72]."""

    ALERT = "A"
    NEW_CONFUSION = "C"
    VOICE = "V"
    PAIN = "P"
    UNRESPONSIVE = "U"


def _whole(name: str, value: int, *, low: int = 0, high: int = 400) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


def score_respiration_rate(breaths_per_min: int) -> int:
    """<=8: 3; 9-11: 1; 12-20: 0; 21-24: 2; >=25: 3 (Chart 1)."""
    rr = _whole("Respiration rate", breaths_per_min, high=150)
    if rr <= 8:
        return 3
    if rr <= 11:
        return 1
    if rr <= 20:
        return 0
    if rr <= 24:
        return 2
    return 3


def score_spo2(spo2_percent: int, *, scale: SpO2Scale = SpO2Scale.SCALE_1, on_oxygen: bool) -> int:
    """Oxygen saturation, Scale 1 or Scale 2 (Chart 1).

    Scale 1: <=91: 3; 92-93: 2; 94-95: 1; >=96: 0 (on air or oxygen alike).
    Scale 2: <=83: 3; 84-85: 2; 86-87: 1; 88-92: 0; >=93 on air: 0;
             93-94 on oxygen: 1; 95-96 on oxygen: 2; >=97 on oxygen: 3 (over-oxygenation scores).
    """
    spo2 = _whole("SpO2", spo2_percent, high=100)
    scale = SpO2Scale(scale)
    if spo2 <= 83 if scale == SpO2Scale.SCALE_2 else spo2 <= 91:
        return 3
    if scale == SpO2Scale.SCALE_1:
        if spo2 <= 93:
            return 2
        if spo2 <= 95:
            return 1
        return 0
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def score_air_or_oxygen(on_oxygen: bool) -> int:
    """Supplemental oxygen: 2; air: 0 (Chart 1)."""
    return 2 if on_oxygen else 0


def score_systolic_bp(mmhg: int) -> int:
    """<=90: 3; 91-100: 2; 101-110: 1; 111-219: 0; >=220: 3 (Chart 1)."""
    sbp = _whole("Systolic blood pressure", mmhg)
    if sbp <= 90:
        return 3
    if sbp <= 100:
        return 2
    if sbp <= 110:
        return 1
    if sbp <= 219:
        return 0
    return 3


def score_pulse(beats_per_min: int) -> int:
    """<=40: 3; 41-50: 1; 51-90: 0; 91-110: 1; 111-130: 2; >=131: 3 (Chart 1)."""
    hr = _whole("Pulse", beats_per_min, high=350)
    if hr <= 40:
        return 3
    if hr <= 50:
        return 1
    if hr <= 90:
        return 0
    if hr <= 110:
        return 1
    if hr <= 130:
        return 2
    return 3


def score_consciousness(level: Consciousness | str) -> int:
    """Alert: 0; new confusion, voice, pain or unresponsive: 3 (Chart 1, [R72])."""
    return 0 if Consciousness(level) == Consciousness.ALERT else 3


TENTH = Decimal("0.1")


def _temperature(celsius: Decimal | float | int | str) -> Decimal:
    """The chart's bands are in tenths of a degree, so the reading is rounded to 0.1 first
    (half up): 35.04 reads 35.0 and 36.05 reads 36.1."""
    if isinstance(celsius, bool):
        raise TypeError("Temperature must be a number")
    value = Decimal(str(celsius)).quantize(TENTH, rounding=ROUND_HALF_UP)
    if not Decimal("20") <= value <= Decimal("45"):
        raise ValueError("Temperature must be between 20 and 45 °C")
    return value


def score_temperature(celsius: Decimal | float | int | str) -> int:
    """<=35.0: 3; 35.1-36.0: 1; 36.1-38.0: 0; 38.1-39.0: 1; >=39.1: 2 (Chart 1)."""
    t = _temperature(celsius)
    if t <= Decimal("35.0"):
        return 3
    if t <= Decimal("36.0"):
        return 1
    if t <= Decimal("38.0"):
        return 0
    if t <= Decimal("39.0"):
        return 1
    return 2


class ResponseBand(enum.StrEnum):
    """Chart 4 trigger bands, from the lowest."""

    ZERO = "zero"
    LOW = "low"
    SINGLE_RED = "single_red"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class ClinicalResponse:
    band: ResponseBand
    clinical_risk: str
    monitoring: str
    action: str

    @property
    def css(self) -> str:
        return {
            ResponseBand.ZERO: "success",
            ResponseBand.LOW: "info",
            ResponseBand.SINGLE_RED: "warning",
            ResponseBand.MEDIUM: "warning",
            ResponseBand.HIGH: "danger",
        }[self.band]


# Chart 4 (RCP 2017 via domain.md 7.1 [R70]), in our words.
RESPONSES: dict[ResponseBand, ClinicalResponse] = {
    ResponseBand.ZERO: ClinicalResponse(ResponseBand.ZERO, "Low", "At least 12-hourly", "Routine monitoring."),
    ResponseBand.LOW: ClinicalResponse(
        ResponseBand.LOW,
        "Low",
        "At least 4-6-hourly",
        "A registered nurse assesses the patient and decides whether to escalate.",
    ),
    ResponseBand.SINGLE_RED: ClinicalResponse(
        ResponseBand.SINGLE_RED,
        "Low-medium",
        "At least hourly",
        "A score of 3 in one parameter: inform the medical team, who review the patient.",
    ),
    ResponseBand.MEDIUM: ClinicalResponse(
        ResponseBand.MEDIUM,
        "Medium",
        "At least hourly",
        "Urgent: inform the medical team at once; urgent review by a clinician competent in acute "
        "illness, in a monitored setting.",
    ),
    ResponseBand.HIGH: ClinicalResponse(
        ResponseBand.HIGH,
        "High",
        "Continuous monitoring",
        "Emergency: registrar or above to attend; assessment by a team with critical-care "
        "competencies; consider level 2 or 3 care.",
    ),
}


def clinical_response(aggregate: int, *, single_parameter_3: bool) -> ClinicalResponse:
    """Chart 4: 0 routine; 1-4 nurse assesses; a 3 in any one parameter (with 1-4) hourly and a
    medical review; 5-6 urgent; 7 or more emergency. The aggregate bands of 5 and above take
    precedence over the single-parameter trigger."""
    aggregate = _whole("NEWS2 aggregate", aggregate, high=20)
    if aggregate >= 7:
        return RESPONSES[ResponseBand.HIGH]
    if aggregate >= 5:
        return RESPONSES[ResponseBand.MEDIUM]
    if single_parameter_3:
        return RESPONSES[ResponseBand.SINGLE_RED]
    if aggregate >= 1:
        return RESPONSES[ResponseBand.LOW]
    return RESPONSES[ResponseBand.ZERO]


@dataclass(frozen=True)
class News2:
    """One scored observation set: the parameter scores, their total and the response."""

    parameters: dict[str, int]
    total: int
    single_parameter_3: bool
    response: ClinicalResponse


def news2(
    *,
    respiration_rate: int,
    spo2: int,
    on_oxygen: bool,
    systolic_bp: int,
    pulse: int,
    consciousness: Consciousness | str,
    temperature: Decimal | float | int | str,
    spo2_scale: SpO2Scale = SpO2Scale.SCALE_1,
) -> News2:
    """The NEWS2 aggregate (0-20) of a full set of observations, with the Chart 4 response."""
    parameters = {
        "respiration_rate": score_respiration_rate(respiration_rate),
        "spo2": score_spo2(spo2, scale=spo2_scale, on_oxygen=on_oxygen),
        "air_or_oxygen": score_air_or_oxygen(on_oxygen),
        "systolic_bp": score_systolic_bp(systolic_bp),
        "pulse": score_pulse(pulse),
        "consciousness": score_consciousness(consciousness),
        "temperature": score_temperature(temperature),
    }
    total = sum(parameters.values())
    red = any(score == 3 for score in parameters.values())
    return News2(parameters, total, red, clinical_response(total, single_parameter_3=red))


# --- Oswestry Disability Index (Fairbank and Pynsent 2000; domain.md 8.2 [R75]) ------------------

ODI_SECTIONS = 10
ODI_SECTION_MAX = 5
# The instrument lowers the denominator by 5 for each section left blank. domain.md is silent on how
# many may be missing; we refuse to score when more than two are (fewer than 8 of 10 answered):
# beyond that a single answer moves the percentage by 2.5 points or more, and the score would rest
# on too little of the questionnaire to compare with the baseline or the ~10-point detectable change.
ODI_MIN_ANSWERED = 8


class OdiBand(enum.StrEnum):
    MINIMAL = "Minimal disability"
    MODERATE = "Moderate disability"
    SEVERE = "Severe disability"
    CRIPPLED = "Crippling back pain"
    BED_BOUND = "Bed-bound, or exaggerating symptoms"


class OdiIncomplete(ValueError):
    """Too few sections answered to score."""


@dataclass(frozen=True)
class Odi:
    answered: int
    raw: int
    percent: Decimal  # to one decimal place
    band: OdiBand


def odi_band(percent: Fraction | Decimal | int) -> OdiBand:
    """0-20 minimal; 21-40 moderate; 41-60 severe; 61-80 crippled; 81-100 bed-bound or exaggerating.

    The published bands are whole percentages; a fractional score (a section left blank gives
    ninths) belongs to the band whose upper bound it does not exceed: 20.0 is minimal, 22.2 moderate.
    """
    value = Fraction(str(percent)) if isinstance(percent, Decimal) else Fraction(percent)
    if not 0 <= value <= 100:
        raise ValueError("An ODI percentage lies between 0 and 100")
    for upper, band in ((20, OdiBand.MINIMAL), (40, OdiBand.MODERATE), (60, OdiBand.SEVERE), (80, OdiBand.CRIPPLED)):
        if value <= upper:
            return band
    return OdiBand.BED_BOUND


def odi(answers: Sequence[int | None]) -> Odi:
    """Score 10 sections (each 0-5, None when left blank): sum / (5 x answered) x 100."""
    if len(answers) != ODI_SECTIONS:
        raise ValueError(f"The ODI has {ODI_SECTIONS} sections; {len(answers)} given")
    given = [_whole(f"ODI section {i}", a, high=ODI_SECTION_MAX) for i, a in enumerate(answers, 1) if a is not None]
    if len(given) < ODI_MIN_ANSWERED:
        raise OdiIncomplete(
            f"Only {len(given)} of {ODI_SECTIONS} sections answered; at least {ODI_MIN_ANSWERED} are needed to score."
        )
    raw = sum(given)
    exact = Fraction(raw * 100, ODI_SECTION_MAX * len(given))
    percent = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return Odi(answered=len(given), raw=raw, percent=percent, band=odi_band(exact))


# --- Pain change from baseline (domain.md 8.2 [R19][R20]) ----------------------------------------

# VERTOS IV counted a fall of 1.5 points or more as clinically significant [E][R20];
# VAPOUR counted NRS below 4 as success [E][R19].
PAIN_CLINICALLY_IMPORTANT_FALL = Decimal("1.5")
PAIN_SUCCESS_BELOW = 4


@dataclass(frozen=True)
class PainChange:
    baseline: int
    now: int
    change: int  # now - baseline: negative is better
    percent_change: Decimal | None  # None when the baseline was 0
    clinically_important_fall: bool
    below_success_threshold: bool

    @property
    def summary(self) -> str:
        if self.change < 0:
            direction = f"down {-self.change} point{'s' if self.change != -1 else ''}"
        elif self.change > 0:
            direction = f"up {self.change} point{'s' if self.change != 1 else ''}"
        else:
            direction = "unchanged"
        return f"{self.baseline}/10 to {self.now}/10 ({direction})"


def pain_change(*, baseline: int, now: int) -> PainChange:
    """Change in pain on the 0-10 numeric rating scale from the baseline at suitability."""
    baseline = _whole("Baseline pain", baseline, high=10)
    now = _whole("Pain now", now, high=10)
    change = now - baseline
    percent = None
    if baseline:
        percent = (Decimal(change * 100) / Decimal(baseline)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return PainChange(
        baseline=baseline,
        now=now,
        change=change,
        percent_change=percent,
        clinically_important_fall=-change >= PAIN_CLINICALLY_IMPORTANT_FALL,
        below_success_threshold=now < PAIN_SUCCESS_BELOW,
    )
