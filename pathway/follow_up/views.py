"""The 4-week follow-up page and its completion."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from accounts import roles
from pathway import workflow
from pathway.core.choices import Stage
from pathway.core.models import rule_values
from pathway.core.stage_views import DayActionView, DaySubFormView, StageFormView, show_workflow_errors
from pathway.follow_up import gates as follow_up_gates
from pathway.follow_up import services as follow_up_services
from pathway.follow_up.forms import FollowUpForm, UnscheduledContactForm
from pathway.follow_up.models import UnscheduledContact
from pathway.outcomes import changes


class FollowUpView(StageFormView):
    stage = Stage.FOLLOW_UP
    form_class = FollowUpForm
    success_message = "Follow-up saved."

    def new_record(self):
        return follow_up_services.new_follow_up(self.pathway)

    def get_success_url(self) -> str:
        return reverse("pathway:follow_up", kwargs={"pk": self.pathway.pk})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            follow_up=self.record,
            completion_reasons=follow_up_gates.completion_reasons(self.pathway) if self.pathway.is_open else [],
            can_complete=(
                self.pathway.is_open
                and self.pathway.stage == Stage.FOLLOW_UP
                and user.has_perm(roles.RECORD_FOLLOW_UP)
                and self.record.pk is not None
            ),
            complications=list(self.pathway.complications.select_related("risk")),
            unscheduled_contacts=list(self.pathway.unscheduled_contacts.order_by("contacted_on", "id")),
            can_add_contact=self.pathway.is_open and self.can_edit,
            baseline=self.record.baseline,
        )
        # What the procedure did, from the saved review against the baseline (domain.md 8.2).
        saved = self.record if self.record.pk else None
        context["changes"] = (
            changes(self.record.baseline, saved, rule_values()) if saved and self.record.baseline else []
        )
        return context


class UnscheduledContactCreateView(DaySubFormView):
    """A contact after discharge that is not the 4-week review (domain.md 8.1)."""

    form_class = UnscheduledContactForm
    title = "Add an unscheduled contact"
    back_url_name = "pathway:follow_up"
    record_permission = roles.RECORD_FOLLOW_UP

    def new_instance(self):
        return UnscheduledContact(pathway=self.pathway)

    def save(self, form) -> list[str]:
        follow_up_services.add_unscheduled_contact(
            acting_user=self.request.user, pathway=self.pathway, contact=form.instance
        )
        return []


class FollowUpCompleteView(DayActionView):
    http_method_names = ["post"]

    def allowed(self, user) -> bool:
        return user.has_perm(roles.RECORD_FOLLOW_UP)

    def post(self, request, *args, **kwargs):
        try:
            new_pathway = follow_up_services.complete_follow_up(acting_user=request.user, pathway=self.pathway)
        except workflow.WorkflowError as exc:
            show_workflow_errors(request, exc)
            return redirect("pathway:follow_up", pk=self.pathway.pk)
        if new_pathway is not None:
            messages.success(request, f"Follow-up complete; re-referred as pathway {new_pathway.pk}.")
        else:
            messages.success(request, "Follow-up complete; the pathway is closed.")
        return redirect("pathway:detail", pk=self.pathway.pk)
