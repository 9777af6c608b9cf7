"""Deputies' names in the Russian genitive ("Отзыв депутата Есенова Армана"), as written in
Kazakh and English, and left alone when they cannot be declined with confidence."""

import pytest
from django.utils import translation

from recall.declension import genitive
from tests.factories import DeputyFactory


@pytest.mark.parametrize(
    "name, declined",
    [
        ("Есенов Арман Даниярович", "Есенова Армана Данияровича"),
        ("Сулейменова Айгуль Нурлановна", "Сулейменовой Айгуль Нурлановны"),
        ("Ким Александр Вячеславович", "Кима Александра Вячеславовича"),
        ("Ким Анна Сергеевна", "Ким Анны Сергеевны"),
        # A Kazakh patronymic says the sex and does not decline.
        ("Ахметова Алия Серікқызы", "Ахметовой Алии Серікқызы"),
        ("Жумабаев Бауыржан Асхатұлы", "Жумабаева Бауыржана Асхатұлы"),
        ("Касымов Ерлан", "Касымова Ерлана"),
        # Not declined: Latin letters, one word.
        ("Serik Akhmetov", "Serik Akhmetov"),
        ("Есенов", "Есенов"),
    ],
)
def test_a_name_in_the_genitive(name, declined):
    assert genitive(name) == declined


def test_the_deputy_is_named_as_each_language_needs(db):
    deputy = DeputyFactory(full_name="Есенов Арман Даниярович")
    with translation.override("ru"):
        assert deputy.name_as_object == "Есенова Армана Данияровича"
    for language in ("kk", "en"):
        with translation.override(language):
            assert deputy.name_as_object == "Есенов Арман Даниярович"


def test_the_russian_petition_page_recalls_the_deputy_in_the_genitive(client, collecting):
    collecting.deputy.full_name = "Есенов Арман Даниярович"
    collecting.deputy.save()
    html = client.get(f"/ru/petitions/{collecting.pk}/").content.decode()
    assert "<h1>Отзыв депутата Есенова Армана Данияровича</h1>" in html
    kk = client.get(f"/kk/petitions/{collecting.pk}/").content.decode()
    assert "<h1>Есенов Арман Даниярович депутатты кері шақыру</h1>" in kk
