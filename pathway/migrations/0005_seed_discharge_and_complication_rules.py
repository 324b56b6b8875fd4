from django.db import migrations

KEYS = ("discharge_news2_max", "adverse_event_window_days")


def seed_rules(apps, schema_editor):
    from pathway.rules_seed import RULES

    Rule = apps.get_model("pathway", "Rule")
    for row in RULES:
        if row["key"] in KEYS:
            Rule.objects.get_or_create(key=row["key"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0004_procedure_recovery_followup")]

    operations = [migrations.RunPython(seed_rules, migrations.RunPython.noop)]
