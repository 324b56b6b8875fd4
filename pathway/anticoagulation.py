"""Anticoagulant and antiplatelet hold plans: the drug rule table of domain.md 4.3, as pure functions.

Vertebroplasty is a high bleeding-risk procedure (SIR 2019 via domain.md 4.1 [S][R26][R26b]).
Holds count full days with no dose BEFORE the procedure day, and the drug is not taken on the day
(2023 ACC/AHA/ACCP/HRS AF guideline, Table 18, via domain.md 4.3 [A][R27]): a 2-day hold for a
procedure on the 10th means doses stop after the 7th (none on the 8th, 9th or 10th).

Where a source gives a range (UFH 4-6 h, fondaparinux 2-3 d / 3-5 d) the table holds the longer end,
because the risk being managed is bleeding into the spinal canal. Restart timings are not in the
reviewed sources except the leaflet's aspirin rule, so each carries its own evidence tag ([I]/[U]) and
needs clinical sign-off. A drug not in the table, or a kidney function below a drug's limit, needs a
clinician's written plan: this module never guesses.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pathway.core.wording import source_for_clinicians

OTHER = "other"
LIST_START = datetime.time(8, 0)


@dataclass(frozen=True)
class Band:
    """A hold that applies when creatinine clearance is above `crcl_low` (or at it, when
    `inclusive`); `crcl_low` None means any clearance."""

    crcl_low: int | None
    hold_days: int = 0
    hold_hours: int = 0
    inclusive: bool = False

    def applies(self, crcl: Decimal | None) -> bool:
        if self.crcl_low is None:
            return True
        if crcl is None:
            return False
        return crcl >= self.crcl_low if self.inclusive else crcl > self.crcl_low

    @property
    def limit_text(self) -> str:
        return f"{'at least' if self.inclusive else 'above'} {self.crcl_low} mL/min"


@dataclass(frozen=True)
class DrugRule:
    key: str
    name: str
    kind: str  # "anticoagulant" or "antiplatelet"
    bands: tuple[Band, ...]  # highest clearance first
    restart_after_hours: int
    restart_tag: str
    evidence_tag: str
    source: str
    note: str = ""

    @property
    def needs_crcl(self) -> bool:
        return any(band.crcl_low is not None for band in self.bands)

    def band_for(self, crcl: Decimal | None) -> Band | None:
        """The first band (highest clearance first) that applies; None below the table's limit."""
        for band in self.bands:
            if band.applies(crcl):
                return band
        return None


R27 = "2023 ACC/AHA/ACCP/HRS AF guideline Table 18, domain.md 4.3 [R27]"
R28 = "Summary of SIR 2019 (heparin, LMWH, fondaparinux), domain.md 4.3 [R28]"
R29 = "Older SIR hold rules summary and TSACO Table 8, domain.md 4.3 [R29][R29b]"

DRUG_LIST: tuple[DrugRule, ...] = (
    DrugRule(
        "warfarin",
        "Warfarin",
        "anticoagulant",
        (Band(None, hold_days=5),),
        restart_after_hours=24,
        restart_tag="[I]",
        evidence_tag="[A]",
        source=f"{R27}; INR target SIR 2019 [R24]",
        note="Check INR within 2 days of the procedure; bridging only if a specialist advises it.",
    ),
    DrugRule(
        "apixaban",
        "Apixaban",
        "anticoagulant",
        (Band(25, hold_days=2),),
        restart_after_hours=48,
        restart_tag="[U]",
        evidence_tag="[A]",
        source=R27,
    ),
    DrugRule(
        "rivaroxaban",
        "Rivaroxaban",
        "anticoagulant",
        (Band(30, hold_days=2),),
        restart_after_hours=48,
        restart_tag="[U]",
        evidence_tag="[A]",
        source=R27,
    ),
    DrugRule(
        "edoxaban",
        "Edoxaban",
        "anticoagulant",
        (Band(15, hold_days=2),),
        restart_after_hours=48,
        restart_tag="[U]",
        evidence_tag="[A]",
        source=R27,
    ),
    DrugRule(
        "dabigatran",
        "Dabigatran",
        "anticoagulant",
        # 2 days above 50 mL/min; 4 days at 30-50 mL/min.
        (Band(50, hold_days=2), Band(30, hold_days=4, inclusive=True)),
        restart_after_hours=48,
        restart_tag="[U]",
        evidence_tag="[A]",
        source=R27,
    ),
    DrugRule(
        "ufh_infusion",
        "Unfractionated heparin infusion",
        "anticoagulant",
        (Band(None, hold_hours=6),),
        restart_after_hours=24,
        restart_tag="[I]",
        evidence_tag="[S]",
        source=f"{R28} (4-6 h; the longer end held)",
    ),
    DrugRule(
        "lmwh_prophylactic",
        "Low-molecular-weight heparin, prophylactic dose",
        "anticoagulant",
        (Band(None, hold_hours=12),),
        restart_after_hours=24,
        restart_tag="[I]",
        evidence_tag="[S]",
        source=R28,
    ),
    DrugRule(
        "lmwh_therapeutic",
        "Low-molecular-weight heparin, treatment dose",
        "anticoagulant",
        (Band(None, hold_hours=24),),
        restart_after_hours=48,
        restart_tag="[U]",
        evidence_tag="[S]",
        source=R28,
    ),
    DrugRule(
        "fondaparinux",
        "Fondaparinux",
        "anticoagulant",
        # 2-3 days above 50 mL/min, 3-5 days at or below (the longer end held); below 30 needs a plan [I].
        (Band(50, hold_days=3), Band(30, hold_days=5, inclusive=True)),
        restart_after_hours=48,
        restart_tag="[U]",
        evidence_tag="[S]",
        source=f"{R28} (ranges; the longer end held)",
    ),
    DrugRule(
        "clopidogrel",
        "Clopidogrel",
        "antiplatelet",
        (Band(None, hold_days=5),),
        restart_after_hours=24,
        restart_tag="[I]",
        evidence_tag="[S]",
        source=R29,
    ),
    DrugRule(
        "aspirin",
        "Aspirin",
        "antiplatelet",
        (Band(None, hold_days=5),),
        # Leaflet: no aspirin for 24 hours after the procedure [L].
        restart_after_hours=24,
        restart_tag="[L]",
        evidence_tag="[S][U]",
        source=f"{R29}; sources differ (3-5 days, or continue when cardiovascular risk is high)",
        note="No aspirin for 24 hours after the procedure.",
    ),
    DrugRule(
        "prasugrel",
        "Prasugrel",
        "antiplatelet",
        (Band(None, hold_days=7),),
        restart_after_hours=24,
        restart_tag="[I]",
        evidence_tag="[U]",
        source="Common practice, not verified, domain.md 4.3",
    ),
    DrugRule(
        "ticagrelor",
        "Ticagrelor",
        "antiplatelet",
        (Band(None, hold_days=5),),
        restart_after_hours=24,
        restart_tag="[I]",
        evidence_tag="[U]",
        source="Common practice, not verified, domain.md 4.3",
    ),
)

DRUGS: dict[str, DrugRule] = {rule.key: rule for rule in DRUG_LIST}
DRUG_CHOICES: list[tuple[str, str]] = [(rule.key, rule.name) for rule in DRUG_LIST] + [
    (OTHER, "Other (a clinician writes the plan)")
]


def cockcroft_gault(*, age: int, weight_kg: Decimal, sex: str, creatinine_umol_l: int | Decimal) -> Decimal:
    """Creatinine clearance in mL/min: (140 - age) x weight x k / creatinine (µmol/L).

    k = 1.23 for men and 1.04 for women (the SI form of Cockcroft-Gault). When sex is not stated the
    female constant is used, which gives the lower clearance and so the longer hold.
    """
    if creatinine_umol_l <= 0 or weight_kg <= 0:
        raise ValueError("weight and creatinine must be positive")
    k = Decimal("1.23") if sex == "male" else Decimal("1.04")
    value = Decimal(140 - age) * Decimal(weight_kg) * k / Decimal(creatinine_umol_l)
    return max(value, Decimal(0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class HoldPlan:
    drug: str
    name: str
    last_dose_on: datetime.date | None = None
    timing: str = ""
    restart_on: datetime.date | None = None
    restart_advice: str = ""
    needs_written_plan: bool = False
    why: str = ""  # why a written plan is needed
    evidence_tag: str = ""
    source: str = ""

    @property
    def computed(self) -> bool:
        return self.last_dose_on is not None and not self.needs_written_plan

    @property
    def source_display(self) -> str:
        """The source as a clinician reads it (no specification references or citation marks)."""
        return source_for_clinicians(self.source, self.evidence_tag)


def _day(d: datetime.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def hold_plan(
    *,
    drug: str,
    procedure_on: datetime.date | None,
    crcl: Decimal | None = None,
    recent_stent: bool = False,
    name: str = "",
) -> HoldPlan:
    """The last day to take `drug` and the restart advice for a procedure on `procedure_on`."""
    rule = DRUGS.get(drug)
    if rule is None:
        label = name or "this drug"
        return HoldPlan(drug, label, needs_written_plan=True, why=f"{label} is not in the drug table")
    base = {"drug": drug, "name": rule.name, "evidence_tag": rule.evidence_tag, "source": rule.source}
    if rule.kind == "antiplatelet" and recent_stent:
        # Dual antiplatelet therapy with a recent stent: cardiology input first [S][R29b][I].
        return HoldPlan(**base, needs_written_plan=True, why="recent coronary stent: cardiology advice needed")
    if rule.needs_crcl and crcl is None:
        return HoldPlan(
            **base, needs_written_plan=True, why="creatinine clearance unknown (weight and creatinine needed)"
        )
    band = rule.band_for(crcl)
    if band is None:
        return HoldPlan(
            **base,
            needs_written_plan=True,
            why=f"creatinine clearance {crcl} mL/min; the table covers {rule.bands[-1].limit_text}",
        )
    if procedure_on is None:
        return HoldPlan(**base, needs_written_plan=False, why="no planned procedure date")
    if band.hold_days:
        last = procedure_on - datetime.timedelta(days=band.hold_days + 1)
        timing = f"Last dose {_day(last)}; none for {band.hold_days} full days before, nor on the day."
    else:
        # Hour holds are timed from the start of the list, the earliest the procedure can be.
        stop = datetime.datetime.combine(procedure_on, LIST_START) - datetime.timedelta(hours=band.hold_hours)
        last = stop.date()
        timing = (
            f"Stop at least {band.hold_hours} hours before the procedure: by {stop:%H:%M} on {_day(last)} "
            f"for a {LIST_START:%H:%M} start."
        )
    restart = procedure_on + datetime.timedelta(days=math.ceil(rule.restart_after_hours / 24))
    advice = (
        f"Restart {_day(restart)} ({rule.restart_after_hours} h after the procedure) if there is no bleeding, "
        "unless the operator advises otherwise."
    )
    if rule.note:
        advice = f"{rule.note} {advice}"
    return HoldPlan(**base, last_dose_on=last, timing=timing, restart_on=restart, restart_advice=advice)


def hold_problem(
    *,
    drug: str,
    procedure_on: datetime.date,
    last_taken_at: datetime.datetime,
    at: datetime.datetime,
    crcl: Decimal | None = None,
) -> str | None:
    """Was the hold met by the dose actually taken? None when it was. `last_taken_at` and `at` (the
    sign in) are local times. Day holds count full days with no dose before the procedure day
    (domain.md 4.3 [A][R27]); hour holds run from the last dose to the sign in. A drug the table
    cannot judge (not listed, clearance below its limit) is left to the clinician's written plan."""
    rule = DRUGS.get(drug)
    band = rule.band_for(crcl) if rule else None
    if band is None:
        return None
    if band.hold_days:
        clear_days = (procedure_on - last_taken_at.date()).days - 1
        if clear_days < band.hold_days:
            return (
                f"{rule.name} last taken {_day(last_taken_at.date())}: {max(clear_days, 0)} full days without a "
                f"dose before the procedure, {band.hold_days} needed."
            )
        return None
    hours = (at - last_taken_at).total_seconds() / 3600
    if hours < band.hold_hours:
        return (
            f"{rule.name} last taken at {last_taken_at:%H:%M} on {_day(last_taken_at.date())}: {int(hours)} hours "
            f"before sign in, {band.hold_hours} needed."
        )
    return None
