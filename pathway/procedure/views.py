"""The procedure day: the procedure record, the safety checklist, the treated levels."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView

from accounts import roles
from pathway import workflow
from pathway.complications import gates as complications_gates
from pathway.core.choices import Stage
from pathway.core.services import StaleEdit
from pathway.core.stage_views import DayPageMixin, DaySubFormView, StageFormView, show_workflow_errors
from pathway.procedure import gates as procedure_gates
from pathway.procedure import services as procedure_services
from pathway.procedure.forms import ChecklistPhaseForm, ProcedureForm, TreatedLevelForm
from pathway.procedure.models import ChecklistPhase, TreatedLevel


class ProcedureView(StageFormView):
    stage = Stage.PROCEDURE
    form_class = ProcedureForm
    success_message = "Procedure saved."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procedure = self.record if self.record.pk else None
        context.update(
            phases=[
                {
                    "phase": phase,
                    "complete": bool(procedure and procedure.phase_complete(phase)),
                    "completed_at": procedure.phase_completed_at(phase) if procedure else None,
                    "answered": bool(procedure and procedure.answers(phase)),
                }
                for phase in ChecklistPhase
            ],
            levels=list(procedure.levels.order_by("id")) if procedure else [],
            consented_levels=procedure_gates.consented_levels(self.pathway),
            complications=list(self.pathway.complications.select_related("risk")),
            recovery_reasons=procedure_gates.gate_recovery(self.pathway) if self.pathway.is_open else [],
            can_record_complication=complications_gates.can_record_complication(self.request.user),
        )
        return context


class SafetyChecklistView(DayPageMixin, FormView):
    """One phase of the WHO safety checklist: each item answered by the signed-in user, now."""

    form_class = ChecklistPhaseForm
    template_name = "pathway/safety_checklist.html"

    @cached_property
    def phase(self) -> ChecklistPhase:
        try:
            return ChecklistPhase(self.kwargs["phase"])
        except ValueError as exc:
            raise Http404("No such checklist phase.") from exc

    def dispatch(self, request, *args, **kwargs):
        self.pathway  # noqa: B018 - 404 for an unknown pathway before anything else
        self.phase  # noqa: B018
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        procedure = self.procedure
        return {
            **super().get_form_kwargs(),
            "phase": self.phase,
            "answers": procedure.answers(self.phase) if procedure else {},
            "ask_pregnancy": procedure_gates.pregnancy_check_applies(self.pathway),
            "pregnancy": procedure.pregnancy_status_on_day if procedure else "",
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.can_edit:
            for field in form.fields.values():
                field.disabled = True
        if not workflow.can_override(self.request.user) or self.phase != ChecklistPhase.SIGN_IN:
            form.fields.pop("override_reason")
        return form

    @cached_property
    def refusal(self) -> str | None:
        return workflow.recording_refusal(self.pathway, Stage.PROCEDURE)

    @property
    def can_edit(self) -> bool:
        return self.refusal is None and self.request.user.has_perm(roles.RECORD_PROCEDURE)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procedure = self.procedure
        pre = workflow.stage_record(self.pathway, Stage.PRE_ASSESSMENT)
        context.update(
            phase=self.phase,
            can_edit=self.can_edit,
            refusal=self.refusal,
            procedure=procedure,
            answers=procedure.answers(self.phase) if procedure else {},
            phase_reasons=procedure_gates.checklist_phase_reasons(self.pathway, self.phase)
            if self.pathway.is_open
            else [],
            sign_in_items=procedure_gates.sign_in_items(self.pathway) if self.phase == ChecklistPhase.SIGN_IN else [],
            consented_levels=procedure_gates.consented_levels(self.pathway),
            allergies=list(pre.allergies.all()) if pre else [],
            no_known_allergies=bool(pre and pre.no_known_allergies),
        )
        return context

    def form_valid(self, form):
        try:
            answered_no = procedure_services.record_checklist_phase(
                acting_user=self.request.user,
                pathway=self.pathway,
                phase=self.phase,
                answers=form.answers,
                pregnancy_status=form.cleaned_data.get("pregnancy_status", ""),
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except StaleEdit:
            messages.error(self.request, StaleEdit.message)
            return HttpResponseRedirect(self.request.path)
        except workflow.WorkflowError as exc:
            show_workflow_errors(self.request, exc)
            return self.render_to_response(self.get_context_data(form=form))
        if answered_no:
            messages.warning(
                self.request, f"{self.phase.label} recorded but not complete: answered no to {'; '.join(answered_no)}."
            )
        else:
            messages.success(self.request, f"{self.phase.label} complete.")
        return redirect("pathway:procedure", pk=self.pathway.pk)


class TreatedLevelCreateView(DaySubFormView):
    form_class = TreatedLevelForm
    title = "Add a treated level"

    def new_instance(self):
        return TreatedLevel(procedure=self.procedure) if self.procedure else TreatedLevel()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        levels = procedure_gates.consented_levels(self.pathway)
        context["intro"] = f"Levels on the consent: {', '.join(levels) if levels else 'none'}."
        return context

    def save(self, form) -> list[str]:
        return procedure_services.record_treated_level(
            acting_user=self.request.user, pathway=self.pathway, treated_level=form.instance
        )
