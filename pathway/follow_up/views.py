"""The 4-week follow-up page and its completion."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from accounts import roles
from pathway import workflow
from pathway.core.choices import Stage
from pathway.core.stage_views import DayActionView, StageFormView, show_workflow_errors
from pathway.follow_up import gates as follow_up_gates
from pathway.follow_up import services as follow_up_services
from pathway.follow_up.forms import FollowUpForm


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
        )
        return context


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
