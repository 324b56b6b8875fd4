"""Admin: the risk and leaflet libraries are edited here; consent records are read-only.

Editing a risk adds a version (consents keep the wording they were given). A consent is never
changed in the admin: a signed one is frozen, and drafts are kept in the app where the checks run.
"""

from django import forms
from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from consent import governance, services
from consent.models import ConsentDocument, ConsentRecord, FrequencyBand, Leaflet, Risk, RiskVersion
from consent.risk_library import RiskFrequencyChange
from pathway.core.access_log import AccessLoggedAdmin
from pathway.core.admin_base import DecidedChangeAdmin, ReadOnlyAdmin


class RiskAdminForm(forms.ModelForm):
    name = forms.CharField(max_length=120)
    patient_wording = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    frequency_numbers = forms.CharField(max_length=200, help_text='In numbers, e.g. "about 1 in 300".')
    frequency_band = forms.ChoiceField(choices=FrequencyBand.choices, label="Frequency in words (EU band)")
    source = forms.CharField(max_length=300)
    frequency_change_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the frequency changes: the new frequency applies when a second consultant approves it.",
    )

    class Meta:
        model = Risk
        fields = ["code", "order", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.current_version if self.instance.pk else None
        if current is not None:
            for name in services.VERSIONED_RISK_FIELDS:
                self.fields[name].initial = getattr(current, name)

    def clean(self):
        data = super().clean()
        current = self.instance.current_version if self.instance.pk else None
        changed = current is not None and all(n in data for n in governance.FREQUENCY_FIELDS)
        reason = data.get("frequency_change_reason", "").strip()
        if changed and governance.frequency_differs(current, data) and not reason:
            self.add_error("frequency_change_reason", "Give the reason for the new frequency.")
        return data


class RiskVersionInline(admin.TabularInline):
    model = RiskVersion
    fields = ("number", "name", "frequency_numbers", "frequency_band", "source", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    form = RiskAdminForm
    list_display = ("code", "__str__", "current_frequency", "order", "active")
    list_filter = ("active",)
    inlines = [RiskVersionInline]

    @admin.display(description="frequency")
    def current_frequency(self, obj):
        current = obj.current_version
        return f"{current.frequency_numbers} ({current.frequency_words})" if current else "—"

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        obj.save()
        pending = obj.frequency_changes.filter(status="pending").count() if change else 0
        services.revise_risk(
            acting_user=request.user,
            risk=obj,
            frequency_change_reason=form.cleaned_data.get("frequency_change_reason", ""),
            **{n: form.cleaned_data[n] for n in services.VERSIONED_RISK_FIELDS},
        )
        if change and obj.frequency_changes.filter(status="pending").count() > pending:
            messages.info(request, "The new frequency is proposed; it applies when a second consultant approves it.")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RiskFrequencyChange)
class RiskFrequencyChangeAdmin(DecidedChangeAdmin):
    """Pending frequency changes, approved or rejected by a second consultant (admin actions)."""

    list_display = (
        "risk",
        "previous_numbers",
        "frequency_numbers",
        "frequency_band",
        "status",
        "proposed_by",
        "decided_by",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in RiskFrequencyChange._meta.fields]
    approve_change = staticmethod(governance.approve_frequency_change)
    reject_change = staticmethod(governance.reject_frequency_change)


@admin.register(Leaflet)
class LeafletAdmin(SimpleHistoryAdmin):
    list_display = ("title", "version", "issued_on", "active")
    list_filter = ("active",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(AccessLoggedAdmin, ReadOnlyAdmin):  # opening one is logged
    """Read-only: a signed consent can no longer be edited anywhere; corrections are a withdrawal
    plus a new consent, made in the app."""

    list_display = ("id", "pathway", "form_type", "state_label", "signed_at", "created_at")
    list_filter = ("form_type",)
    raw_id_fields = ("pathway",)
    exclude = ("patient_signature", "witness_signature")


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(AccessLoggedAdmin, ReadOnlyAdmin):  # opening one is logged
    access_patient, access_pathway = "consent__pathway__patient_id", "consent__pathway_id"
    list_display = ("consent", "event", "event_at", "record_sha256", "rendered_at")
    list_filter = ("event",)
