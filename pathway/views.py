"""Patients and pathways: lists, the pathway page, and the movement actions (advance, close,
reopen, return). Views parse, call one selector and one service, and redirect.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import roles
from accounts.kept_entries import KeptEntriesMixin
from pathway import selectors, workflow
from pathway.core import access_log, gating, page_cache, providers, submissions
from pathway.core import services as core_services
from pathway.core.choices import Stage, in_sentence
from pathway.core.forms import AdvanceForm, CloseForm, PatientForm, PatientSearchForm, ReasonForm, ReturnForm
from pathway.core.models import Pathway, Patient
from pathway.core.services import StaleEdit
from pathway.core.stage_views import PathwayMixin
from pathway.filters import PathwayFilter
from pathway.procedure import gates as procedure_gates
from pathway.templatetags.pathway_tags import stage_url


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
        access_log.saw_patients(self.request, page, what="patient search results" if query else None)
        context.update(form=form, page_obj=page, query=query)
        return context


class PatientCreateView(KeptEntriesMixin, PermissionRequiredMixin, FormView):  # refilled after a timeout
    permission_required = roles.ADD_PATIENT
    form_class = PatientForm
    template_name = "pathway/patient_form.html"

    def post(self, request, *args, **kwargs):
        first = submissions.replayed(request)
        if first is not None:
            messages.info(request, submissions.REPEAT_MESSAGE)
            return redirect("pathway:patient_detail", pk=first.pk)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = self.request.user
        try:
            patient, created = submissions.once(
                token=submissions.token_from(self.request.POST),
                acting_user=user,
                create=lambda: core_services.register_patient(acting_user=user, patient=form.instance),
            )
        except core_services.DuplicateRecord:
            form.add_error("nhs_number", "A patient with this NHS number was registered a moment ago: search for them.")
            return self.form_invalid(form)
        if created:
            messages.success(self.request, f"Patient {patient} registered.")
        else:
            messages.info(self.request, submissions.REPEAT_MESSAGE)
        return redirect("pathway:patient_detail", pk=patient.pk)


class PatientUpdateView(KeptEntriesMixin, PermissionRequiredMixin, FormView):  # refilled after a timeout
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
            core_services.update_patient(
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
        context.update(patient=patient, pathways=patient.pathways.select_related("responsible_consultant"))
        return context


class PatientAccessMixin:
    """Who has seen this patient's record (a subject access request): managers only. An unknown
    patient is a 404 before the permission check, as for every page naming an id."""

    @cached_property
    def patient(self) -> Patient:
        return selectors.get_patient_for_user(user=self.request.user, patient_id=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        self.patient  # noqa: B018 - 404 for an unknown patient
        if not request.user.has_perm(access_log.VIEW_ACCESS_LOG):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PatientAccessListView(PatientAccessMixin, TemplateView):
    template_name = "pathway/patient_access.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = access_log.accesses_for(self.patient)
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(patient=self.patient, page_obj=page)
        return context


class PatientAccessCsvView(PatientAccessMixin, View):
    """The same list as CSV: time (ISO 8601, local time), username, role, what; streamed."""

    def get(self, request, *args, **kwargs):
        response = StreamingHttpResponse(access_log.csv_lines(self.patient), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="access-patient-{self.patient.pk}.csv"'
        return response


class PathwayListView(PermissionRequiredMixin, View):
    """Every pathway, filtered, sorted, 25 a page. The page's body is cached per query until a pathway
    or a patient is written, and for the day (weeks waited, overdue filters): pathway.core.page_cache."""

    permission_required = "pathway.view_pathway"
    template_name = "pathway/pathway_list.html"
    paginate_by = 25

    def get(self, request, *args, **kwargs):
        body = page_cache.drawn_part(
            "pathway-list",
            identity=(request.GET.urlencode(), page_cache.permissions_digest(request.user)),
            depends_on=[page_cache.PATHWAY_LIST],
            moment=(timezone.localdate().isoformat(),),
            build=self.render_body,
            shared_stale=True,
        )
        access_log.saw_pathways(request, body.pathway_ids)
        return render(request, self.template_name, {"body": mark_safe(body.html)})  # noqa: S308 - our template

    def render_body(self) -> page_cache.Drawn:
        request = self.request
        queryset = selectors.pathways_for_user(user=request.user)
        pathway_filter = PathwayFilter(request.GET or None, queryset=queryset)
        page = Paginator(pathway_filter.qs, self.paginate_by).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "request": SimpleNamespace(GET=request.GET, path=request.path),
            "filter": pathway_filter,
            "page_obj": page,
            "querystring": query.urlencode(),
            "filter_querystring": query.urlencode() if pathway_filter.form.is_valid() else "",
            "can_export": request.user.has_perm(roles.EXPORT_PATHWAYS),
        }
        html = render_to_string("pathway/includes/pathway_list_body.html", context)
        return page_cache.Drawn(html=html, pathway_ids=tuple(p.pk for p in page.object_list))


class PathwayDetailView(PermissionRequiredMixin, PathwayMixin, View):
    """The pathway page. Its body is cached per pathway and permissions until a write to the pathway
    (or its patient, or the reference data) changes it, and for at most the minute it was drawn in:
    the gates and checklists judge the clock (pathway.core.page_cache)."""

    permission_required = "pathway.view_pathway"
    template_name = "pathway/pathway_detail.html"

    def get(self, request, *args, **kwargs):
        pathway = self.pathway
        body = page_cache.part(
            "pathway-page",
            identity=(pathway.pk, page_cache.permissions_digest(request.user), request.path),
            depends_on=[page_cache.pathway_generation(pathway.pk)],
            moment=(timezone.localtime().strftime("%Y-%m-%d %H:%M"),),
            build=self.render_body,
            timeout=2 * 60,  # drawn for one minute: never read after the next
        )
        context = {"pathway": pathway, "patient": pathway.patient, "body": page_cache.with_csrf(body, request)}
        return render(request, self.template_name, context)

    def render_body(self) -> str:
        # A read: the consent and the checklist are judged once for the whole body (gating.page_reads).
        with gating.page_reads():
            return render_to_string("pathway/includes/pathway_body.html", self.body_context())

    def body_context(self) -> dict:
        pathway = self.pathway
        user = self.request.user
        target = workflow.next_stage(pathway.stage)
        return {
            "pathway": pathway,
            "patient": pathway.patient,
            # The only things of the request the body shows: the page's path, the form's CSRF field.
            "request": SimpleNamespace(path=self.request.path),
            "csrf_token": page_cache.CSRF_PLACEHOLDER,
            "timeline": workflow.timeline(pathway),
            "next_stage": target if pathway.is_open else None,
            "next_reasons": workflow.gate_reasons(pathway, target) if (target and pathway.is_open) else [],
            # The checklist is for getting to the procedure; afterwards it would judge old results by today.
            "readiness": procedure_gates.ready_for_procedure(pathway)
            if pathway.is_open and pathway.stage.index <= Stage.PROCEDURE.index
            else None,
            "transitions": selectors.transitions_for(pathway=pathway),
            "documents": providers.documents(pathway),
            "history": selectors.history_for(pathway=pathway),
            "can_advance": workflow.can_advance(user, pathway),
            "can_override": workflow.can_override(user),
            "can_close": workflow.can_close(user, pathway),
            "can_reopen": workflow.can_reopen(user, pathway),
            "recordable": {stage.value: workflow.can_record(user, stage) for stage in Stage},
            "advance_form": AdvanceForm(pathway=pathway),
            "close_form": CloseForm(pathway=pathway),
            "reason_form": ReasonForm(pathway=pathway),
            "return_form": ReturnForm(pathway=pathway),
        }


class WorkflowActionView(PermissionRequiredMixin, PathwayMixin, View):
    """POST-only base for a workflow movement: parse the form, call workflow, message, redirect."""

    form_class = ReasonForm
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        if not form.is_valid():
            if "expected_stage" in form.errors or "expected_version" in form.errors:
                messages.error(
                    request, "This form is out of date or incomplete: nothing was changed. Please try again."
                )
                return redirect("pathway:detail", pk=self.pathway.pk)
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("pathway:detail", pk=self.pathway.pk)
        try:
            message = self.act(form.cleaned_data)
        except workflow.StaleState as exc:
            messages.warning(request, str(exc))
        except workflow.WorkflowError as exc:
            for reason in exc.reasons:
                messages.error(request, reason)
        else:
            messages.success(request, message)
            return self.redirect_after_success(request)
        return redirect("pathway:detail", pk=self.pathway.pk)

    def redirect_after_success(self, request):
        return redirect("pathway:detail", pk=self.pathway.pk)

    def act(self, data) -> str:
        raise NotImplementedError

    @staticmethod
    def expected(data) -> dict:
        """The state the user saw, which the movement checks under the pathway's row lock."""
        return {"expected_stage": data["expected_stage"], "expected_version": data["expected_version"]}


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
            **self.expected(data),
        )
        return f"Moved to {in_sentence(pathway.stage.label)}."

    def redirect_after_success(self, request):
        # Moved on from a stage's own page: straight to the next stage's form when this user records
        # it (issue 16: the next step in view, one page load fewer); otherwise the pathway page.
        pathway = Pathway.objects.get(pk=self.pathway.pk)
        if request.POST.get("from_stage_page") and workflow.can_record(request.user, pathway.stage):
            url = stage_url(pathway.pk, pathway.stage.value)
            if url:
                return redirect(url)
        return super().redirect_after_success(request)


class CloseView(WorkflowActionView):
    permission_required = roles.CLOSE_PATHWAY
    form_class = CloseForm

    def act(self, data) -> str:
        workflow.close(
            pathway=self.pathway,
            exit_state=data["exit_state"],
            acting_user=self.request.user,
            reason=data["reason"],
            **self.expected(data),
        )
        return "Pathway closed."


class ReopenView(WorkflowActionView):
    permission_required = roles.REOPEN_PATHWAY

    def act(self, data) -> str:
        workflow.reopen(
            pathway=self.pathway, acting_user=self.request.user, reason=data["reason"], **self.expected(data)
        )
        return "Pathway reopened."


class ReturnView(WorkflowActionView):
    permission_required = roles.OVERRIDE_GATE
    form_class = ReturnForm

    def act(self, data) -> str:
        pathway = workflow.return_to(
            pathway=self.pathway,
            to_stage=data["to_stage"],
            acting_user=self.request.user,
            reason=data["reason"],
            **self.expected(data),
        )
        return f"Returned to {in_sentence(pathway.stage.label)}."
