"""Text, numbers and days as the templates show them (``translate``, ``intcomma``, the ``date``
filter), for the parts of the petition page built on every request (recall.web.live,
recall.charts): Django looks up the language's catalogue and formats on every call, and a page
in a rush shows some forty strings, fifty numbers and twenty days. Per process and language, a
string's translation and the thousands separator are looked up once, and a day's text in a
pattern is kept (a bounded cache: the days shown are a few hundred at most). A test that changes
the languages or the catalogues' paths empties them, as Django empties its own.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

_texts: dict[tuple[str | None, str], str] = {}


def text(message: str) -> str:
    """``gettext(message)``, looked up once per language."""
    key = (get_language(), message)
    found = _texts.get(key)
    if found is None:
        found = _texts[key] = gettext(message)
    return found


@functools.cache
def _grouping(language: str | None) -> tuple[str, object]:
    return formats.get_format("THOUSAND_SEPARATOR", language), formats.get_format("NUMBER_GROUPING", language)


def number(value: int) -> str:
    """An integer with the language's thousands separator, as ``intcomma`` shows it."""
    separator, grouping = _grouping(get_language())
    if grouping == 3 and type(value) is int:
        return f"{value:,}".replace(",", separator)
    return formats.number_format(value, use_l10n=True, force_grouping=True)


@functools.lru_cache(maxsize=4096)
def _day(language: str | None, value: dt.date, pattern: str) -> str:
    return formats.date_format(value, pattern)


def day(value: dt.date | dt.datetime, pattern: str) -> str:
    """As the ``date`` filter: a time in the site's zone, formatted with ``pattern`` (a format's
    name or its characters); a day (not a time) from the cache."""
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), pattern)
    return _day(get_language(), value, pattern)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: object) -> None:
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "FORMAT_MODULE_PATH"):
        _texts.clear()
        _grouping.cache_clear()
        _day.cache_clear()
