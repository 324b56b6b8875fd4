"""Forms and widgets shared by every stage: dates, the versioned model form (a stale form is
refused), inline rows, patients, and the movement forms (advance, close, return, reopen).
"""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Q
from django.forms import BaseInlineFormSet

from accounts.models import User
from pathway.core.choices import Stage
from pathway.core.models import Patient
from pathway.validators import normalise_nhs_number
from pathway.workflow import CLINICAL_EXITS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


class VersionedModelForm(forms.ModelForm):
    """A model form carrying the record's version, so a stale save is refused (design.md 9)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field.widget, forms.HiddenInput):
                field.widget = DateInput()
            elif isinstance(field, forms.DateTimeField) and not isinstance(field.widget, forms.HiddenInput):
                field.widget = DateTimeInput()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @property
    def submitted_version(self) -> int | None:
        return self.cleaned_data.get("expected_version")


class PatientForm(VersionedModelForm):
    # Typed with spaces ("943 476 5919"); the model validators check the cleaned 10 digits.
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=14,
        help_text="10 digits; spaces are allowed.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Patient
        fields = [
            "nhs_number",
            "hospital_number",
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "phone",
            "gp_practice",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["nhs_number"] = self.instance.nhs_number_display

    def clean_nhs_number(self) -> str:
        return normalise_nhs_number(self.cleaned_data["nhs_number"])

    def clean_hospital_number(self) -> str:
        return self.cleaned_data["hospital_number"].strip().upper()


class MovementForm(forms.Form):
    """A state change carries the state the user saw (design.md 9): the stage and the pathway's
    version. If the pathway has moved on since, the movement changes nothing (workflow.StaleState),
    so a double click or a resubmit never moves a pathway twice."""

    expected_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    expected_version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, pathway=None, **kwargs):
        if pathway is not None:
            kwargs.setdefault("initial", {"expected_stage": pathway.current_stage, "expected_version": pathway.version})
        super().__init__(*args, **kwargs)


class AdvanceForm(MovementForm):
    override_reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason (consultants only, when a gate is closed)",
    )


class CloseForm(MovementForm):
    exit_state = forms.ChoiceField(choices=[(s.value, s.label) for s in CLINICAL_EXITS])
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(MovementForm):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(MovementForm):
    to_stage = forms.ChoiceField(choices=Stage.choices)
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, label="NHS number, hospital number or name", max_length=100)


def checkboxes(choices, label: str, required: bool = False) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices, label=label, required=required, widget=forms.CheckboxSelectMultiple
    )


class RowsFormSet(BaseInlineFormSet):
    """Inline rows of a clinical record. Rows are never deleted: a removed row is kept and flagged
    entered in error by the save service (pathway.services.save_rows)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove (entered in error)"

    def filled_forms(self) -> list[forms.Form]:
        """Rows that are (or will be) on the record: saved or typed in, and not being removed."""
        return [
            f
            for f in self.forms
            if (f.has_changed() or f.instance.pk) and not (self.can_delete and self._should_delete_form(f))
        ]


OTHER_STAFF = "other"
OTHER_STAFF_LABEL = "Other (not a user of this system)"


@dataclass(frozen=True)
class StaffField:
    """A member of staff chosen from the staff list (issue 16), on a record that keeps the printed
    name in `name` (for the PDF and the history) and the user in `user_field`. `other`: a person
    who is not a user of this system may be named (a visiting clinician, a report from another
    hospital); they are recorded with their name and no user."""

    name: str
    user_field: str
    perms: tuple[str, ...]
    other: bool = True


def staff_label(user) -> str:
    return f"{user.display_name} ({user.job_title})" if user.job_title else user.display_name


class StaffChoiceMixin:
    """Replaces each StaffField's free-text box by a list of active staff holding the permissions
    (and "Other (not a user of this system)" with a box for the name, where allowed)."""

    staff_fields: tuple[StaffField, ...] = ()

    def setup_staff_fields(self) -> None:
        self._staff: dict[str, dict[str, object]] = {}
        fields = {}
        for name, field in self.fields.items():
            spec = next((s for s in self.staff_fields if s.name == name), None)
            if spec is None:
                fields[name] = field
                continue
            users = list(clinicians(*spec.perms))
            current = getattr(self.instance, spec.user_field, None)
            if current is not None and current not in users:
                users.append(current)  # left or changed role since: still shown as recorded
            printed = getattr(self.instance, name, "") or ""
            choices = [("", "---------"), *[(str(u.pk), staff_label(u)) for u in users]]
            if spec.other:
                choices.append((OTHER_STAFF, OTHER_STAFF_LABEL))
            fields[name] = forms.ChoiceField(
                label=field.label, choices=choices, required=field.required, help_text=field.help_text
            )
            self.initial[name] = str(current.pk) if current is not None else (OTHER_STAFF if printed else "")
            if spec.other:
                fields[f"{name}_other"] = forms.CharField(
                    label=f"{field.label}, if not on this system: name and role", required=False, max_length=200
                )
                self.initial[f"{name}_other"] = printed if current is None else ""
            self._staff[name] = {str(u.pk): u for u in users}
        self.fields = fields

    def clean_staff_fields(self, cleaned: dict) -> None:
        """The printed name from the user chosen, or the name typed for someone not on the system."""
        for spec in self.staff_fields:
            if spec.name not in cleaned:
                continue
            choice = cleaned[spec.name]
            if choice == OTHER_STAFF:
                other = (cleaned.get(f"{spec.name}_other") or "").strip()
                if not other:
                    self.add_error(f"{spec.name}_other", "Give the name and role of the person not on this system.")
                setattr(self.instance, spec.user_field, None)
                cleaned[spec.name] = other
            elif choice:
                user = self._staff[spec.name][choice]
                setattr(self.instance, spec.user_field, user)
                cleaned[spec.name] = user.display_name
            else:
                setattr(self.instance, spec.user_field, None)
                cleaned[spec.name] = ""


def clinicians(*perms: str):
    """Active users holding any of `perms` through their role (roles are groups of permissions)."""
    query = Q()
    for perm in perms:
        app_label, codename = perm.split(".")
        query |= Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    return User.objects.filter(query, is_active=True).distinct().order_by("last_name", "first_name")
