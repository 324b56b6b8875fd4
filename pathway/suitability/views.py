"""The suitability assessment page."""

from __future__ import annotations

from pathway.core.choices import Stage
from pathway.core.stage_views import CheckedStageFormView
from pathway.suitability.forms import SuitabilityAssessmentForm
from pathway.suitability.services import mark_decision

DRAFT_MESSAGE = "Suitability assessment saved as a draft: a consultant radiologist must confirm it."


class SuitabilityAssessmentView(CheckedStageFormView):
    stage = Stage.SUITABILITY
    form_class = SuitabilityAssessmentForm
    checks_gate = Stage.PRE_ASSESSMENT
    success_message = "Suitability assessment saved."

    def form_valid(self, form):
        # Saved with the rest of the form, in the same transaction (StageFormView.form_valid).
        mark_decision(instance=form.instance, acting_user=self.request.user)
        if form.instance.is_draft:
            self.success_message = DRAFT_MESSAGE
        return super().form_valid(form)
