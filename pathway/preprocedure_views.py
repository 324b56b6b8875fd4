"""Stage views before the procedure. Each is a few lines of configuration on the one base view.

`RowsStageFormView` adds inline rows (formsets) to a stage form; the rows are saved by the stage save
service's `after_save`, in the same transaction as their record. Other stages with rows may reuse it.
"""

from __future__ import annotations

from django.utils.functional import cached_property

from pathway import selectors, services, workflow
from pathway.models import Stage
from pathway.preprocedure_forms import (
    AllergyInlineFormSet,
    AntithromboticMedicineInlineFormSet,
    MriLevelFindingInlineFormSet,
    MriScanForm,
    PreAssessmentForm,
    SuitabilityAssessmentForm,
)
from pathway.views import StageFormView


class CheckedStageFormView(StageFormView):
    """Shows, above the form, what still stops the pathway passing the gate this stage feeds."""

    checks_gate: Stage | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.checks_gate is not None and self.pathway.is_open:
            # What is saved, not the form being edited (which may hold invalid input).
            saved = selectors.get_pathway_for_user(user=self.request.user, pathway_id=self.pathway.pk)
            context["gate_stage"] = self.checks_gate
            context["gate_reasons"] = workflow.gate_reasons(saved, self.checks_gate)
        return context


class RowsStageFormView(CheckedStageFormView):
    """A stage form with inline rows: `formset_classes` maps a prefix to an inline formset class."""

    formset_classes: dict[str, type] = {}

    @cached_property
    def formsets(self) -> dict:
        data = self.request.POST if self.request.method == "POST" else None
        formsets = {}
        for prefix, formset_class in self.formset_classes.items():
            formset = formset_class(data, instance=self.record, prefix=prefix)
            if not self.can_edit:
                for form in [*formset.forms, formset.empty_form]:
                    for field in form.fields.values():
                        field.disabled = True
            formsets[prefix] = formset
        return formsets

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        form_valid = form.is_valid()
        # Validate every formset (no short-circuit) so each shows its errors.
        rows_valid = False not in {formset.is_valid() for formset in self.formsets.values()}
        check_rows = getattr(form, "check_rows", None)
        if form_valid and rows_valid and (check_rows is None or check_rows(self.formsets)):
            return self.form_valid(form)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(formsets=self.formsets, **kwargs)

    def after_save(self, form):
        user = self.request.user

        def save_rows(instance):
            for formset in self.formsets.values():
                services.save_rows(acting_user=user, formset=formset, parent=instance)

        return save_rows


class SuitabilityAssessmentView(CheckedStageFormView):
    stage = Stage.SUITABILITY
    form_class = SuitabilityAssessmentForm
    checks_gate = Stage.PRE_ASSESSMENT
    success_message = "Suitability assessment saved."


class MriScanView(RowsStageFormView):
    stage = Stage.MRI
    form_class = MriScanForm
    formset_classes = {"levels": MriLevelFindingInlineFormSet}
    checks_gate = Stage.PRE_ASSESSMENT
    success_message = "MRI review saved."


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
            services.set_planned_procedure_date(acting_user=user, pathway=self.pathway, planned_on=planned)
            save_rows(instance)

        return save_all
