"""The suitability assessment page."""

from __future__ import annotations

from pathway.core.choices import Stage
from pathway.core.stage_views import CheckedStageFormView
from pathway.suitability.forms import SuitabilityAssessmentForm


class SuitabilityAssessmentView(CheckedStageFormView):
    stage = Stage.SUITABILITY
    form_class = SuitabilityAssessmentForm
    checks_gate = Stage.PRE_ASSESSMENT
    success_message = "Suitability assessment saved."
