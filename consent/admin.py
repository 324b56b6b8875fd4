"""Admin: the risk and leaflet libraries are edited here; consent records are read-only.

Editing a risk adds a version (consents keep the wording they were given). A consent is never
changed in the admin: a signed one is frozen, and drafts are kept in the app where the checks run.
"""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from consent import services
from consent.models import ConsentDocument, ConsentRecord, FrequencyBand, Leaflet, Risk, RiskVersion


class RiskAdminForm(forms.ModelForm):
    name = forms.CharField(max_length=120)
    patient_wording = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    frequency_numbers = forms.CharField(max_length=200, help_text='In numbers, e.g. "about 1 in 300".')
    frequency_band = forms.ChoiceField(choices=FrequencyBand.choices, label="Frequency in words (EU band)")
    source = forms.CharField(max_length=300)

    class Meta:
        model = Risk
        fields = ["code", "order", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.current_version if self.instance.pk else None
        if current is not None:
            for name in services.VERSIONED_RISK_FIELDS:
                self.fields[name].initial = getattr(current, name)


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
        services.revise_risk(
            acting_user=request.user, risk=obj, **{n: form.cleaned_data[n] for n in services.VERSIONED_RISK_FIELDS}
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Leaflet)
class LeafletAdmin(SimpleHistoryAdmin):
    list_display = ("title", "version", "issued_on", "active")
    list_filter = ("active",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    """Read-only: a signed consent can no longer be edited anywhere; corrections are a withdrawal
    plus a new consent, made in the app."""

    list_display = ("id", "pathway", "form_type", "state_label", "signed_at", "created_at")
    list_filter = ("form_type",)
    raw_id_fields = ("pathway",)
    exclude = ("patient_signature", "witness_signature")


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(ReadOnlyAdmin):
    list_display = ("consent", "event", "event_at", "record_sha256", "rendered_at")
    list_filter = ("event",)
