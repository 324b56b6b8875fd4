"""The one table of roles and what each may do (design.md section 1).

`sync_roles` makes the Django groups match this table exactly. Code asks `user.has_perm(...)`,
never a group name.
"""

from dataclasses import dataclass

VIEW_CLINICAL = (
    "pathway.view_patient",
    "pathway.view_pathway",
    "consent.view_consentrecord",
)

RECORD_REFERRAL = "pathway.record_referral"
RECORD_SUITABILITY = "pathway.record_suitability"
RECORD_MRI = "pathway.record_mri"
RECORD_PRE_ASSESSMENT = "pathway.record_pre_assessment"
RECORD_CONSENT = "pathway.record_consent"
RECORD_PROCEDURE = "pathway.record_procedure"
RECORD_RECOVERY = "pathway.record_recovery"
RECORD_FOLLOW_UP = "pathway.record_follow_up"
CLOSE_PATHWAY = "pathway.close_pathway"
OVERRIDE_GATE = "pathway.override_gate"
REOPEN_PATHWAY = "pathway.reopen_pathway"
VIEW_DASHBOARD = "pathway.view_dashboard"
EXPORT_PATHWAYS = "pathway.export_pathways"
ADD_PATIENT = "pathway.add_patient"
CHANGE_PATIENT = "pathway.change_patient"


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    permissions: tuple[str, ...]


RADIOLOGIST_PERMISSIONS = (
    *VIEW_CLINICAL,
    ADD_PATIENT,
    CHANGE_PATIENT,
    RECORD_REFERRAL,
    RECORD_SUITABILITY,
    RECORD_MRI,
    RECORD_PROCEDURE,
    RECORD_FOLLOW_UP,
    CLOSE_PATHWAY,
    VIEW_DASHBOARD,
)

ROLES: tuple[Role, ...] = (
    Role(
        name="Radiologist",
        description="Records suitability, MRI review and the procedure (includes trainees).",
        permissions=RADIOLOGIST_PERMISSIONS,
    ),
    Role(
        name="Consultant",
        description="Everything a radiologist does, plus consent, gate overrides and reopening.",
        permissions=(
            *RADIOLOGIST_PERMISSIONS,
            RECORD_CONSENT,
            OVERRIDE_GATE,
            REOPEN_PATHWAY,
            EXPORT_PATHWAYS,
        ),
    ),
    Role(
        name="Nurse",
        description="Pre-assessment, recovery and discharge, follow-up questionnaires.",
        permissions=(
            *VIEW_CLINICAL,
            CHANGE_PATIENT,
            RECORD_PRE_ASSESSMENT,
            RECORD_RECOVERY,
            RECORD_FOLLOW_UP,
            CLOSE_PATHWAY,
            VIEW_DASHBOARD,
        ),
    ),
    Role(
        name="Manager",
        description="Read-only: dashboard, pathway lists and CSV export. No clinical edits.",
        permissions=(*VIEW_CLINICAL, VIEW_DASHBOARD, EXPORT_PATHWAYS),
    ),
)

ROLE_BY_NAME = {role.name: role for role in ROLES}
