from django.db import migrations


def seed_rules(apps, schema_editor):
    from pathway.rules_seed import RULES

    Rule = apps.get_model("pathway", "Rule")
    for row in RULES:
        Rule.objects.get_or_create(key=row["key"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0001_initial")]

    operations = [migrations.RunPython(seed_rules, migrations.RunPython.noop)]
