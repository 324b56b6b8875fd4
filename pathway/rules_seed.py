"""The seeded rules table (domain.md 1.2: every threshold configurable, with unit and source).

Used by the data migration and by tests; the admin edits the rows afterwards.
"""

RULES: list[dict] = [
    # Bleeding-risk bloods for a high bleeding-risk procedure: SIR 2019 via summaries [S][R24][R25].
    {
        "key": "inr_max",
        "label": "INR maximum before procedure",
        "value": "1.5",
        "unit": "ratio",
        "evidence_tag": "[S]",
        "source": "SIR 2019 consensus (high bleeding risk), domain.md 4.2 [R24][R25]",
    },
    {
        "key": "platelets_min",
        "label": "Platelets minimum",
        "value": "50",
        "unit": "x10^9/L",
        "evidence_tag": "[S]",
        "source": "SIR 2019 consensus (high bleeding risk), domain.md 4.2 [R24]",
    },
    {
        "key": "lab_validity_days",
        "label": "Blood result valid for (days before the procedure)",
        "value": "28",
        "unit": "days",
        "evidence_tag": "[I]",
        "source": "Local policy default, domain.md 4.2 (validity window RuleSet)",
    },
    {
        "key": "inr_validity_days_warfarin",
        "label": "INR valid for, patients stopping warfarin",
        "value": "2",
        "unit": "days",
        "evidence_tag": "[S]",
        "source": "Department guidance, domain.md 4.2 [R26b]",
    },
    {
        "key": "pain_threshold",
        "label": "Pain score threshold (NRS)",
        "value": "7",
        "unit": "/10",
        "evidence_tag": "[A-local]",
        "source": "ICB commissioning policy VAS >= 7, domain.md 2.1 [R11]; VAPOUR [R18]",
    },
    {
        "key": "fracture_age_warn_days",
        "label": "Fracture age warning",
        "value": "42",
        "unit": "days",
        "evidence_tag": "[A-local]",
        "source": "ICB policy 'usually not more than 6 weeks', domain.md 2.1 [R11]",
    },
    {
        "key": "imaging_age_warn_days",
        "label": "Imaging age warning at procedure",
        "value": "28",
        "unit": "days",
        "evidence_tag": "[I]",
        "source": "Local default; VAPOUR required <= 7 days, domain.md 3 [R18]",
    },
    {
        "key": "patient_age_min_years",
        "label": "Youngest age for the procedure (local threshold at G2)",
        "value": "19",
        "unit": "years",
        "evidence_tag": "[A][I]",
        "source": "AoMRC EBI: adults 19 and over, domain.md 2.1 [R10]; local age threshold at G2, domain.md 2.4",
    },
    {
        "key": "pregnancy_question_max_age_years",
        "label": "Oldest age at which a woman is asked whether she could be pregnant",
        "value": "55",
        "unit": "years",
        "evidence_tag": "[A][I]",
        "source": "NICE NG45 1.3.1: ask women who could be pregnant, on the day, domain.md 4.4 [R30]; "
        "55 years as the upper end of childbearing potential in IR(ME)R pregnancy enquiries [I]",
    },
    {
        "key": "remaining_height_warn_pct",
        "label": "Warn when remaining vertebral height below",
        "value": "33",
        "unit": "%",
        "evidence_tag": "[S]",
        "source": "Indications list (height >= 33%), domain.md 2.2 [R91]",
    },
    {
        "key": "ecg_required_asa_min",
        "label": "ECG required from this ASA grade",
        "value": "3",
        "unit": "ASA grade",
        "evidence_tag": "[U][I]",
        "source": "Default pending the NICE NG45 grid: ECG if ASA >= 3, domain.md 4.2 [R30]",
    },
    {
        "key": "consent_validity_days",
        "label": "Consent valid for",
        "value": "182",
        "unit": "days",
        "evidence_tag": "[S-local]",
        "source": "Example local policy: valid 26 weeks, domain.md 5.6 [R43]",
    },
    {
        "key": "consent_reconfirm_days",
        "label": "Consent needs re-confirmation when signed more than",
        "value": "84",
        "unit": "days",
        "evidence_tag": "[S-local]",
        "source": "Example local policy: 12 weeks, domain.md 5.6 [R43]",
    },
    {
        "key": "cement_volume_warn_ml",
        "label": "Cement volume warning per level",
        "value": "7",
        "unit": "mL",
        "evidence_tag": "[E]",
        "source": "Symptomatic PCE rose above 7 mL, domain.md 6.2 [R49]",
    },
    {
        "key": "bed_rest_min_hours",
        "label": "Minimum bed rest after the procedure",
        "value": "2",
        "unit": "hours",
        "evidence_tag": "[L]",
        "source": "Service leaflets: bed rest 2-4 hours, domain.md 7.1",
    },
    {
        "key": "bed_rest_max_hours",
        "label": "Usual maximum bed rest",
        "value": "4",
        "unit": "hours",
        "evidence_tag": "[L]",
        "source": "Service leaflets: bed rest 2-4 hours, domain.md 7.1",
    },
    {
        "key": "follow_up_day",
        "label": "Follow-up due after the procedure",
        "value": "28",
        "unit": "days",
        "evidence_tag": "[L]",
        "source": "Service leaflets: 4-week follow-up, domain.md 8.1",
    },
    {
        "key": "follow_up_window_before_days",
        "label": "Follow-up window opens before the due date",
        "value": "7",
        "unit": "days",
        "evidence_tag": "[I]",
        "source": "Design default -7 days, domain.md 8.1",
    },
    {
        "key": "follow_up_window_after_days",
        "label": "Follow-up overdue after the due date",
        "value": "14",
        "unit": "days",
        "evidence_tag": "[I]",
        "source": "Design default +14 days, domain.md 8.1",
    },
    {
        "key": "discharge_news2_max",
        "label": "Highest NEWS2 score at discharge",
        "value": "4",
        "unit": "NEWS2 points",
        "evidence_tag": "[A][I]",
        "source": "RCP NEWS2 Chart 4 (5 or more: urgent response) [R70]; discharge rule, domain.md 7.3",
    },
    {
        "key": "adverse_event_window_days",
        "label": "Complications can be recorded for this long after the procedure",
        "value": "365",
        "unit": "days",
        "evidence_tag": "[I]",
        "source": "Late infection presents months later [R53][R53b]; 12-month entry point, domain.md 8.1",
    },
    {
        "key": "rtt_weeks",
        "label": "Referral-to-treatment standard",
        "value": "18",
        "unit": "weeks",
        "evidence_tag": "[A]",
        "source": "RTT rules suite, domain.md 8 [R80]",
    },
    {
        "key": "rtt_standard_pct",
        "label": "Share of open pathways within 18 weeks (standard)",
        "value": "92",
        "unit": "%",
        "evidence_tag": "[A]",
        "source": "92% incomplete-pathway standard [R80b]",
    },
    {
        "key": "diagnostic_wait_weeks",
        "label": "Diagnostic (MRI) wait standard",
        "value": "6",
        "unit": "weeks",
        "evidence_tag": "[A]",
        "source": "Diagnostic 6-week standard, domain.md 3 [R82]",
    },
    {
        "key": "diagnostic_standard_pct",
        "label": "Share of patients waiting under the diagnostic standard (operational target)",
        "value": "99",
        "unit": "%",
        "evidence_tag": "[A]",
        "source": "Diagnostic waits: 99% within 6 weeks, domain.md 9 [R82]",
    },
    {
        "key": "consent_quality_standard_pct",
        "label": "Consent quality standard",
        "value": "95",
        "unit": "%",
        "evidence_tag": "[A]",
        "source": "RCR AuditLive IR consent target, domain.md 5.1 [R45]",
    },
    # Recovery observations after sedation (issue 14 item 8): a local schedule more frequent than the
    # NEWS2 minimums while the sedation wears off, domain.md 7.1 [I] ("every 15 min x4, every 30 min
    # x2, then hourly"); counted from the first set on arrival in recovery.
    {
        "key": "recovery_obs_first_every_minutes",
        "label": "Recovery observations, first phase: every",
        "value": "15",
        "unit": "minutes",
        "evidence_tag": "[I]",
        "source": "Local post-sedation policy, e.g. every 15 min x4, domain.md 7.1",
    },
    {
        "key": "recovery_obs_first_count",
        "label": "Recovery observations, first phase: how many",
        "value": "4",
        "unit": "sets",
        "evidence_tag": "[I]",
        "source": "Local post-sedation policy, e.g. every 15 min x4, domain.md 7.1",
    },
    {
        "key": "recovery_obs_second_every_minutes",
        "label": "Recovery observations, second phase: every",
        "value": "30",
        "unit": "minutes",
        "evidence_tag": "[I]",
        "source": "Local post-sedation policy, e.g. every 30 min x2, domain.md 7.1",
    },
    {
        "key": "recovery_obs_second_count",
        "label": "Recovery observations, second phase: how many",
        "value": "2",
        "unit": "sets",
        "evidence_tag": "[I]",
        "source": "Local post-sedation policy, e.g. every 30 min x2, domain.md 7.1",
    },
    {
        "key": "recovery_obs_then_every_minutes",
        "label": "Recovery observations, then every",
        "value": "60",
        "unit": "minutes",
        "evidence_tag": "[I]",
        "source": "Local post-sedation policy, then hourly, domain.md 7.1; NEWS2 5+ needs at least hourly [R70]",
    },
    {
        "key": "recovery_obs_grace_minutes",
        "label": "Recovery observation counted as missed this long after it was due",
        "value": "5",
        "unit": "minutes",
        "evidence_tag": "[I]",
        "source": "Local default for the schedule of domain.md 7.1",
    },
    # Outcome thresholds (issue 14 item 12), domain.md 8.2.
    {
        "key": "odi_mdc_points",
        "label": "ODI minimum detectable change",
        "value": "10",
        "unit": "ODI points",
        "evidence_tag": "[S]",
        "source": "ODI interpretation: minimum detectable change about 10 points, domain.md 8.2 [R75]",
    },
    {
        "key": "rmdq_mdc_points",
        "label": "RMDQ minimum detectable change",
        "value": "5",
        "unit": "RMDQ points",
        "evidence_tag": "[A-instrument]",
        "source": "RMDQ minimum detectable change 4-5 points, domain.md 8.2 [R76b]",
    },
    {
        "key": "pain_important_fall_points",
        "label": "Clinically important fall in pain",
        "value": "1.5",
        "unit": "NRS points",
        "evidence_tag": "[E]",
        "source": "VERTOS IV: a fall of 1.5 points or more, domain.md 8.2 [R20]",
    },
]

# The bounds of each rule: a value outside them is refused, in the admin and in a proposed change
# (issue 13 item 8). key: (minimum, maximum, what the rule is called in the refusal message).
# "[I] local bound": domain.md gives no range, so a conservative, plausible one was chosen.
BOUNDS: dict[str, tuple[str, str, str]] = {
    # domain.md 4.2: INR corrected to <=1.5-1.8 (RuleSet value, default 1.5, max 1.8) [S][R24].
    "inr_max": ("1.0", "1.8", "INR limit"),
    # domain.md 4.2: transfuse below 50 x10^9/L [S][R24]; never below it, at most 100 [I] local bound.
    "platelets_min": ("50", "100", "platelet minimum"),
    # domain.md 4.2: validity window is a RuleSet value with no range given; 1-42 days [I] local bound.
    "lab_validity_days": ("1", "42", "blood result validity"),
    # domain.md 4.2: INR within 2 days when stopping warfarin [S][R26b]; 1-3 days [I] local bound.
    "inr_validity_days_warfarin": ("1", "3", "INR validity for patients stopping warfarin"),
    # domain.md 2.1: ICB VAS >=7/10 [R11], VAPOUR NRS >7 [R18]; 6-8 on the 0-10 scale [I] local bound.
    "pain_threshold": ("6", "8", "pain score threshold"),
    # domain.md 2.1: "usually not more than 6 weeks" [R11]; bone healing takes 2-12 weeks (EBI) [R10].
    "fracture_age_warn_days": ("14", "84", "fracture age warning"),
    # domain.md 3: VAPOUR imaging <=7 days [R18], local default e.g. 28; 7-56 days [I] local bound.
    "imaging_age_warn_days": ("7", "56", "imaging age warning"),
    # domain.md 2.1: EBI covers adults 19 and over [A][R10]; trials used >60 (VAPOUR [R18]) and >=50
    # (VERTOS IV [R20]); a local threshold between 18 and 60 [I] local bound.
    "patient_age_min_years": ("18", "60", "youngest age for the procedure"),
    # domain.md 4.4: NICE NG45 gives no age [R30]; 50-60 years [I] local bound.
    "pregnancy_question_max_age_years": ("50", "60", "oldest age asked about pregnancy"),
    # domain.md 2.2 / 3: remaining height >=33% [R91]; 20-50% [I] local bound.
    "remaining_height_warn_pct": ("20", "50", "remaining height warning"),
    # domain.md 4.2: ECG if ASA >=3 [U/I]; an ECG may be asked for earlier, never later: ASA 1-3 [I] local bound.
    "ecg_required_asa_min": ("1", "3", "ASA grade needing an ECG"),
    # domain.md 5.6: example local policy valid 26 weeks [R43]; 4-26 weeks [I] local bound.
    "consent_validity_days": ("28", "182", "consent validity"),
    # domain.md 5.6: re-confirmation if signed more than 12 weeks before [R43]; 2-12 weeks [I] local bound.
    "consent_reconfirm_days": ("14", "84", "consent re-confirmation limit"),
    # domain.md 6.2: symptomatic PCE rose above 7 mL [R49]; 2-10 mL [I] local bound.
    "cement_volume_warn_ml": ("2", "10", "cement volume warning"),
    # domain.md 7.1: bed rest 2-4 h [L]; about 1 h supine while the cement hardens [S][R74].
    "bed_rest_min_hours": ("1", "4", "minimum bed rest"),
    # domain.md 7.1: bed rest 2-4 h [L]; up to 8 h [I] local bound.
    "bed_rest_max_hours": ("2", "8", "usual maximum bed rest"),
    # domain.md 8.1: follow-up at 4 weeks [L], VAPOUR endpoint at 14 days [R19]; 14-42 days [I] local bound.
    "follow_up_day": ("14", "42", "follow-up day"),
    # domain.md 8.1: window -7 days [I]; 0-14 days [I] local bound.
    "follow_up_window_before_days": ("0", "14", "follow-up window opening"),
    # domain.md 8.1: overdue at due + 14 days [I]; 0-28 days [I] local bound.
    "follow_up_window_after_days": ("0", "28", "follow-up overdue limit"),
    # domain.md 7.3: discharge with NEWS2 0-4; 5 or more needs an urgent response [A][R70].
    "discharge_news2_max": ("0", "4", "highest NEWS2 score at discharge"),
    # domain.md 8.1: late infection at 96-123 days [R53], entry point open 12 months; 6-24 months [I] local bound.
    "adverse_event_window_days": ("180", "730", "complication recording window"),
    # domain.md 9: RTT standard 18 weeks [A][R80]; a local standard may be stricter, 6-18 [I] local bound.
    "rtt_weeks": ("6", "18", "referral-to-treatment standard"),
    # domain.md 9: 92% of incomplete pathways [A][R80b]; 50-100% [I] local bound.
    "rtt_standard_pct": ("50", "100", "referral-to-treatment target"),
    # domain.md 9: diagnostic standard 6 weeks [A][R82]; may be stricter, 1-6 [I] local bound.
    "diagnostic_wait_weeks": ("1", "6", "diagnostic wait standard"),
    # domain.md 9: 99% within 6 weeks [A][R82]; 50-100% [I] local bound.
    "diagnostic_standard_pct": ("50", "100", "diagnostic wait target"),
    # domain.md 9 / 5.1: RCR consent target 95% [A][R45]; 50-100% [I] local bound.
    "consent_quality_standard_pct": ("50", "100", "consent quality standard"),
    # domain.md 7.1: post-sedation observations more often than NEWS2 asks [I]; local bounds [I], never
    # less often than hourly while in recovery (NEWS2 5+ needs hourly [A][R70]).
    "recovery_obs_first_every_minutes": ("5", "30", "first-phase observation interval"),
    "recovery_obs_first_count": ("1", "8", "first-phase observation count"),
    "recovery_obs_second_every_minutes": ("15", "60", "second-phase observation interval"),
    "recovery_obs_second_count": ("0", "6", "second-phase observation count"),
    "recovery_obs_then_every_minutes": ("15", "60", "later observation interval"),
    "recovery_obs_grace_minutes": ("0", "15", "grace before an observation counts as missed"),
    # domain.md 8.2: ODI minimum detectable change about 10 points [S][R75]; 5-15 [I] local bound.
    "odi_mdc_points": ("5", "15", "ODI minimum detectable change"),
    # domain.md 8.2: RMDQ minimum detectable change 4-5 points [R76b].
    "rmdq_mdc_points": ("4", "5", "RMDQ minimum detectable change"),
    # domain.md 8.2: VERTOS IV 1.5 points [E][R20]; 1-3 [I] local bound.
    "pain_important_fall_points": ("1", "3", "clinically important fall in pain"),
}
