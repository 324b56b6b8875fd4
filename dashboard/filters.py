"""The dashboard's filters (django-filter). They choose the cohort of pathways every figure is
computed over: referred within a date range, under a consultant, of an aetiology. The parameter names
are the same as the pathway list's, so the CSV export and the list accept the dashboard's query."""

from __future__ import annotations

import django_filters
from django import forms

from accounts.models import User
from accounts.roles import RECORD_CONSENT
from pathway.models import Aetiology, Pathway


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def consultants():
    """Users who may be responsible consultants (they hold the consent permission), or already are."""
    app_label, codename = RECORD_CONSENT.split(".")
    return (
        User.objects.filter(
            groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
        )
        .distinct()
        .order_by("last_name", "first_name", "id")
    )


class ConsultantChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "responsible_consultant")
        kwargs.setdefault("label", "Consultant")
        kwargs.setdefault("queryset", lambda request: consultants())
        super().__init__(**kwargs)


class DateRangeForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("referred_from"), cleaned.get("referred_to")
        if start and end and start > end:
            self.add_error("referred_to", "The end of the date range is before its start.")
        return cleaned


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
