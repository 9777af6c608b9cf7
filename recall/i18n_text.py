"""Text given in several languages, shown in the page's: names of places, bodies and parties,
a petition's grounds (and, reusable, the deputy's answer). ``pick`` chooses from a
``{language: text}`` mapping and says which language it used, so a page can note "shown in
Russian: not given in Kazakh"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language, get_language_info

# After the page's language: Russian, which most readers of Kazakh pages read too, then Kazakh,
# then English (the stored names' base).
FALLBACK_ORDER = ("ru", "kk", "en")
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


@dataclass(frozen=True)
class Picked:
    text: str
    language: str  # the language of ``text``; "" when unknown (stored before languages were kept)
    requested: str

    @property
    def fallback(self) -> bool:
        """True when the text is not in the language asked for (and its language is known)."""
        return bool(self.text) and bool(self.language) and self.language != self.requested

    @property
    def language_name(self) -> str:
        """The language's own name in the active language ("орыс тілі", "русский", "Russian")."""
        return str(get_language_info(self.language)["name_translated"]) if self.language else ""

    def __str__(self) -> str:
        return self.text


def current_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def pick(texts: Mapping[str, str | None], language: str | None = None, *, default: str = "") -> Picked:
    """The text in ``language`` (the active one if None), else the first given in
    FALLBACK_ORDER, else ``default`` in no known language."""
    wanted = language or current_language()
    for candidate in (wanted, *FALLBACK_ORDER, *texts.keys()):
        text = (texts.get(candidate) or "").strip()
        if text:
            return Picked(text, candidate, wanted)
    return Picked(default, "", wanted)


class TranslatedFields:
    """For a model whose ``TRANSLATED`` fields hold the English text and have ``<field>_kk`` and
    ``<field>_ru`` columns beside them (recall.models.places)."""

    TRANSLATED: tuple[str, ...] = ()

    def translations(self, field: str) -> dict[str, str]:
        return {
            "kk": getattr(self, f"{field}_kk"),
            "ru": getattr(self, f"{field}_ru"),
            "en": getattr(self, field),
        }

    def localized(self, field: str, language: str | None = None) -> str:
        return pick(self.translations(field), language).text
