import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import pathway.validators


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0015_rule_bounds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpreassessment",
            name="anaesthetic_review_notes",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="anaesthetic_review_on",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[pathway.validators.not_in_future],
                verbose_name="anaesthetic review date",
            ),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="anaesthetic_review_outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("sedation_ok", "Fit for sedation as planned"),
                    ("anaesthetist", "Proceed with an anaesthetist present"),
                    ("not_fit", "Not fit for the procedure at present"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="anaesthetic_reviewer",
            field=models.CharField(blank=True, max_length=200, verbose_name="anaesthetic review by (name and grade)"),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="cardiovascular_disease",
            field=models.BooleanField(default=False, verbose_name="cardiovascular disease"),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="diabetes",
            field=models.BooleanField(default=False, verbose_name="diabetes"),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="left_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="left leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="left_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="renal_disease",
            field=models.BooleanField(default=False, verbose_name="renal disease"),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="right_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="right leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="historicalpreassessment",
            name="right_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="historicalprocedure",
            name="left_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="left leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="historicalprocedure",
            name="left_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="historicalprocedure",
            name="right_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="right leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="historicalprocedure",
            name="right_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="historicalsuitabilityassessment",
            name="decided_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalsuitabilityassessment",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decision recorded by (consultant)",
            ),
        ),
        migrations.AddField(
            model_name="historicalsuitabilityassessment",
            name="drafted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="anaesthetic_review_notes",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="anaesthetic_review_on",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[pathway.validators.not_in_future],
                verbose_name="anaesthetic review date",
            ),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="anaesthetic_review_outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("sedation_ok", "Fit for sedation as planned"),
                    ("anaesthetist", "Proceed with an anaesthetist present"),
                    ("not_fit", "Not fit for the procedure at present"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="anaesthetic_reviewer",
            field=models.CharField(blank=True, max_length=200, verbose_name="anaesthetic review by (name and grade)"),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="cardiovascular_disease",
            field=models.BooleanField(default=False, verbose_name="cardiovascular disease"),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="diabetes",
            field=models.BooleanField(default=False, verbose_name="diabetes"),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="left_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="left leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="left_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="renal_disease",
            field=models.BooleanField(default=False, verbose_name="renal disease"),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="right_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="right leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="preassessment",
            name="right_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="procedure",
            name="left_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="left leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="procedure",
            name="left_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="procedure",
            name="right_leg_power",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0, message="Enter a value between 0 and 5."),
                    django.core.validators.MaxValueValidator(5, message="Enter a value between 0 and 5."),
                ],
                verbose_name="right leg power (MRC 0-5)",
            ),
        ),
        migrations.AddField(
            model_name="procedure",
            name="right_leg_sensation",
            field=models.CharField(blank=True, choices=[("normal", "Normal"), ("altered", "Altered")], max_length=10),
        ),
        migrations.AddField(
            model_name="suitabilityassessment",
            name="decided_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="suitabilityassessment",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decision recorded by (consultant)",
            ),
        ),
        migrations.AddField(
            model_name="suitabilityassessment",
            name="drafted_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="HistoricalImagingAgeDecision",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("procedure_on", models.DateField(verbose_name="for the procedure on")),
                (
                    "decision",
                    models.CharField(
                        choices=[("rescan", "Rescan before the procedure"), ("proceed", "Proceed on this scan")],
                        max_length=10,
                    ),
                ),
                ("reason", models.TextField()),
                ("decided_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "pathway",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.pathway",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "scan",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.mriscan",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical imaging age decision",
                "verbose_name_plural": "historical imaging age decisions",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalLastDose",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("not_taken", models.BooleanField(default=False, verbose_name="not taken")),
                ("last_taken_at", models.DateTimeField(blank=True, null=True, verbose_name="last dose taken at")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "medicine",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.antithromboticmedicine",
                    ),
                ),
                (
                    "procedure",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.procedure",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical last dose before the procedure",
                "verbose_name_plural": "historical last dose before the procedures",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalLegReview",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("reviewed_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="reviewed at")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("safe", "Reviewed: safe to go home"),
                            ("investigate", "Needs imaging or a specialist opinion before any discharge"),
                            ("admit", "Admit"),
                        ],
                        max_length=20,
                    ),
                ),
                ("findings", models.TextField(verbose_name="findings and plan")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "recovery",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pathway.recovery",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reviewed by (doctor)",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical medical review of the legs",
                "verbose_name_plural": "historical medical review of the legss",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ImagingAgeDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("procedure_on", models.DateField(verbose_name="for the procedure on")),
                (
                    "decision",
                    models.CharField(
                        choices=[("rescan", "Rescan before the procedure"), ("proceed", "Proceed on this scan")],
                        max_length=10,
                    ),
                ),
                ("reason", models.TextField()),
                ("decided_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "pathway",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="imaging_age_decisions",
                        to="pathway.pathway",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "scan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="pathway.mriscan"
                    ),
                ),
            ],
            options={
                "verbose_name": "imaging age decision",
                "ordering": ["decided_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="LegReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("reviewed_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="reviewed at")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("safe", "Reviewed: safe to go home"),
                            ("investigate", "Needs imaging or a specialist opinion before any discharge"),
                            ("admit", "Admit"),
                        ],
                        max_length=20,
                    ),
                ),
                ("findings", models.TextField(verbose_name="findings and plan")),
                (
                    "recorded_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "recovery",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="leg_reviews", to="pathway.recovery"
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reviewed by (doctor)",
                    ),
                ),
            ],
            options={
                "verbose_name": "medical review of the legs",
                "ordering": ["reviewed_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="LastDose",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("not_taken", models.BooleanField(default=False, verbose_name="not taken")),
                ("last_taken_at", models.DateTimeField(blank=True, null=True, verbose_name="last dose taken at")),
                (
                    "medicine",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="pathway.antithromboticmedicine",
                    ),
                ),
                (
                    "procedure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="last_doses", to="pathway.procedure"
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "last dose before the procedure",
                "constraints": [
                    models.UniqueConstraint(fields=("procedure", "medicine"), name="last_dose_once_per_medicine"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("last_taken_at__isnull", True), ("not_taken", True)),
                            models.Q(("last_taken_at__isnull", False), ("not_taken", False)),
                            _connector="OR",
                        ),
                        name="last_dose_taken_xor_not_taken",
                    ),
                ],
            },
        ),
    ]
