"""The dashboard's filters (django-filter). They choose the cohort of pathways every figure is
computed over: referred within a date range, under a consultant, of an aetiology. The parameter names
are the same as the pathway list's, so the CSV export and the list accept the dashboard's query."""

from __future__ import annotations

import django_filters

from pathway.filters import ConsultantChoiceFilter, DateInput, DateRangeForm
from pathway.models import Aetiology, Pathway


class DashboardFilter(django_filters.FilterSet):
    referred_from = django_filters.DateFilter(
        field_name="referral_received_on", lookup_expr="gte", label="Referred from", widget=DateInput()
    )
    referred_to = django_filters.DateFilter(
        field_name="referral_received_on", lookup_expr="lte", label="Referred to", widget=DateInput()
    )
    consultant = ConsultantChoiceFilter()
    aetiology = django_filters.ChoiceFilter(choices=Aetiology.choices, label="Aetiology")

    class Meta:
        model = Pathway
        fields: list[str] = []
        form = DateRangeForm

    @property
    def is_filtered(self) -> bool:
        if not (self.is_bound and self.form.is_valid()):
            return False
        return any(v not in (None, "") for v in self.form.cleaned_data.values())
