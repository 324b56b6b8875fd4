from django.db import migrations


def seed_rule(apps, schema_editor):
    from pathway.rules_seed import RULES

    Rule = apps.get_model("pathway", "Rule")
    for row in RULES:
        if row["key"] == "diagnostic_standard_pct":
            Rule.objects.get_or_create(key=row["key"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0006_mrilevelfinding_percent_messages")]

    operations = [migrations.RunPython(seed_rule, migrations.RunPython.noop)]
