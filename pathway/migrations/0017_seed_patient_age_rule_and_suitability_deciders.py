"""The local age threshold at G2 becomes a rule with bounds (domain.md 2.4; issue 14 item 4), with its
first history row; suitability assessments recorded before decisions were tied to a consultant keep
their recorder as the decider, so no record made under the old process becomes a draft."""

from decimal import Decimal

from django.db import migrations
from django.db.models import F
from django.utils import timezone

KEY = "patient_age_min_years"


def seed_rule(apps, schema_editor):
    from pathway.rules_seed import BOUNDS, RULES

    Rule = apps.get_model("pathway", "Rule")
    History = apps.get_model("pathway", "HistoricalRule")
    row = next(r for r in RULES if r["key"] == KEY)
    low, high, _name = BOUNDS[KEY]
    rule, created = Rule.objects.get_or_create(
        key=KEY, defaults={**row, "minimum": Decimal(low), "maximum": Decimal(high)}
    )
    if created:
        History.objects.create(
            **{f.attname: getattr(rule, f.attname) for f in Rule._meta.concrete_fields},
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="First history of a seeded row",
        )


def keep_existing_deciders(apps, schema_editor):
    Suitability = apps.get_model("pathway", "SuitabilityAssessment")
    Suitability.objects.filter(decided_by__isnull=True, recorded_by__isnull=False).update(
        decided_by=F("recorded_by"), decided_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [("pathway", "0016_legs_baseline_last_dose_imaging_decision_suitability_decider")]

    operations = [
        migrations.RunPython(seed_rule, migrations.RunPython.noop),
        migrations.RunPython(keep_existing_deciders, migrations.RunPython.noop),
    ]
