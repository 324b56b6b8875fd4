"""Recovery and discharge: the recovery record, observation sets, the discharge and its sheet."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from pathway import workflow
from pathway.core.choices import Stage
from pathway.core.models import rule_values
from pathway.core.services import StaleEdit
from pathway.core.stage_views import VIEW_PATHWAY, DayActionView, DaySubFormView, StageFormView, show_workflow_errors
from pathway.recovery import discharge_sheet as recovery_discharge_sheet
from pathway.recovery import gates as recovery_gates
from pathway.recovery import schedule as recovery_schedule
from pathway.recovery import services as recovery_services
from pathway.recovery.forms import DischargeForm, EscalationForm, LegReviewForm, ObservationSetForm, RecoveryForm
from pathway.recovery.models import Escalation, ObservationSet


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
            discharge_items=recovery_gates.discharge_items(self.pathway),
            discharge_form=DischargeForm(),
            can_discharge=(
                self.pathway.is_open and self.pathway.stage == Stage.RECOVERY and user.has_perm(roles.RECORD_RECOVERY)
            ),
            can_override=workflow.can_override(user),
            follow_up=workflow.stage_record(self.pathway, Stage.FOLLOW_UP),
            procedure=workflow.stage_record(self.pathway, Stage.PROCEDURE),
        )
        context["discharge_reasons"] = [i.reason for i in context["discharge_items"] if not i.met]
        if recovery is not None:
            slots = recovery_schedule.timetable(
                arrived_at=recovery.arrived_at,
                taken=[o.taken_at for o in context["observations"]],
                rules=rule_values(),
                now=timezone.now(),
                discharged_at=recovery.discharged_at,
            )
            context.update(
                timetable=slots,
                next_due=recovery_schedule.next_due(slots) if recovery.discharged_at is None else None,
                missed=sum(1 for s in slots if s.missed),
                escalations=list(recovery.escalations.select_related("observation", "closed_by")),
            )
        falls = recovery_gates.leg_falls(self.pathway, context["observations"])
        context["leg_review_form"] = (
            LegReviewForm(prefix="review") if falls and self.pathway.stage == Stage.RECOVERY and self.can_edit else None
        )
        context["leg_reviews"] = list(recovery.leg_reviews.select_related("reviewed_by")) if recovery else []
        return context

    def form_valid(self, form):
        try:
            recovery_services.save_recovery(
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
            show_workflow_errors(self.request, exc)
            return HttpResponseRedirect(self.request.path)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class ObservationSetCreateView(DaySubFormView):
    form_class = ObservationSetForm
    title = "Add an observation set"
    add_another = True  # level to level / observation to observation without leaving the form
    back_url_name = "pathway:recovery"
    record_permission = roles.RECORD_RECOVERY

    def new_instance(self):
        return ObservationSet()

    def save(self, form) -> list[str]:
        return recovery_services.add_observation_set(
            acting_user=self.request.user, pathway=self.pathway, observation=form.instance
        )


class EscalationCloseView(DaySubFormView):
    """Close a NEWS2 escalation: who was called, when, and the outcome."""

    form_class = EscalationForm
    title = "Close a NEWS2 escalation"
    success_message = "NEWS2 escalation closed."
    back_url_name = "pathway:recovery"
    record_permission = roles.RECORD_RECOVERY

    def new_instance(self):
        escalation = (
            Escalation.objects.filter(pk=self.kwargs["escalation_pk"], recovery__pathway=self.pathway)
            .select_related("observation")
            .first()
        )
        if escalation is None:
            raise Http404("No such escalation on this pathway.")
        return escalation

    def save(self, form) -> list[str]:
        recovery_services.close_escalation(
            acting_user=self.request.user,
            pathway=self.pathway,
            escalation=form.instance,
            expected_version=form.submitted_version,
        )
        return []


class DischargeView(DayActionView):
    """The nurse discharges; a consultant may discharge with an override of the criteria."""

    http_method_names = ["post"]

    def allowed(self, user) -> bool:
        return user.has_perm(roles.RECORD_RECOVERY) or workflow.can_override(user)

    def post(self, request, *args, **kwargs):
        form = DischargeForm(request.POST)
        form.is_valid()
        try:
            follow_up = recovery_services.discharge(
                acting_user=request.user,
                pathway=self.pathway,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except StaleEdit:
            messages.error(request, StaleEdit.message)
        except workflow.WorkflowError as exc:
            show_workflow_errors(request, exc)
        else:
            messages.success(request, f"Discharged. Follow-up due {follow_up.due_on:%-d %b %Y}.")
        return redirect("pathway:recovery", pk=self.pathway.pk)


class LegReviewView(DayActionView):
    """Record the doctor's review after a fall in leg power or sensation (domain.md 7.2)."""

    http_method_names = ["post"]

    def allowed(self, user) -> bool:
        return user.has_perm(roles.RECORD_RECOVERY) or user.has_perm(roles.RECORD_PROCEDURE)

    def post(self, request, *args, **kwargs):
        form = LegReviewForm(request.POST, prefix="review")
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect("pathway:recovery", pk=self.pathway.pk)
        try:
            recovery_services.record_leg_review(acting_user=request.user, pathway=self.pathway, review=form.instance)
        except workflow.WorkflowError as exc:
            show_workflow_errors(request, exc)
        else:
            messages.success(request, "Medical review of the legs recorded.")
        return redirect("pathway:recovery", pk=self.pathway.pk)


class DischargeSheetView(DayActionView):
    """The patient's discharge advice sheet, as a PDF to print or download."""

    def allowed(self, user) -> bool:
        return user.has_perm(VIEW_PATHWAY)

    def get(self, request, *args, **kwargs):
        if workflow.stage_record(self.pathway, Stage.PROCEDURE) is None:
            raise Http404("No procedure is recorded, so there is no discharge advice yet.")
        # After the discharge: the sheet as stored then. Before it (or for a discharge made before sheets
        # were stored): rendered for printing, and not stored, since a read never writes.
        sheet = recovery_discharge_sheet.stored(self.pathway)
        if sheet is not None:
            with sheet.file.open("rb") as handle:
                pdf = handle.read()
        else:
            pdf = recovery_discharge_sheet.render(self.pathway)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="discharge-advice-pathway-{self.pathway.pk}.pdf"'
        return response
