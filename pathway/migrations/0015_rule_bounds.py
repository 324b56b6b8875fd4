"""The bounds of every seeded rule (pathway/rules_seed.py BOUNDS; issue 13 item 8), then a first
history row ("+") for every rule that has none: rows seeded by migration were written without one."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone


def set_bounds(apps, schema_editor):
    from pathway.rules_seed import BOUNDS

    Rule = apps.get_model("pathway", "Rule")
    for key, (low, high, _name) in BOUNDS.items():
        Rule.objects.filter(key=key, minimum__isnull=True).update(minimum=Decimal(low))
        Rule.objects.filter(key=key, maximum__isnull=True).update(maximum=Decimal(high))


def first_history(apps, schema_editor):
    Model = apps.get_model("pathway", "Rule")
    History = apps.get_model("pathway", "HistoricalRule")
    have = set(History.objects.values_list("id", flat=True))
    now = timezone.now()
    rows = [
        History(
            **{f.attname: getattr(obj, f.attname) for f in Model._meta.concrete_fields},
            history_date=now,
            history_type="+",
            history_change_reason="First history of a seeded row",
        )
        for obj in Model.objects.order_by("pk")
        if obj.pk not in have
    ]
    History.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0014_rule_bounds_and_changes")]

    operations = [
        migrations.RunPython(set_bounds, migrations.RunPython.noop),
        migrations.RunPython(first_history, migrations.RunPython.noop),
    ]
