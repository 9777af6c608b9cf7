import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Letters only Kazakh uses among the Cyrillic ones.
KAZAKH = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def language_of(text):
    """The old column had no language: Kazakh letters mean kk, other Cyrillic ru, else en."""
    if any(c in KAZAKH for c in text):
        return "kk"
    if any("\u0400" <= c <= "\u04ff" for c in text):
        return "ru"
    return "en"


def answers_to_versions(apps, schema_editor):
    Petition = apps.get_model("recall", "Petition")
    DeputyAnswer = apps.get_model("recall", "DeputyAnswer")
    rows = []
    for petition in Petition.objects.exclude(deputy_answer="").only(
        "pk", "deputy_answer", "answer_published_at", "updated_at"
    ):
        text = petition.deputy_answer.strip()
        if text:
            rows.append(
                DeputyAnswer(
                    petition_id=petition.pk,
                    version=1,
                    texts={language_of(text): text},
                    published_at=petition.answer_published_at or petition.updated_at,
                    # Only officials could write the old column.
                    on_behalf=True,
                )
            )
    DeputyAnswer.objects.bulk_create(rows)


def versions_to_answers(apps, schema_editor):
    Petition = apps.get_model("recall", "Petition")
    DeputyAnswer = apps.get_model("recall", "DeputyAnswer")
    for answer in DeputyAnswer.objects.order_by("petition_id", "-version").distinct("petition_id"):
        text = answer.texts.get("ru") or answer.texts.get("kk") or next(iter(answer.texts.values()), "")
        Petition.objects.filter(pk=answer.petition_id).update(
            deputy_answer=text, answer_published_at=answer.published_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("recall", "0008_admin_verbose_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="recallpolicy",
            name="by_election_days",
            field=models.PositiveIntegerField(
                default=60,
                help_text="Assumption: the law's period for a by-election after a recall could not be obtained; 60 days by analogy with elections to a vacated seat.",
                verbose_name="days to hold a by-election after a recall",
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event",
            field=models.CharField(
                choices=[
                    ("petition.state_changed", "a petition's state changed"),
                    ("petition.threshold_reached", "a petition reached its threshold"),
                    ("by_election.scheduled", "a recall left the district a by-election"),
                ],
                max_length=64,
                verbose_name="event",
            ),
        ),
        migrations.CreateModel(
            name="ByElection",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("vacated_on", models.DateField(verbose_name="seat vacated on")),
                ("due_by", models.DateField(verbose_name="to be held by")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "district",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="by_elections",
                        to="recall.district",
                        verbose_name="district",
                    ),
                ),
                (
                    "petition",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="by_election",
                        to="recall.petition",
                        verbose_name="petition",
                    ),
                ),
            ],
            options={
                "verbose_name": "by-election",
                "verbose_name_plural": "by-elections",
                "ordering": ["-due_by"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("due_by__gte", models.F("vacated_on"))),
                        name="by_election_due_after_vacancy",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DeputyAnswer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveSmallIntegerField(verbose_name="version")),
                ("texts", models.JSONField(verbose_name="texts")),
                ("published_at", models.DateTimeField(verbose_name="published at")),
                (
                    "on_behalf",
                    models.BooleanField(default=False, verbose_name="entered by the commission on the deputy's behalf"),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="entered by",
                    ),
                ),
                (
                    "petition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="answers",
                        to="recall.petition",
                        verbose_name="petition",
                    ),
                ),
            ],
            options={
                "verbose_name": "deputy's answer",
                "verbose_name_plural": "deputy's answers",
                "ordering": ["petition", "-version"],
                "constraints": [
                    models.UniqueConstraint(fields=("petition", "version"), name="one_answer_per_petition_version"),
                    models.CheckConstraint(condition=models.Q(("version__gte", 1)), name="answer_version_positive"),
                ],
            },
        ),
        # Answers kept in the petition's old columns become version 1, then the columns go:
        # the versions are the one source of the answer.
        migrations.RunPython(answers_to_versions, versions_to_answers),
        migrations.RemoveField(
            model_name="petition",
            name="answer_published_at",
        ),
        migrations.RemoveField(
            model_name="petition",
            name="deputy_answer",
        ),
    ]
