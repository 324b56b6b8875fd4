"""Seed the risk library (domain.md 5.4, version 1 of each risk) and the service's leaflet records."""

from django.db import migrations


def seed(apps, schema_editor):
    from consent.library_seed import seed_library

    seed_library(
        apps.get_model("consent", "Risk"),
        apps.get_model("consent", "RiskVersion"),
        apps.get_model("consent", "Leaflet"),
    )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_consent_records_risk_library")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
