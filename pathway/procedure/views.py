"""The procedure day: the procedure record, the safety checklist, the treated levels."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView

from accounts import roles
from pathway import workflow
from pathway.complications import gates as complications_gates
from pathway.core.choices import Stage
from pathway.core.models import LEG_FIELDS
from pathway.core.services import StaleEdit
from pathway.core.stage_views import (
    DayActionView,
    DayPageMixin,
    DaySubFormView,
    StageFormView,
    show_workflow_errors,
)
from pathway.procedure import gates as procedure_gates
from pathway.procedure import services as procedure_services
from pathway.procedure.forms import (
    ChecklistPhaseForm,
    DebriefOnSignOutForm,
    ImagingDecisionForm,
    ProcedureForm,
    TreatedLevelForm,
)
from pathway.procedure.models import ChecklistPhase, TreatedLevel


class ProcedureView(StageFormView):
    stage = Stage.PROCEDURE
    form_class = ProcedureForm
    success_message = "Procedure saved."

    def get_success_url(self) -> str:
        # The record is written at the end of the case: with time out done and sign out not yet,
        # sign out is the next step (WHO checklist order, domain.md 6.1), so it comes next (issue 16).
        procedure = workflow.stage_record(self.pathway, Stage.PROCEDURE)
        if (
            procedure is not None
            and procedure.answers(ChecklistPhase.TIME_OUT)
            and not procedure.answers(ChecklistPhase.SIGN_OUT)
        ):
            return reverse("pathway:safety_checklist", kwargs={"pk": self.pathway.pk, "phase": "sign_out"})
        return super().get_success_url()

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
        pre = workflow.stage_record(self.pathway, Stage.PRE_ASSESSMENT)
        return {
            **super().get_form_kwargs(),
            "phase": self.phase,
            "answers": procedure.answers(self.phase) if procedure else {},
            "ask_pregnancy": self.phase == ChecklistPhase.SIGN_IN
            and procedure_gates.pregnancy_check_applies(self.pathway),
            "pregnancy": procedure.pregnancy_status_on_day if procedure else "",
            "pregnancy_reason": procedure.pregnancy_not_applicable_reason if procedure else "",
            "legs": {name: getattr(procedure, name) for name in LEG_FIELDS} if procedure else {},
            "medicines": list(pre.medicines.all()) if pre else [],
            "doses": {d.medicine_id: d for d in procedure.last_doses.all()} if procedure else {},
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
    def debrief_form(self) -> DebriefOnSignOutForm | None:
        """On the sign out, the debrief that follows it, recorded in the same step (issue 16)."""
        if self.phase != ChecklistPhase.SIGN_OUT:
            return None
        procedure = self.procedure
        data = self.request.POST if self.request.method == "POST" else None
        form = DebriefOnSignOutForm(data, answers=procedure.answers(ChecklistPhase.DEBRIEF) if procedure else {})
        if not self.can_edit:
            for field in form.fields.values():
                field.disabled = True
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
            imaging_form=ImagingDecisionForm() if self.can_decide_imaging else None,
            debrief_form=self.debrief_form,
        )
        return context

    def refused(self, form, exc: workflow.WorkflowError):
        """The phase was not recorded. The reasons the page already lists (the sign-in re-checks, or
        the phase's own checks above the form) are not repeated: one error says the phase was not
        recorded, and any other reason is given in the form's errors (issue 16: sign-out errors showed
        twice, once as messages and once on the page)."""
        context = self.get_context_data(form=form)
        if self.phase == ChecklistPhase.SIGN_IN:
            shown = {str(item.reason) for item in context["sign_in_items"] if not item.met}
        else:
            shown = {str(reason) for reason in context["phase_reasons"]}
        reasons = [str(reason) for reason in exc.reasons]
        if any(reason in shown for reason in reasons):
            overridable = "override_reason" in form.fields and all(
                getattr(reason, "overridable", False) for reason in exc.reasons
            )
            form.add_error(
                None,
                f"{self.phase.label} not recorded: put right what is listed above first"
                + (", or give the reason for a consultant override below." if overridable else "."),
            )
        for reason in reasons:
            if reason not in shown:
                form.add_error(None, reason)
        return self.render_to_response(context)

    @property
    def can_decide_imaging(self) -> bool:
        """A consultant, on the sign in, when the scan is older than the local limit (domain.md 3)."""
        if self.phase != ChecklistPhase.SIGN_IN or self.refusal or not self.request.user.is_consultant:
            return False
        if not workflow.can_override(self.request.user):
            return False
        items = procedure_gates.imaging_age_items(self.pathway, self.procedure)
        return any(not item.met for item in items)

    def form_valid(self, form):
        if self.debrief_form is not None:
            return self.sign_out_valid(form)
        try:
            answered_no = procedure_services.record_checklist_phase(
                acting_user=self.request.user,
                pathway=self.pathway,
                phase=self.phase,
                answers=form.answers,
                pregnancy_status=form.cleaned_data.get("pregnancy_status", ""),
                pregnancy_not_applicable_reason=form.cleaned_data.get("pregnancy_not_applicable_reason", ""),
                legs=form.legs,
                last_doses=form.last_doses,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except StaleEdit:
            messages.error(self.request, StaleEdit.message)
            return HttpResponseRedirect(self.request.path)
        except workflow.WorkflowError as exc:
            return self.refused(form, exc)
        if answered_no:
            messages.warning(
                self.request, f"{self.phase.label} recorded but not complete: answered no to {'; '.join(answered_no)}."
            )
        else:
            messages.success(self.request, f"{self.phase.label} complete.")
        # The next step in view (issue 16): sign in leads to time out; after time out the needle goes
        # in, so the treated-level form comes next; the sign out is recorded with its debrief
        # (sign_out_valid), which ends at the procedure record.
        if not answered_no and self.phase == ChecklistPhase.SIGN_IN:
            return redirect("pathway:safety_checklist", pk=self.pathway.pk, phase=ChecklistPhase.TIME_OUT.value)
        if not answered_no and self.phase == ChecklistPhase.TIME_OUT:
            return redirect("pathway:treated_level_add", pk=self.pathway.pk)
        return redirect("pathway:procedure", pk=self.pathway.pk)

    def sign_out_valid(self, form):
        """The sign out with the debrief answered on the same page: both recorded, then the
        procedure page (whose next step is recovery); the debrief left blank leads to its own page."""
        if not self.debrief_form.is_valid():
            return self.form_invalid(form)
        try:
            sign_out_no, debrief_no = procedure_services.record_sign_out_and_debrief(
                acting_user=self.request.user,
                pathway=self.pathway,
                sign_out=form.answers,
                debrief=self.debrief_form.debrief_answers,
            )
        except StaleEdit:
            messages.error(self.request, StaleEdit.message)
            return HttpResponseRedirect(self.request.path)
        except workflow.WorkflowError as exc:
            return self.refused(form, exc)
        for phase, answered_no in ((ChecklistPhase.SIGN_OUT, sign_out_no), (ChecklistPhase.DEBRIEF, debrief_no)):
            if answered_no:
                messages.warning(
                    self.request, f"{phase.label} recorded but not complete: answered no to {'; '.join(answered_no)}."
                )
            elif answered_no is not None:
                messages.success(self.request, f"{phase.label} complete.")
        if not sign_out_no and debrief_no is None:
            # NatSSIPs debrief follows the sign out (domain.md 6.1), on its own page when left for later.
            return redirect("pathway:safety_checklist", pk=self.pathway.pk, phase=ChecklistPhase.DEBRIEF.value)
        return redirect("pathway:procedure", pk=self.pathway.pk)


class TreatedLevelCreateView(DaySubFormView):
    form_class = TreatedLevelForm
    title = "Add a treated level"
    add_another = True  # level to level / observation to observation without leaving the form

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


class ImagingDecisionView(DayActionView):
    """A consultant records a decision (rescan or proceed, with a reason) on a scan older than the
    local limit on the procedure date; the sign in reads it (domain.md 3)."""

    http_method_names = ["post"]

    def allowed(self, user) -> bool:
        return workflow.can_override(user)

    def post(self, request, *args, **kwargs):
        form = ImagingDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose rescan or proceed, and give the reason.")
        else:
            try:
                procedure_services.record_imaging_decision(
                    acting_user=request.user, pathway=self.pathway, **form.cleaned_data
                )
            except workflow.WorkflowError as exc:
                show_workflow_errors(request, exc)
            else:
                messages.success(request, "Decision on the scan recorded.")
        return redirect("pathway:safety_checklist", pk=self.pathway.pk, phase=ChecklistPhase.SIGN_IN)
