"""The pathway's vocabulary: its stages in order, exit states and vertebral levels (design.md section 4)."""

from __future__ import annotations

from django.db import models


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: each word lower-cased except acronyms and names with
    capitals inside them ("MRI review", "NatSSIPs debrief", "NEWS2"), so "Move on to MRI review", never
    "mri review" (issue 16: labels in clinical English)."""
    return " ".join(word if any(c.isupper() for c in word[1:]) else word.lower() for word in str(label).split(" "))


class Stage(models.TextChoices):
    """The pathway's stages in order (design.md section 4)."""

    REFERRAL = "referral", "Referral"
    SUITABILITY = "suitability", "Suitability assessment"
    MRI = "mri", "MRI review"
    PRE_ASSESSMENT = "pre_assessment", "Pre-assessment"
    CONSENT = "consent", "Consent"
    PROCEDURE = "procedure", "Procedure"
    RECOVERY = "recovery", "Recovery and discharge"
    FOLLOW_UP = "follow_up", "4-week follow-up"

    @classmethod
    def ordered(cls) -> list[Stage]:
        return list(cls)

    @property
    def index(self) -> int:
        return _STAGE_INDEX[self]


# Looked up, not searched for: `index` runs hundreds of thousands of times when seeding demo data.
_STAGE_INDEX = {stage: position for position, stage in enumerate(Stage)}


class ExitState(models.TextChoices):
    """How a pathway ended (domain.md 1.1 exit states, plus normal completion)."""

    COMPLETED = "completed", "Completed (discharged after follow-up)"
    NOT_SUITABLE = "not_suitable", "Not suitable"
    PATIENT_DECLINED = "patient_declined", "Patient declined"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    DEFERRED_UNFIT = "deferred_unfit", "Deferred (unfit)"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    TREATED_ELSEWHERE = "treated_elsewhere", "Treated elsewhere"
    DECEASED = "deceased", "Deceased"
    RESOLVED_CONSERVATIVELY = "resolved_conservatively", "Resolved conservatively"


class Level(models.TextChoices):
    """Vertebral levels treated by this service: T1-L5 and the sacrum (domain.md section 0)."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"
    T6 = "T6"
    T7 = "T7"
    T8 = "T8"
    T9 = "T9"
    T10 = "T10"
    T11 = "T11"
    T12 = "T12"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"
    S = "S", "Sacrum"

    @classmethod
    def sort_key(cls, value: str) -> int:
        position = _LEVEL_ORDER.get(value)
        if position is None:
            raise ValueError(f"{value!r} is not a level")
        return position


_LEVEL_ORDER = {value: position for position, value in enumerate(Level.values)}


# The one-to-one record of each stage, by related_name on Pathway. The referral record is the pathway
# itself; consent is held in the consent app (several per pathway: a withdrawn consent is followed by
# a new one), so it is looked up through pathway.core.providers.
STAGE_RECORD_NAME: dict[Stage, str] = {
    Stage.SUITABILITY: "suitability",
    Stage.MRI: "mri",
    Stage.PRE_ASSESSMENT: "pre_assessment",
    Stage.PROCEDURE: "procedure",
    Stage.RECOVERY: "recovery",
    Stage.FOLLOW_UP: "follow_up",
}
