"""The pre-assessment page."""

from __future__ import annotations

from pathway.core.choices import Stage
from pathway.core.stage_views import RowsStageFormView
from pathway.pre_assessment import services as pre_assessment_services
from pathway.pre_assessment.forms import AllergyInlineFormSet, AntithromboticMedicineInlineFormSet, PreAssessmentForm


class PreAssessmentView(RowsStageFormView):
    stage = Stage.PRE_ASSESSMENT
    form_class = PreAssessmentForm
    formset_classes = {"allergies": AllergyInlineFormSet, "medicines": AntithromboticMedicineInlineFormSet}
    checks_gate = Stage.CONSENT
    success_message = "Pre-assessment saved."

    def after_save(self, form):
        save_rows = super().after_save(form)
        user, planned = self.request.user, form.cleaned_data.get("planned_procedure_on")

        def save_all(instance):
            pre_assessment_services.set_planned_procedure_date(
                acting_user=user, pathway=self.pathway, planned_on=planned
            )
            save_rows(instance)

        return save_all
