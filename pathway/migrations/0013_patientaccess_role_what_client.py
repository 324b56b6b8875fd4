# The access log records the role, what was seen and the client address (NHS Care Record Guarantee);
# a summary row (the CSV export) has no patient. Existing rows get blank values.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0012_dischargesheet"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="patientaccess",
            options={"ordering": ["-at", "-id"], "verbose_name_plural": "patient accesses"},
        ),
        migrations.AddField(
            model_name="patientaccess",
            name="role",
            field=models.CharField(blank=True, default="", max_length=150),
        ),
        migrations.AddField(
            model_name="patientaccess",
            name="what",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddField(
            model_name="patientaccess",
            name="client",
            field=models.CharField(blank=True, default="", max_length=45, verbose_name="client address"),
        ),
        migrations.AddField(
            model_name="patientaccess",
            name="detail",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AlterField(
            model_name="patientaccess",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accesses",
                to="pathway.patient",
            ),
        ),
        migrations.AddConstraint(
            model_name="patientaccess",
            constraint=models.CheckConstraint(
                condition=models.Q(("patient__isnull", False), models.Q(("detail", ""), _negated=True), _connector="OR"),
                name="access_patient_or_summary",
            ),
        ),
    ]
