"""Complications: record one, list a pathway's."""

from __future__ import annotations

from django.views.generic import TemplateView

from pathway.complications import gates as complications_gates
from pathway.complications import services as complications_services
from pathway.complications.forms import ComplicationForm
from pathway.complications.models import Complication
from pathway.core.stage_views import DayPageMixin, DaySubFormView


class ComplicationCreateView(DaySubFormView):
    form_class = ComplicationForm
    title = "Add a complication"
    back_url_name = "pathway:complications"

    def may_record(self, user) -> bool:
        return complications_gates.can_record_complication(user)

    def new_instance(self):
        return Complication(pathway=self.pathway)

    def save(self, form) -> list[str]:
        complications_services.record_complication(
            acting_user=self.request.user, pathway=self.pathway, complication=form.instance
        )
        return []


class ComplicationListView(DayPageMixin, TemplateView):
    template_name = "pathway/complication_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            complications=list(self.pathway.complications.select_related("risk")),
            can_add=complications_gates.can_record_complication(self.request.user),
            refusal=complications_gates.complication_refusal(self.pathway),
            **kwargs,
        )
