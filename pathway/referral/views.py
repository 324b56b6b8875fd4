"""Referral: a new pathway for a patient, and the referral form of an open pathway."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView

from accounts import roles
from pathway import selectors
from pathway.core import submissions
from pathway.core.choices import Stage
from pathway.core.models import Pathway, Patient
from pathway.core.stage_views import StageFormView
from pathway.referral import services as referral_services
from pathway.referral.forms import ReferralForm


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

    def post(self, request, *args, **kwargs):
        first = submissions.replayed(request)
        if first is not None:
            messages.info(request, submissions.REPEAT_MESSAGE)
            return redirect("pathway:detail", pk=first.pk)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = self.request.user
        pathway, created = submissions.once(
            token=submissions.token_from(self.request.POST),
            acting_user=user,
            create=lambda: referral_services.open_pathway(acting_user=user, pathway=form.instance),
        )
        if created:
            messages.success(self.request, "Referral recorded; the pathway is open.")
        else:
            messages.info(self.request, submissions.REPEAT_MESSAGE)
        return redirect("pathway:detail", pk=pathway.pk)


class ReferralView(StageFormView):
    stage = Stage.REFERRAL
    form_class = ReferralForm
    success_message = "Referral saved."

    @cached_property
    def record(self):
        return self.pathway
