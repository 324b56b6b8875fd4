"""The base views every stage form is configured from (design.md 10: a stage view is a few lines
of configuration on one base view). `RowsStageFormView` adds inline rows saved by the stage's
`after_save`, in the same transaction as their record; the day views add sub-forms and actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import select_template
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView

from accounts import roles
from accounts.kept_entries import KeptEntriesMixin, kept_entries
from pathway import selectors, workflow
from pathway.core import services as core_services
from pathway.core import submissions
from pathway.core.choices import Stage
from pathway.core.forms import AdvanceForm
from pathway.core.models import Pathway
from pathway.core.services import StaleEdit


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


# KeptEntriesMixin: a form posted after the session timed out is shown again filled in after sign-in
# (accounts/kept_entries.py); never saved without a new submit.
class StageFormView(KeptEntriesMixin, PathwayMixin, FormView):
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
        if request.method == "POST" and submissions.replayed(request) is not None:
            messages.info(request, submissions.REPEAT_MESSAGE)
            return HttpResponseRedirect(self.get_success_url())
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
        context.update(self.move_on_context())
        return context

    def move_on_context(self) -> dict:
        """The next step in view on the stage's own page (issue 16): once the pathway's current stage
        is saved and its gate is open, the move on is one click from here, not from the pathway page.
        A closed gate's reasons are listed; an override stays on the pathway page, with its reason."""
        pathway = self.pathway
        target = workflow.next_stage(pathway.stage)
        if not (
            pathway.is_open
            and target is not None
            and pathway.stage == self.stage
            and workflow.stage_record(pathway, self.stage) is not None
            and workflow.can_advance(self.request.user, pathway)
        ):
            return {}
        saved = selectors.get_pathway_for_user(user=self.request.user, pathway_id=pathway.pk)
        return {
            "move_on_stage": target,
            "move_on_reasons": workflow.gate_reasons(saved, target),
            "advance_form": AdvanceForm(pathway=saved),
        }

    def get_success_url(self) -> str:
        # The user stays on the stage after a save, with what still stops the next move in view
        # (issue 16: a save used to send them back to the pathway page, one more page load each time).
        return self.request.path

    def after_save(self, form):
        """Return a callable saving dependent rows (inline formsets) in the same transaction."""
        return None

    def form_valid(self, form):
        try:
            with transaction.atomic():
                _record, created = submissions.once(
                    token=submissions.token_from(self.request.POST),
                    acting_user=self.request.user,
                    create=lambda: core_services.save_stage_record(
                        acting_user=self.request.user,
                        pathway=self.pathway,
                        stage=self.stage,
                        instance=form.instance,
                        expected_version=form.submitted_version,
                        after_save=self.after_save(form),
                    ),
                )
        except StaleEdit as exc:
            messages.error(self.request, exc.message)
            return HttpResponseRedirect(self.request.path)
        except workflow.WorkflowError as exc:
            for reason in exc.reasons:
                messages.error(self.request, reason)
            return HttpResponseRedirect(self.request.path)
        if created:
            messages.success(self.request, self.success_message)
        else:
            messages.info(self.request, submissions.REPEAT_MESSAGE)
        return HttpResponseRedirect(self.get_success_url())


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
        # On GET, the rows of a form kept through a session timeout (None otherwise).
        data = self.request.POST if self.request.method == "POST" else kept_entries(self.request)
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
                core_services.save_rows(acting_user=user, formset=formset, parent=instance)

        return save_rows


VIEW_PATHWAY = "pathway.view_pathway"


def show_workflow_errors(request, exc: workflow.WorkflowError) -> None:
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


class DaySubFormView(DayPageMixin, FormView):
    """A form adding one row to the day's record (a treated level, a complication, an observation set)."""

    template_name = "pathway/day_subform.html"
    title = ""
    success_message = ""  # default: "<title without 'Add '> saved."
    add_another = False
    back_url_name = "pathway:procedure"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.new_instance()}

    def new_instance(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title,
            back_url=reverse(self.back_url_name, kwargs={"pk": self.pathway.pk}),
            add_another=self.add_another,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if submissions.replayed(request) is not None:
            messages.info(request, submissions.REPEAT_MESSAGE)
            return redirect(self.back_url_name, pk=self.pathway.pk)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        notes: list[str] = []

        def create():
            notes.extend(self.save(form))
            return form.instance

        try:
            _row, created = submissions.once(
                token=submissions.token_from(self.request.POST), acting_user=self.request.user, create=create
            )
        except workflow.WorkflowError as exc:
            show_workflow_errors(self.request, exc)
            return self.render_to_response(self.get_context_data(form=form))
        except StaleEdit as exc:
            messages.error(self.request, exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        if not created:
            messages.info(self.request, submissions.REPEAT_MESSAGE)
            return redirect(self.back_url_name, pk=self.pathway.pk)
        for note in notes:
            messages.warning(self.request, note)
        messages.success(self.request, self.success_message or f"{self.title.removeprefix('Add ').capitalize()} saved.")
        if self.add_another and "save_and_add" in self.request.POST:  # level to level, observation to observation
            return HttpResponseRedirect(self.request.path)
        return redirect(self.back_url_name, pk=self.pathway.pk)

    def save(self, form) -> list[str]:
        raise NotImplementedError


class DayActionView(PathwayMixin, View):
    """A small action on the pathway: an unknown pathway is a 404 before any permission check."""

    def dispatch(self, request, *args, **kwargs):
        self.pathway  # noqa: B018 - 404 for an unknown pathway
        if not self.allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def allowed(self, user) -> bool:
        raise NotImplementedError
