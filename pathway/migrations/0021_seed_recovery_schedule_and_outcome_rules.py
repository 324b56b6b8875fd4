"""Seed the rules of issue 14 items 8 and 12, with their bounds and a first history row: the
post-sedation observation schedule (domain.md 7.1) and the outcome thresholds (domain.md 8.2)."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

KEYS = [
    "recovery_obs_first_every_minutes",
    "recovery_obs_first_count",
    "recovery_obs_second_every_minutes",
    "recovery_obs_second_count",
    "recovery_obs_then_every_minutes",
    "recovery_obs_grace_minutes",
    "odi_mdc_points",
    "rmdq_mdc_points",
    "pain_important_fall_points",
]


def seed(apps, schema_editor):
    from pathway.rules_seed import BOUNDS, RULES

    Rule = apps.get_model("pathway", "Rule")
    History = apps.get_model("pathway", "HistoricalRule")
    now = timezone.now()
    for row in RULES:
        if row["key"] not in KEYS:
            continue
        low, high, _name = BOUNDS[row["key"]]
        rule, created = Rule.objects.get_or_create(
            key=row["key"], defaults={**row, "minimum": Decimal(low), "maximum": Decimal(high)}
        )
        if created:
            History.objects.create(
                **{f.attname: getattr(rule, f.attname) for f in Rule._meta.concrete_fields},
                history_date=now,
                history_type="+",
                history_change_reason="First history of a seeded row",
            )


class Migration(migrations.Migration):
    dependencies = [("pathway", "0020_outcome_baseline_escalation_imaging_request_medicines_letter")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
