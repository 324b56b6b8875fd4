"""Every model of the pathway app, for Django and for the apps above pathway, in pathway order.

Each stage's models live in its own package (pathway/<stage>/models.py); this module only gathers
them. Code inside pathway imports from the stage's own module, never from here, so no stage depends
on a later one through this list (tests/test_architecture.py checks there is no import circle).
"""
# isort: skip_file

from pathway.core.choices import (  # noqa: F401
    ExitState,
    Level,
    Stage,
)
from pathway.core.querysets import (  # noqa: F401
    NoHardDeleteQuerySet,
)
from pathway.core.models import (  # noqa: F401
    FormSubmission,
    Aetiology,
    ClinicalRecord,
    LegChecks,
    Pathway,
    PathwayStatus,
    PathwayState,
    Patient,
    PatientAccess,
    Priority,
    ReferrerType,
    Rule,
    Sensation,
    Sex,
    StageTransition,
    check_choices,
    decimal_range,
    int_range,
    rule_value,
    rule_values,
    stage_order,
)
from pathway.core.service_settings import (  # noqa: F401
    ServiceSettings,
)
from pathway.suitability.models import (  # noqa: F401
    ABSOLUTE_CONTRAINDICATIONS,
    CONSERVATIVE_FAILURE_REASONS,
    RELATIVE_CONTRAINDICATIONS,
    BoneHealthPlan,
    Mobility,
    NeuroExam,
    SuitabilityAssessment,
    SuitabilityOutcome,
)
from pathway.mri.models import (  # noqa: F401
    ImagingModality,
    MalignancyFeatures,
    MriLevelFinding,
    MriLevelFindingQuerySet,
    MriRequest,
    MriScan,
    Oedema,
    PosteriorWall,
    T1Signal,
)
from pathway.pre_assessment.models import (  # noqa: F401
    SEDATION_RISK_FACTORS,
    Allergen,
    Allergy,
    AllergySeverity,
    AnaestheticReviewOutcome,
    AntithromboticMedicine,
    AsaGrade,
    CurrentRowsManager,
    EcgResult,
    MedicinesLetter,
    PreAssessment,
    PregnancyStatus,
)
from pathway.procedure.models import (  # noqa: F401
    _SEDATION_UNITS,
    CHECK_ITEM_BY_CODE,
    CHECKLIST_ITEMS,
    DAP_TO_GY_CM2,
    GUIDANCE_CHOICES,
    LEAK_SITES,
    NEURO_ESCALATION_LEAKS,
    Anaesthesia,
    Approach,
    CheckItem,
    ChecklistPhase,
    ChecklistResponse,
    DapUnit,
    ImagingAgeDecision,
    ImagingDecision,
    LastDose,
    Laterality,
    Position,
    Procedure,
    SafetyChecklistItem,
    TreatedLevel,
    _check_sedation_drugs,
    dap_in_gy_cm2,
)
from pathway.complications.models import (  # noqa: F401
    CIRSE_GRADES,
    GRADES,
    MAJOR_GRADES,
    SIR_GRADES,
    Complication,
    ComplicationOutcome,
    DetectedAt,
    GradeSystem,
)
from pathway.recovery.models import (  # noqa: F401
    DischargeSheet,
    DISCHARGE_ADVICE,
    Escalation,
    EscalationOutcome,
    LegReview,
    LegReviewOutcome,
    ObservationSet,
    OvernightReason,
    PunctureSite,
    Recovery,
)
from pathway.follow_up.models import (  # noqa: F401
    AnalgesicUse,
    FollowUp,
    FollowUpMethod,
    FollowUpOutcome,
    FollowUpQuerySet,
    UnscheduledContact,
)
from pathway.outcomes import ODI_ANSWER_CHOICES, ODI_SECTIONS, DisabilityInstrument  # noqa: F401
