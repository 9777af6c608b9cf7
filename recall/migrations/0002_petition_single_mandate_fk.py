"""The database refuses a petition against a party-list deputy.

``petition.deputy_mandate`` is checked to be 'single' and, with ``deputy_id``, references
``deputy (id, mandate)``: a petition can only point at a deputy whose mandate is 'single', and a
deputy with petitions cannot be switched to a party list. Django has no composite foreign keys,
so this is SQL; SQLite (the embedded demo) relies on the service check alone.
"""

from django.db import migrations


def add_fk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE recall_petition ADD CONSTRAINT petition_deputy_single_mandate_fk "
        "FOREIGN KEY (deputy_id, deputy_mandate) REFERENCES recall_deputy (id, mandate)"
    )


def drop_fk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE recall_petition DROP CONSTRAINT petition_deputy_single_mandate_fk")


class Migration(migrations.Migration):
    dependencies = [("recall", "0001_initial")]
    operations = [migrations.RunPython(add_fk, drop_fk)]
