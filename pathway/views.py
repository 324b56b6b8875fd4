"""HTTP only: parse, one selector, one service, a message, a redirect. Rules live elsewhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import select_template
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import roles
from pathway import selectors, services, workflow
from pathway.filters import PathwayFilter
from pathway.forms import (
    AdvanceForm,
    CloseForm,
    PatientForm,
    PatientSearchForm,
    ReasonForm,
    ReferralForm,
    ReturnForm,
)
from pathway.models import Pathway, Patient, Stage
from pathway.services import StaleEdit


class PathwayMixin:
    """Loads the pathway named in the URL through the one selector."""

    @cached_property
    def pathway(self) -> Pathway:
        return selectors.get_pathway_for_user(user=self.request.user, pathway_id=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pathway"] = self.pathway
        context["patient"] = self.pathway.patient
        return context


# --- patients -------------------------------------------------------------------------------------


class PatientListView(PermissionRequiredMixin, TemplateView):
    permission_required = "pathway.view_patient"
    template_name = "pathway/patient_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = PatientSearchForm(self.request.GET or None)
        patients = selectors.patients_for_user(user=self.request.user)
        query = ""
        if form.is_valid():
            query = form.cleaned_data["q"]
            patients = patients.search(query)
        page = Paginator(patients.order_by("family_name", "given_name", "id"), 25).get_page(
            self.request.GET.get("page")
        )
        context.update(form=form, page_obj=page, query=query)
        return context


class PatientCreateView(PermissionRequiredMixin, FormView):
    permission_required = roles.ADD_PATIENT
    form_class = PatientForm
    template_name = "pathway/patient_form.html"

    def form_valid(self, form):
        patient = services.register_patient(acting_user=self.request.user, patient=form.instance)
        messages.success(self.request, f"Patient {patient} registered.")
        return redirect("pathway:patient_detail", pk=patient.pk)


class PatientUpdateView(PermissionRequiredMixin, FormView):
    permission_required = roles.CHANGE_PATIENT
    form_class = PatientForm
    template_name = "pathway/patient_form.html"

    @cached_property
    def patient(self) -> Patient:
        return selectors.get_patient_for_user(user=self.request.user, patient_id=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.patient}

    def get_context_data(self, **kwargs):
        return super().get_context_data(patient=self.patient, **kwargs)

    def form_valid(self, form):
        try:
            services.update_patient(
                acting_user=self.request.user, patient=form.instance, expected_version=form.submitted_version
            )
        except StaleEdit:
            messages.error(self.request, StaleEdit.message)
            return redirect("pathway:patient_edit", pk=self.patient.pk)
        messages.success(self.request, "Patient details saved.")
        return redirect("pathway:patient_detail", pk=self.patient.pk)


class PatientDetailView(PermissionRequiredMixin, TemplateView):
    permission_required = "pathway.view_patient"
    template_name = "pathway/patient_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient = selectors.get_patient_for_user(user=self.request.user, patient_id=self.kwargs["pk"])
        services.record_patient_access(acting_user=self.request.user, patient=patient)
        context.update(patient=patient, pathways=patient.pathways.select_related("responsible_consultant"))
        return context


# --- pathways -------------------------------------------------------------------------------------


class PathwayCreateView(PermissionRequiredMixin, FormView):
    """Record a referral for a patient: this opens a new pathway."""

    permission_required = roles.RECORD_REFERRAL
    form_class = ReferralForm
    template_name = "pathway/referral_form.html"

    @cached_property
    def patient(self) -> Patient:
        return selectors.get_patient_for_user(user=self.request.user, patient_id=self.kwargs["patient_pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Pathway(patient=self.patient)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(patient=self.patient, can_edit=True, **kwargs)

    def form_valid(self, form):
        pathway = services.open_pathway(acting_user=self.request.user, pathway=form.instance)
        messages.success(self.request, "Referral recorded; the pathway is open.")
        return redirect("pathway:detail", pk=pathway.pk)


class PathwayListView(PermissionRequiredMixin, TemplateView):
    permission_required = "pathway.view_pathway"
    template_name = "pathway/pathway_list.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = selectors.pathways_for_user(user=self.request.user)
        pathway_filter = PathwayFilter(self.request.GET or None, queryset=queryset)
        page = Paginator(pathway_filter.qs, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=pathway_filter,
            page_obj=page,
            querystring=query.urlencode(),
            filter_querystring=query.urlencode() if pathway_filter.form.is_valid() else "",
            can_export=self.request.user.has_perm(roles.EXPORT_PATHWAYS),
        )
        return context


class PathwayDetailView(PermissionRequiredMixin, PathwayMixin, TemplateView):
    permission_required = "pathway.view_pathway"
    template_name = "pathway/pathway_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pathway = self.pathway
        user = self.request.user
        services.record_patient_access(acting_user=user, patient=pathway.patient, pathway=pathway)
        target = workflow.next_stage(pathway.stage)
        context.update(
            timeline=workflow.timeline(pathway),
            next_stage=target if pathway.is_open else None,
            next_reasons=workflow.gate_reasons(pathway, target) if (target and pathway.is_open) else [],
            # The checklist is for getting to the procedure; afterwards it would judge old results by today.
            readiness=workflow.ready_for_procedure(pathway)
            if pathway.is_open and pathway.stage.index <= Stage.PROCEDURE.index
            else None,
            transitions=selectors.transitions_for(pathway=pathway),
            history=selectors.history_for(pathway=pathway),
            can_advance=workflow.can_advance(user, pathway),
            can_override=workflow.can_override(user),
            can_close=workflow.can_close(user, pathway),
            can_reopen=workflow.can_reopen(user, pathway),
            recordable={stage.value: workflow.can_record(user, stage) for stage in Stage},
            advance_form=AdvanceForm(),
            close_form=CloseForm(),
            reason_form=ReasonForm(),
            return_form=ReturnForm(),
        )
        return context


class WorkflowActionView(PermissionRequiredMixin, PathwayMixin, View):
    """POST-only base for a workflow movement: parse the form, call workflow, message, redirect."""

    form_class = ReasonForm
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("pathway:detail", pk=self.pathway.pk)
        try:
            message = self.act(form.cleaned_data)
        except workflow.WorkflowError as exc:
            for reason in exc.reasons:
                messages.error(request, reason)
        else:
            messages.success(request, message)
        return redirect("pathway:detail", pk=self.pathway.pk)

    def act(self, data) -> str:
        raise NotImplementedError


class AdvanceView(WorkflowActionView):
    permission_required = "pathway.view_pathway"
    form_class = AdvanceForm

    def act(self, data) -> str:
        target = workflow.next_stage(self.pathway.stage)
        if target is None:
            raise workflow.WorkflowError("This pathway is at its last stage; complete it instead.")
        pathway = workflow.advance(
            pathway=self.pathway,
            to_stage=target,
            acting_user=self.request.user,
            override_reason=data["override_reason"],
        )
        return f"Moved to {pathway.stage.label.lower()}."


class CloseView(WorkflowActionView):
    permission_required = roles.CLOSE_PATHWAY
    form_class = CloseForm

    def act(self, data) -> str:
        workflow.close(
            pathway=self.pathway, exit_state=data["exit_state"], acting_user=self.request.user, reason=data["reason"]
        )
        return "Pathway closed."


class ReopenView(WorkflowActionView):
    permission_required = roles.REOPEN_PATHWAY

    def act(self, data) -> str:
        workflow.reopen(pathway=self.pathway, acting_user=self.request.user, reason=data["reason"])
        return "Pathway reopened."


class ReturnView(WorkflowActionView):
    permission_required = roles.OVERRIDE_GATE
    form_class = ReturnForm

    def act(self, data) -> str:
        pathway = workflow.return_to(
            pathway=self.pathway, to_stage=data["to_stage"], acting_user=self.request.user, reason=data["reason"]
        )
        return f"Returned to {pathway.stage.label.lower()}."


# --- stage forms ----------------------------------------------------------------------------------


class StageFormView(PathwayMixin, FormView):
    """The one base view of every stage form. A stage view sets `stage` and `form_class`.

    GET needs the view permission (a read-only form for those who cannot record the stage);
    POST needs the stage's record permission (pathway.workflow.STAGE_PERMISSION).
    """

    stage: Stage
    success_message = "Saved."

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("pathway.view_pathway"):
            raise PermissionDenied
        if request.method == "POST" and not workflow.can_record(request.user, self.stage):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def record(self):
        existing = workflow.stage_record(self.pathway, self.stage)
        if existing is not None:
            return existing
        return self.new_record()

    def new_record(self):
        return self.form_class._meta.model(pathway=self.pathway)

    @property
    def can_edit(self) -> bool:
        return self.refusal is None and workflow.can_record(self.request.user, self.stage)

    @cached_property
    def refusal(self) -> str | None:
        return workflow.recording_refusal(self.pathway, self.stage)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.record}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.can_edit:
            for field in form.fields.values():
                field.disabled = True
        return form

    def get_template_names(self):
        model_name = self.form_class._meta.model._meta.model_name
        return [select_template([f"pathway/{model_name}_form.html", "pathway/stage_form.html"]).template.name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(stage=self.stage, can_edit=self.can_edit, refusal=self.refusal, record=self.record)
        return context

    def get_success_url(self) -> str:
        return reverse("pathway:detail", kwargs={"pk": self.pathway.pk})

    def after_save(self, form):
        """Return a callable saving dependent rows (inline formsets) in the same transaction."""
        return None

    def form_valid(self, form):
        try:
            with transaction.atomic():
                services.save_stage_record(
                    acting_user=self.request.user,
                    pathway=self.pathway,
                    stage=self.stage,
                    instance=form.instance,
                    expected_version=form.submitted_version,
                    after_save=self.after_save(form),
                )
        except StaleEdit:
            messages.error(self.request, StaleEdit.message)
            return HttpResponseRedirect(self.request.path)
        except workflow.WorkflowError as exc:
            for reason in exc.reasons:
                messages.error(self.request, reason)
            return HttpResponseRedirect(self.request.path)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class ReferralView(StageFormView):
    stage = Stage.REFERRAL
    form_class = ReferralForm
    success_message = "Referral saved."

    @cached_property
    def record(self):
        return self.pathway
