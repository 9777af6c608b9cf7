"""Text in several languages shown in the page's (recall.i18n_text)."""

from django.utils import translation

from recall.i18n_text import pick
from recall.models import District


def test_it_picks_the_pages_language():
    picked = pick({"kk": "Қазақша", "ru": "Русский", "en": "English"}, "kk")
    assert (picked.text, picked.language, picked.fallback) == ("Қазақша", "kk", False)


def test_it_falls_back_to_russian_then_kazakh_then_english_and_says_so():
    assert pick({"kk": "Қ", "ru": "Р", "en": "E"}, "en").text == "E"
    assert pick({"kk": "Қ", "ru": "", "en": ""}, "en").language == "kk"
    assert pick({"kk": "", "ru": "Р", "en": "E"}, "kk").language == "ru"
    fallback = pick({"kk": " ", "ru": None, "en": "E"}, "ru")
    assert (fallback.text, fallback.language, fallback.fallback) == ("E", "en", True)


def test_it_names_the_language_used_in_the_pages_language():
    with translation.override("ru"):
        assert pick({"kk": "Қ"}).language_name == "Казахский"
    with translation.override("en"):
        assert pick({"ru": "Р"}).language_name == "Russian"


def test_nothing_given_is_the_default_in_no_known_language():
    picked = pick({"kk": "", "ru": ""}, "kk", default="as applied")
    assert (picked.text, picked.language, picked.fallback) == ("as applied", "", False)


def test_it_uses_the_active_language_when_none_is_asked():
    with translation.override("ru"):
        assert pick({"kk": "Қ", "ru": "Р"}).text == "Р"


def test_a_districts_names_follow_the_page():
    district = District(code="X", name="Karaganda", name_kk="Қарағанды", name_ru="", region="R", body="B")
    with translation.override("kk"):
        assert district.name_local == "Қарағанды" and str(district) == "X Қарағанды"
    with translation.override("ru"):  # no Russian: Kazakh comes before English
        assert district.name_local == "Қарағанды"
    with translation.override("en"):
        assert district.name_local == "Karaganda" and district.region_local == "R"
