"""Worklists: what each role has to do, each item linking to the form that clears it."""

from __future__ import annotations

from dataclasses import dataclass

from accounts import roles
from pathway.models import Stage
from pathway.selectors import pathways_for_user
from pathway.templatetags.pathway_tags import stage_form_url


@dataclass
class Worklist:
    key: str
    title: str
    description: str
    stage: Stage
    pathways: list
    total: int

    def url_for(self, pathway) -> str:
        return stage_form_url(pathway, self.stage)


# Which stage queue each recording permission owns. A queue lists open pathways waiting at that stage.
QUEUES: tuple[tuple[str, Stage, str, str], ...] = (
    (roles.RECORD_REFERRAL, Stage.REFERRAL, "New referrals", "Referrals to triage for suitability assessment."),
    (roles.RECORD_SUITABILITY, Stage.SUITABILITY, "Awaiting suitability", "Patients to assess for suitability."),
    (roles.RECORD_MRI, Stage.MRI, "MRI to review", "Imaging to review and report by level."),
    (
        roles.RECORD_PRE_ASSESSMENT,
        Stage.PRE_ASSESSMENT,
        "Pre-assessment due",
        "Bloods, ECG, medicines and escort to check.",
    ),
    (roles.RECORD_CONSENT, Stage.CONSENT, "Consent to take", "Patients ready for the consent discussion."),
    (roles.RECORD_PROCEDURE, Stage.PROCEDURE, "Procedure list", "Patients listed for vertebroplasty."),
    (roles.RECORD_RECOVERY, Stage.RECOVERY, "In recovery", "Observations and discharge."),
    (roles.RECORD_FOLLOW_UP, Stage.FOLLOW_UP, "Follow-up", "4-week reviews."),
)


def worklists_for_user(*, user, limit: int = 20) -> list[Worklist]:
    pathways = pathways_for_user(user=user).open()
    lists: list[Worklist] = []
    for permission, stage, title, description in QUEUES:
        if not user.has_perm(permission):
            continue
        queue = pathways.filter(current_stage=stage).order_by("stage_entered_at", "id")
        lists.append(
            Worklist(
                key=stage.value,
                title=title,
                description=description,
                stage=stage,
                pathways=list(queue[:limit]),
                total=queue.count(),
            )
        )
    return lists
