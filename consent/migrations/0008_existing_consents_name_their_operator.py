"""Consents signed before the operator was named (issue 14 item 2): the operator is whoever last
confirmed it on the day, or else the clinician who signed it (domain.md 5.6: ideally the operator)."""

from django.db import migrations


def name_operators(apps, schema_editor):
    Consent = apps.get_model("consent", "ConsentRecord")
    Confirmation = apps.get_model("consent", "ConsentConfirmation")
    for consent in Consent.objects.filter(operator__isnull=True, signed_at__isnull=False).iterator():
        latest = Confirmation.objects.filter(consent=consent).order_by("-confirmed_at", "-id").first()
        operator_id = latest.confirmed_by_id if latest else consent.clinician_id
        Consent.objects.filter(pk=consent.pk).update(operator_id=operator_id)


class Migration(migrations.Migration):
    dependencies = [("consent", "0007_consent_operator_confirmation_capacity_attorney_record")]

    operations = [migrations.RunPython(name_operators, migrations.RunPython.noop)]
