"""Views of the day and after: the procedure with its safety checklist and treated levels,
complications, recovery with observation sets and discharge, the discharge advice sheet, follow-up.

HTTP only: parse, one selector, one service, a message, a redirect. Rules are in pathway/workflow.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import roles
from pathway import discharge_sheet, services, workflow
from pathway.day_forms import (
    ChecklistPhaseForm,
    ComplicationForm,
    DischargeForm,
    FollowUpForm,
    ObservationSetForm,
    ProcedureForm,
    RecoveryForm,
    TreatedLevelForm,
)
from pathway.models import ChecklistPhase, Complication, ObservationSet, Stage, TreatedLevel
from pathway.services import StaleEdit
from pathway.views import PathwayMixin, StageFormView

VIEW_PATHWAY = "pathway.view_pathway"


def _error_messages(request, exc: workflow.WorkflowError) -> None:
    for reason in exc.reasons:
        messages.error(request, reason)


class DayPageMixin(PathwayMixin):
    """GET needs the view permission; POST the permission named by `record_permission`."""

    record_permission: str = roles.RECORD_PROCEDURE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PATHWAY):
            raise PermissionDenied
        if request.method == "POST" and not self.may_record(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def may_record(self, user) -> bool:
        return user.has_perm(self.record_permission)

    @cached_property
    def procedure(self):
        return workflow.stage_record(self.pathway, Stage.PROCEDURE)


# --- procedure ------------------------------------------------------------------------------------


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
            consented_levels=workflow.consented_levels(self.pathway),
            complications=list(self.pathway.complications.select_related("risk")),
            recovery_reasons=workflow.gate_recovery(self.pathway) if self.pathway.is_open else [],
            can_record_complication=workflow.can_record_complication(self.request.user),
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
            "ask_pregnancy": workflow.pregnancy_check_applies(self.pathway),
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
            phase_reasons=workflow.checklist_phase_reasons(self.pathway, self.phase) if self.pathway.is_open else [],
            sign_in_items=workflow.sign_in_items(self.pathway) if self.phase == ChecklistPhase.SIGN_IN else [],
            consented_levels=workflow.consented_levels(self.pathway),
            allergies=list(pre.allergies.all()) if pre else [],
            no_known_allergies=bool(pre and pre.no_known_allergies),
        )
        return context

    def form_valid(self, form):
        try:
            answered_no = services.record_checklist_phase(
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
            _error_messages(self.request, exc)
            return self.render_to_response(self.get_context_data(form=form))
        if answered_no:
            messages.warning(
                self.request, f"{self.phase.label} recorded but not complete: answered no to {'; '.join(answered_no)}."
            )
        else:
            messages.success(self.request, f"{self.phase.label} complete.")
        return redirect("pathway:procedure", pk=self.pathway.pk)


class DaySubFormView(DayPageMixin, FormView):
    """A form adding one row to the day's record (a treated level, a complication, an observation set)."""

    template_name = "pathway/day_subform.html"
    title = ""
    back_url_name = "pathway:procedure"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.new_instance()}

    def new_instance(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title, back_url=reverse(self.back_url_name, kwargs={"pk": self.pathway.pk}), **kwargs
        )

    def form_valid(self, form):
        try:
            notes = self.save(form)
        except workflow.WorkflowError as exc:
            _error_messages(self.request, exc)
            return self.render_to_response(self.get_context_data(form=form))
        for note in notes:
            messages.warning(self.request, note)
        messages.success(self.request, f"{self.title.removeprefix('Add ').capitalize()} saved.")
        return redirect(self.back_url_name, pk=self.pathway.pk)

    def save(self, form) -> list[str]:
        raise NotImplementedError


class TreatedLevelCreateView(DaySubFormView):
    form_class = TreatedLevelForm
    title = "Add a treated level"

    def new_instance(self):
        return TreatedLevel(procedure=self.procedure) if self.procedure else TreatedLevel()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        levels = workflow.consented_levels(self.pathway)
        context["intro"] = f"Levels on the consent: {', '.join(levels) if levels else 'none'}."
        return context

    def save(self, form) -> list[str]:
        return services.record_treated_level(
            acting_user=self.request.user, pathway=self.pathway, treated_level=form.instance
        )


class ComplicationCreateView(DaySubFormView):
    form_class = ComplicationForm
    title = "Add a complication"
    back_url_name = "pathway:complications"

    def may_record(self, user) -> bool:
        return workflow.can_record_complication(user)

    def new_instance(self):
        return Complication(pathway=self.pathway)

    def save(self, form) -> list[str]:
        services.record_complication(acting_user=self.request.user, pathway=self.pathway, complication=form.instance)
        return []


class ComplicationListView(DayPageMixin, TemplateView):
    template_name = "pathway/complication_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            complications=list(self.pathway.complications.select_related("risk")),
            can_add=workflow.can_record_complication(self.request.user),
            refusal=workflow.complication_refusal(self.pathway),
            **kwargs,
        )


# --- recovery and discharge -------------------------------------------------------------------------


class RecoveryView(StageFormView):
    stage = Stage.RECOVERY
    form_class = RecoveryForm
    success_message = "Recovery saved."

    def get_success_url(self) -> str:
        return reverse("pathway:recovery", kwargs={"pk": self.pathway.pk})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        recovery = self.record if self.record.pk else None
        user = self.request.user
        context.update(
            observations=list(recovery.observations.all()) if recovery else [],
            discharge_items=workflow.discharge_items(self.pathway),
            discharge_form=DischargeForm(),
            can_discharge=(
                self.pathway.is_open and self.pathway.stage == Stage.RECOVERY and user.has_perm(roles.RECORD_RECOVERY)
            ),
            can_override=workflow.can_override(user),
            follow_up=workflow.stage_record(self.pathway, Stage.FOLLOW_UP),
            procedure=workflow.stage_record(self.pathway, Stage.PROCEDURE),
        )
        context["discharge_reasons"] = [i.reason for i in context["discharge_items"] if not i.met]
        return context

    def form_valid(self, form):
        try:
            services.save_recovery(
                acting_user=self.request.user,
                pathway=self.pathway,
                recovery=form.instance,
                expected_version=form.submitted_version,
                advice_changed=form.advice_changed,
            )
        except StaleEdit:
            messages.error(self.request, StaleEdit.message)
            return HttpResponseRedirect(self.request.path)
        except workflow.WorkflowError as exc:
            _error_messages(self.request, exc)
            return HttpResponseRedirect(self.request.path)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class ObservationSetCreateView(DaySubFormView):
    form_class = ObservationSetForm
    title = "Add an observation set"
    back_url_name = "pathway:recovery"
    record_permission = roles.RECORD_RECOVERY

    def new_instance(self):
        return ObservationSet()

    def save(self, form) -> list[str]:
        return services.add_observation_set(
            acting_user=self.request.user, pathway=self.pathway, observation=form.instance
        )


class DayActionView(PathwayMixin, View):
    """A small action on the pathway: an unknown pathway is a 404 before any permission check."""

    def dispatch(self, request, *args, **kwargs):
        self.pathway  # noqa: B018 - 404 for an unknown pathway
        if not self.allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def allowed(self, user) -> bool:
        raise NotImplementedError


class DischargeView(DayActionView):
    """The nurse discharges; a consultant may discharge with an override of the criteria."""

    http_method_names = ["post"]

    def allowed(self, user) -> bool:
        return user.has_perm(roles.RECORD_RECOVERY) or workflow.can_override(user)

    def post(self, request, *args, **kwargs):
        form = DischargeForm(request.POST)
        form.is_valid()
        try:
            follow_up = services.discharge(
                acting_user=request.user,
                pathway=self.pathway,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except StaleEdit:
            messages.error(request, StaleEdit.message)
        except workflow.WorkflowError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, f"Discharged. Follow-up due {follow_up.due_on:%-d %b %Y}.")
        return redirect("pathway:recovery", pk=self.pathway.pk)


class DischargeSheetView(DayActionView):
    """The patient's discharge advice sheet, as a PDF to print or download."""

    def allowed(self, user) -> bool:
        return user.has_perm(VIEW_PATHWAY)

    def get(self, request, *args, **kwargs):
        if workflow.stage_record(self.pathway, Stage.PROCEDURE) is None:
            raise Http404("No procedure is recorded, so there is no discharge advice yet.")
        pdf = discharge_sheet.render(self.pathway)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="discharge-advice-pathway-{self.pathway.pk}.pdf"'
        return response


# --- follow-up ------------------------------------------------------------------------------------


class FollowUpView(StageFormView):
    stage = Stage.FOLLOW_UP
    form_class = FollowUpForm
    success_message = "Follow-up saved."

    def new_record(self):
        return services.new_follow_up(self.pathway)

    def get_success_url(self) -> str:
        return reverse("pathway:follow_up", kwargs={"pk": self.pathway.pk})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            follow_up=self.record,
            completion_reasons=workflow.completion_reasons(self.pathway) if self.pathway.is_open else [],
            can_complete=(
                self.pathway.is_open
                and self.pathway.stage == Stage.FOLLOW_UP
                and user.has_perm(roles.RECORD_FOLLOW_UP)
                and self.record.pk is not None
            ),
            complications=list(self.pathway.complications.select_related("risk")),
        )
        return context


class FollowUpCompleteView(DayActionView):
    http_method_names = ["post"]

    def allowed(self, user) -> bool:
        return user.has_perm(roles.RECORD_FOLLOW_UP)

    def post(self, request, *args, **kwargs):
        try:
            new_pathway = services.complete_follow_up(acting_user=request.user, pathway=self.pathway)
        except workflow.WorkflowError as exc:
            _error_messages(request, exc)
            return redirect("pathway:follow_up", pk=self.pathway.pk)
        if new_pathway is not None:
            messages.success(request, f"Follow-up complete; re-referred as pathway {new_pathway.pk}.")
        else:
            messages.success(request, "Follow-up complete; the pathway is closed.")
        return redirect("pathway:detail", pk=self.pathway.pk)
