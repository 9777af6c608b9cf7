"""Migration 0009 moves the answers kept in the petition's old columns into version 1 of the
versioned answers, and back when it is reversed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("recall", "0008_admin_verbose_names"), ("accounts", "0003_api_client_witness_key")]
AFTER = [("recall", "0009_deputies_byelections"), ("accounts", "0004_deputies")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema():
    yield migrate(BEFORE)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema of the other tests


def test_answers_in_the_old_columns_become_version_one(old_schema):
    apps = old_schema
    District = apps.get_model("recall", "District")
    Deputy = apps.get_model("recall", "Deputy")
    Petition = apps.get_model("recall", "Petition")
    published = timezone.now()
    district = District.objects.create(code="M-1", name="M", region="R", level="mazhilis", body="B")
    deputy = Deputy.objects.create(
        full_name="D",
        mandate="single",
        level="mazhilis",
        district=district,
        term_start="2023-03-29",
        term_end="2028-03-29",
    )
    answers = ["Жол 2027 жылы қайта салынады.", "Дорога будет построена.", "The road will be built.", ""]
    petitions = []
    for answer in answers:
        petitions.append(
            Petition.objects.create(
                deputy=deputy,
                district=district,
                state="refused",
                grounds_category="lost_trust",
                grounds_text="x",
                applied_at=published,
                deputy_answer=answer,
                answer_published_at=published if answer else None,
            )
        )
    apps = migrate(AFTER)
    DeputyAnswer = apps.get_model("recall", "DeputyAnswer")
    found = {a.petition_id: a for a in DeputyAnswer.objects.all()}
    assert {pk: (a.version, a.texts, a.on_behalf) for pk, a in found.items()} == {
        petitions[0].pk: (1, {"kk": "Жол 2027 жылы қайта салынады."}, True),
        petitions[1].pk: (1, {"ru": "Дорога будет построена."}, True),
        petitions[2].pk: (1, {"en": "The road will be built."}, True),
    }
    assert found[petitions[0].pk].published_at == published

    apps = migrate(BEFORE)  # and back
    Petition = apps.get_model("recall", "Petition")
    assert Petition.objects.get(pk=petitions[1].pk).deputy_answer == "Дорога будет построена."
    assert Petition.objects.get(pk=petitions[3].pk).deputy_answer == ""
