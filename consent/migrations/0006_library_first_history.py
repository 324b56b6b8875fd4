"""A first history row ("+") for every risk, risk version and leaflet that has none: the library
was seeded by migration (0002), which writes no history."""

from django.db import migrations
from django.utils import timezone

MODELS = ("Risk", "RiskVersion", "Leaflet")


def first_history(apps, schema_editor):
    now = timezone.now()
    for name in MODELS:
        Model = apps.get_model("consent", name)
        History = apps.get_model("consent", f"Historical{name}")
        have = set(History.objects.values_list("id", flat=True))
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
    dependencies = [("consent", "0005_risk_frequency_changes")]

    operations = [migrations.RunPython(first_history, migrations.RunPython.noop)]
