from django.db import migrations


def create(apps, schema_editor):
    from recall.models.policy import DEFAULT_POLICIES, policy_defaults

    RecallPolicy = apps.get_model("recall", "RecallPolicy")
    for level in DEFAULT_POLICIES:
        RecallPolicy.objects.get_or_create(level=level, defaults=policy_defaults(level))


class Migration(migrations.Migration):
    dependencies = [("recall", "0002_petition_single_mandate_fk")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
