"""Staff chosen from the staff list (issue 16): each record keeps the printed name and gains the user
it names. Existing names are matched to an active user by full name ("First Last"), or by username;
a name that matches no one (or more than one) is kept as typed, as someone not on this system."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FIELDS = [
    ("MriScan", "reported_by"),
    ("MriRequest", "requested_by"),
    ("SuitabilityAssessment", "mdt_radiologist"),
    ("Procedure", "scrub_nurse"),
]


def link_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    by_name: dict[str, list] = {}
    for user in User.objects.filter(is_active=True):
        full = f"{user.first_name} {user.last_name}".strip()
        for key in {full.lower(), user.username.lower()} - {""}:
            by_name.setdefault(key, []).append(user.pk)
    for model_name, field in FIELDS:
        model = apps.get_model("pathway", model_name)
        rows = model.objects.exclude(**{field: ""}).values_list("pk", field)
        for pk, name in rows.iterator():
            matches = by_name.get(name.strip().lower(), [])
            if len(matches) == 1:
                model.objects.filter(pk=pk).update(**{f"{field}_user_id": matches[0]})


class Migration(migrations.Migration):

    dependencies = [
        ('pathway', '0024_pregnancy_not_applicable_reason_and_age_rule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalmrirequest',
            name='requested_by_user',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by (user)'),
        ),
        migrations.AddField(
            model_name='historicalmriscan',
            name='reported_by_user',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reported by (user)'),
        ),
        migrations.AddField(
            model_name='historicalprocedure',
            name='scrub_nurse_user',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='scrub nurse (user)'),
        ),
        migrations.AddField(
            model_name='historicalsuitabilityassessment',
            name='mdt_radiologist_user',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='MDT radiologist (user)'),
        ),
        migrations.AddField(
            model_name='mrirequest',
            name='requested_by_user',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by (user)'),
        ),
        migrations.AddField(
            model_name='mriscan',
            name='reported_by_user',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reported by (user)'),
        ),
        migrations.AddField(
            model_name='procedure',
            name='scrub_nurse_user',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='scrub nurse (user)'),
        ),
        migrations.AddField(
            model_name='suitabilityassessment',
            name='mdt_radiologist_user',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='MDT radiologist (user)'),
        ),
        migrations.RunPython(link_names, migrations.RunPython.noop),
    ]
