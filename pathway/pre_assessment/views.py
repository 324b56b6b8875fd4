"""The pre-assessment page."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from pathway.core.choices import Stage
from pathway.core.stage_views import VIEW_PATHWAY, DayActionView, RowsStageFormView
from pathway.pre_assessment import medicines_letter
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
            # The patient's medicines letter, as the saved pre-assessment stands (reads never write).
            medicines_letter.store(pathway=self.pathway, pre=instance, acting_user=user)

        return save_all

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["medicines_letter"] = medicines_letter.stored(self.pathway)
        return context


class MedicinesLetterView(DayActionView):
    """The patient's medicines letter as stored when the pre-assessment was last saved."""

    def allowed(self, user) -> bool:
        return user.has_perm(VIEW_PATHWAY)

    def get(self, request, *args, **kwargs):
        letter = medicines_letter.stored(self.pathway)
        if letter is None:
            raise Http404("No medicines letter yet: it is made when the pre-assessment is saved.")
        with letter.file.open("rb") as handle:
            pdf = handle.read()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="medicines-letter-pathway-{self.pathway.pk}.pdf"'
        return response
