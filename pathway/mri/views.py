"""The MRI review page."""

from __future__ import annotations

from pathway.core.choices import Stage
from pathway.core.stage_views import RowsStageFormView
from pathway.mri.forms import MriLevelFindingInlineFormSet, MriScanForm


class MriScanView(RowsStageFormView):
    stage = Stage.MRI
    form_class = MriScanForm
    formset_classes = {"levels": MriLevelFindingInlineFormSet}
    checks_gate = Stage.PRE_ASSESSMENT
    success_message = "MRI review saved."
