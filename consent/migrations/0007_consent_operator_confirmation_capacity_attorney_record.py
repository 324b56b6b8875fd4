"""Consent: the operator named before the day; the confirmation on the day with capacity re-checked,
a delegate's reason and a trainee's supervising consultant; the attorney and advance decision as a
structured record (issue 14 items 2 and 10)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0006_library_first_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The free-text "name and decision" becomes the attorney's name; the rest is now structured.
        migrations.RenameField(
            model_name="capacityassessment",
            old_name="attorney_details",
            new_name="attorney_name",
        ),
        # The free-text "name and decision" becomes the attorney's name; the rest is now structured.
        migrations.RenameField(
            model_name="historicalcapacityassessment",
            old_name="attorney_details",
            new_name="attorney_name",
        ),
        migrations.AddField(
            model_name="capacityassessment",
            name="advance_decision_details",
            field=models.TextField(
                blank=True, verbose_name="advance decision: where it was found and why it does or does not apply"
            ),
        ),
        migrations.AddField(
            model_name="capacityassessment",
            name="attorney_consents",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="the attorney or deputy consents to the treatment"
            ),
        ),
        migrations.AddField(
            model_name="capacityassessment",
            name="attorney_covers_health",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="the authority covers health decisions, including this treatment"
            ),
        ),
        migrations.AlterField(
            model_name="capacityassessment",
            name="attorney_name",
            field=models.CharField(blank=True, max_length=300, verbose_name="attorney's or deputy's name"),
        ),
        migrations.AddField(
            model_name="capacityassessment",
            name="attorney_registration_checked",
            field=models.BooleanField(
                default=False, verbose_name="registration checked with the Office of the Public Guardian"
            ),
        ),
        migrations.AddField(
            model_name="consentconfirmation",
            name="capacity_how",
            field=models.TextField(blank=True, verbose_name="how capacity was checked"),
        ),
        migrations.AddField(
            model_name="consentconfirmation",
            name="delegation_reason",
            field=models.TextField(blank=True, verbose_name="why the named operator is not confirming"),
        ),
        migrations.AddField(
            model_name="consentconfirmation",
            name="has_capacity_today",
            field=models.BooleanField(null=True, verbose_name="the patient has capacity for this decision today"),
        ),
        migrations.AddField(
            model_name="consentconfirmation",
            name="supervised_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="supervising consultant",
            ),
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="operator",
            field=models.ForeignKey(
                blank=True,
                help_text="Confirms the consent on the day, before sedation.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="operator (who will perform the procedure)",
            ),
        ),
        migrations.AddField(
            model_name="historicalcapacityassessment",
            name="advance_decision_details",
            field=models.TextField(
                blank=True, verbose_name="advance decision: where it was found and why it does or does not apply"
            ),
        ),
        migrations.AddField(
            model_name="historicalcapacityassessment",
            name="attorney_consents",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="the attorney or deputy consents to the treatment"
            ),
        ),
        migrations.AddField(
            model_name="historicalcapacityassessment",
            name="attorney_covers_health",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="the authority covers health decisions, including this treatment"
            ),
        ),
        migrations.AlterField(
            model_name="historicalcapacityassessment",
            name="attorney_name",
            field=models.CharField(blank=True, max_length=300, verbose_name="attorney's or deputy's name"),
        ),
        migrations.AddField(
            model_name="historicalcapacityassessment",
            name="attorney_registration_checked",
            field=models.BooleanField(
                default=False, verbose_name="registration checked with the Office of the Public Guardian"
            ),
        ),
        migrations.AddField(
            model_name="historicalconsentconfirmation",
            name="capacity_how",
            field=models.TextField(blank=True, verbose_name="how capacity was checked"),
        ),
        migrations.AddField(
            model_name="historicalconsentconfirmation",
            name="delegation_reason",
            field=models.TextField(blank=True, verbose_name="why the named operator is not confirming"),
        ),
        migrations.AddField(
            model_name="historicalconsentconfirmation",
            name="has_capacity_today",
            field=models.BooleanField(null=True, verbose_name="the patient has capacity for this decision today"),
        ),
        migrations.AddField(
            model_name="historicalconsentconfirmation",
            name="supervised_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="supervising consultant",
            ),
        ),
        migrations.AddField(
            model_name="historicalconsentrecord",
            name="operator",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Confirms the consent on the day, before sedation.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="operator (who will perform the procedure)",
            ),
        ),
        migrations.AlterField(
            model_name="capacityassessment",
            name="attorney",
            field=models.CharField(
                blank=True,
                choices=[
                    ("none", "Checked: none registered"),
                    ("lpa", "Lasting power of attorney for health and welfare"),
                    ("lpa_property", "Lasting power of attorney for property and financial affairs only"),
                    ("deputy", "Court-appointed deputy"),
                ],
                max_length=20,
                verbose_name="lasting power of attorney or deputy",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcapacityassessment",
            name="attorney",
            field=models.CharField(
                blank=True,
                choices=[
                    ("none", "Checked: none registered"),
                    ("lpa", "Lasting power of attorney for health and welfare"),
                    ("lpa_property", "Lasting power of attorney for property and financial affairs only"),
                    ("deputy", "Court-appointed deputy"),
                ],
                max_length=20,
                verbose_name="lasting power of attorney or deputy",
            ),
        ),
    ]
