"""The MRI review page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import cached_property

from pathway.core.choices import Stage
from pathway.core.stage_views import RowsStageFormView, StageFormView
from pathway.mri.forms import MriLevelFindingInlineFormSet, MriRequestForm, MriScanForm
from pathway.mri.models import MriRequest


class MriScanView(RowsStageFormView):
    stage = Stage.MRI
    form_class = MriScanForm
    formset_classes = {"levels": MriLevelFindingInlineFormSet}
    checks_gate = Stage.PRE_ASSESSMENT
    success_message = "MRI review saved."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mri_request"] = MriRequest.objects.filter(pathway=self.pathway).first()
        return context


class MriRequestView(StageFormView):
    """The date imaging was requested, recorded once the pathway reaches the MRI stage."""

    stage = Stage.MRI
    form_class = MriRequestForm
    success_message = "Imaging request saved."

    @cached_property
    def record(self):
        return MriRequest.objects.filter(pathway=self.pathway).first() or MriRequest(pathway=self.pathway)

    def get_template_names(self):
        return ["pathway/stage_form.html"]

    def get_success_url(self) -> str:
        return reverse("pathway:mri", kwargs={"pk": self.pathway.pk})
