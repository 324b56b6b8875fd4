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
# A second consultant approves a change to a clinical rule or a risk's frequency (issue 13 item 8).
APPROVE_RULE_CHANGE = "pathway.approve_rule_change"
APPROVE_RISK_FREQUENCY_CHANGE = "consent.approve_risk_frequency_change"


REFERRING_SYSTEM = "Referring system"


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
            APPROVE_RULE_CHANGE,
            APPROVE_RISK_FREQUENCY_CHANGE,
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
        description="Read-only: dashboard, pathway lists, CSV export and who has seen a record. No clinical edits.",
        # pathway.view_patientaccess: the access log of a patient, for a subject access request.
        permissions=(*VIEW_CLINICAL, VIEW_DASHBOARD, EXPORT_PATHWAYS, "pathway.view_patientaccess"),
    ),
    # Not a person: the user a referring system's API token acts as (interop.tokens). It has no
    # password, so it cannot sign in; it may only register a patient and open a pathway at referral.
    Role(
        name=REFERRING_SYSTEM,
        description="A referring system sending referrals by FHIR (POST /fhir/Bundle). Never a person.",
        permissions=(ADD_PATIENT, RECORD_REFERRAL),
    ),
)

ROLE_BY_NAME = {role.name: role for role in ROLES}

# Permissions that change what every user sees or may do (the rules, the consent risk library and
# leaflets, users, roles and second-factor devices): a holder must also pass a second factor (TOTP)
# after the password, before any page (accounts.middleware.TwoFactorMiddleware). No clinical role
# above holds any of them (tests/accounts/test_two_factor.py); the admin site requires it of everyone.
TWO_FACTOR_PERMISSIONS = (
    "pathway.add_rule",
    "pathway.change_rule",
    "pathway.delete_rule",
    "consent.add_risk",
    "consent.change_risk",
    "consent.add_riskversion",
    "consent.change_riskversion",
    "consent.add_leaflet",
    "consent.change_leaflet",
    "pathway.add_servicesettings",
    "pathway.change_servicesettings",
    "accounts.add_user",
    "accounts.change_user",
    "accounts.delete_user",
    "auth.add_group",
    "auth.change_group",
    "otp_totp.add_totpdevice",
    "otp_totp.change_totpdevice",
    "otp_totp.delete_totpdevice",
)
