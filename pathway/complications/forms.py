"""The complication form (domain.md 6.4, 8.1)."""

from __future__ import annotations

from django import forms

from pathway.complications.models import CIRSE_GRADES, SIR_GRADES, Complication
from pathway.core import providers
from pathway.core.forms import VersionedModelForm


class ComplicationForm(VersionedModelForm):
    grade = forms.ChoiceField(
        choices=[("", "---------"), ("CIRSE 2017", CIRSE_GRADES), ("SIR (legacy)", SIR_GRADES)],
        help_text="Choose a grade of the grading system selected above.",
    )

    class Meta:
        model = Complication
        fields = [
            "risk",
            "other_type",
            "onset_at",
            "detected_at_stage",
            "related_level",
            "grade_system",
            "grade",
            "management",
            "outcome",
            "reported_incident_system",
            "reported_mhra",
        ]
        widgets = {"management": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].queryset = providers.consent().complication_risks()
        self.fields["risk"].empty_label = "Other (describe below)"
