"""The pathway list's filters (django-filter), also accepted by the CSV export.

Every filter is served by an index or by a collection filter of pathway/core/queues.py, so the list stays
fast at 100,000 pathways. The parameter names shared with the dashboard (referred_from, referred_to,
consultant, aetiology) mean the same thing in both places.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone

from accounts.models import User
from accounts.roles import RECORD_CONSENT
from pathway.core import queues as core_queues
from pathway.core.choices import ExitState, Stage
from pathway.core.forms import DateInput
from pathway.core.models import Aetiology, Pathway, PathwayStatus, Priority, rule_value, stage_order

# --- shared with the dashboard's filters (same parameter names, same meaning) ------------------


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


class Overdue:
    ANY = "any"
    RTT = "rtt"
    PROCEDURE_DATE = "procedure_date"

    CHOICES = [
        (ANY, "Any of these"),
        (RTT, "Waiting 18 weeks or more for treatment"),
        (PROCEDURE_DATE, "Planned procedure date passed"),
    ]


def overdue_q(kind: str):
    today = timezone.localdate()
    parts = {}
    if kind in (Overdue.RTT, Overdue.ANY):
        parts[Overdue.RTT] = core_queues.rtt_breach_q(today=today, weeks=int(rule_value("rtt_weeks")))
    if kind in (Overdue.PROCEDURE_DATE, Overdue.ANY):
        parts[Overdue.PROCEDURE_DATE] = core_queues.procedure_date_passed_q(today=today)
    query = None
    for part in parts.values():
        query = part if query is None else query | part
    return query


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting by a column, then by id, so pages never repeat or skip a pathway."""

    def filter(self, qs, value):
        if value and any(v.lstrip("-") == "stage" for v in value):
            # Stages sort in pathway order, not alphabetically.
            qs = qs.annotate(stage_order=stage_order())  # served by the index pathway_stage_order_idx
        qs = super().filter(qs, value)
        if value:
            return qs.order_by(*qs.query.order_by, "-id" if value[0].startswith("-") else "id")
        return qs


class PathwayFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(field_name="current_stage", choices=Stage.choices, label="Stage")
    status = django_filters.ChoiceFilter(choices=PathwayStatus.choices, label="Status")
    exit_state = django_filters.ChoiceFilter(choices=ExitState.choices, label="Exit")
    overdue = django_filters.ChoiceFilter(choices=Overdue.CHOICES, label="Overdue", method="filter_overdue")
    blocked = django_filters.BooleanFilter(
        label="Awaiting a decision",
        method="filter_blocked",
        widget=forms.CheckboxInput,
        help_text="Stage recorded but not moved on.",
    )
    consultant = ConsultantChoiceFilter()
    aetiology = django_filters.ChoiceFilter(choices=Aetiology.choices, label="Aetiology")
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label="Priority")
    referred_from = django_filters.DateFilter(
        field_name="referral_received_on", lookup_expr="gte", label="Referred from", widget=DateInput()
    )
    referred_to = django_filters.DateFilter(
        field_name="referral_received_on", lookup_expr="lte", label="Referred to", widget=DateInput()
    )
    planned_from = django_filters.DateFilter(
        field_name="planned_procedure_on", lookup_expr="gte", label="Procedure from", widget=DateInput()
    )
    planned_to = django_filters.DateFilter(
        field_name="planned_procedure_on", lookup_expr="lte", label="Procedure to", widget=DateInput()
    )
    ordering = StableOrderingFilter(
        label="Sort by",
        fields=(
            ("referral_received_on", "referred"),
            ("stage_order", "stage"),
            ("planned_procedure_on", "planned"),
            ("patient__family_name", "patient"),
            ("stage_entered_at", "stage_entered"),
        ),
        field_labels={
            "referral_received_on": "Referral date",
            "stage_order": "Stage",
            "planned_procedure_on": "Planned procedure",
            "patient__family_name": "Patient",
            "stage_entered_at": "Time at stage",
        },
    )

    class Meta:
        model = Pathway
        fields: list[str] = []
        form = DateRangeForm

    def filter_overdue(self, queryset, name, value):
        query = overdue_q(value) if value else None
        return queryset.filter(query) if query is not None else queryset

    def filter_blocked(self, queryset, name, value):
        if value:
            return queryset.filter(core_queues.awaiting_decision_q())
        return queryset
