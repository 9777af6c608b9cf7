"""Is a Kazakh or Russian page all in its language? `foreign_words(page)` reads what a person
sees or hears on it (its text, the title, option and group labels, accessible names, alt and
title texts, the charts' titles and descriptions, the labels of a table shown as cards, the
tags a shared link shows) and returns every word written in Latin letters: an English word left
untranslated, or a place, a body, a party or a person named from data in English or in Latin
transliteration.

What is not text of the page's language is skipped: code and commands (<code>, <pre>), what a
person typed (a textarea's text, an input's value), an
element marked with another language (lang="en": the language switcher's "English", grounds
shown in another language with a note), addresses (URLs, e-mail, domain names), and tokens with
digits (receipt codes). A few names are written in Latin letters in Kazakh and Russian too:
ALLOWED lists them."""

from __future__ import annotations

import re

# Names that Kazakh and Russian texts write in Latin letters: parties registered under Latin
# names, services and file formats, and the abbreviations used as they are.
ALLOWED = {
    "AMANAT",
    "Respublica",
    "WhatsApp",
    "Telegram",
    "CSV",
    "JSON",
    "PDF",
    "API",
    "CC",
    "BY",
    "SMS",
    "QR",
    "NCALayer",
    "eGov",
    "Python",
}

_READ = """
(language) => {
  const out = [];
  const foreign = (el) => {
    if (el.closest('code, pre, script, style, noscript, textarea, [hidden], [aria-hidden="true"], [translate="no"]')) return true;
    const marked = el.closest('[lang]');
    return marked && marked.getAttribute('lang').split('-')[0] !== language;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || foreign(el)) continue;
    const listed = el.closest('option, optgroup, title, desc');
    if (!listed && !el.getClientRects().length) continue;  // not shown (display: none)
    out.push(node.textContent);
  }
  const attributes = ['aria-label', 'alt', 'title', 'placeholder', 'data-label'];
  document.querySelectorAll('[aria-label], [alt], [title], [placeholder], [data-label], optgroup[label]').forEach((el) => {
    if (foreign(el)) return;
    for (const name of attributes) if (el.hasAttribute(name)) out.push(el.getAttribute(name));
    if (el.tagName === 'OPTGROUP') out.push(el.getAttribute('label'));
  });
  out.push(document.title);
  document.querySelectorAll('meta[name="description"], meta[property="og:title"], meta[property="og:description"], meta[property="og:image:alt"], meta[name="twitter:title"], meta[name="twitter:description"]').forEach((m) => out.push(m.content));
  return out.join('\\n');
}
"""

_NOT_WORDS = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+|\b[\w-]+(\.[\w-]+)*\.(kz|com|org|net|ru|py)\b|\S*\d\S*"
)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def foreign_words(page, language: str) -> list[str]:
    """The Latin words a person meets on the page (see the module's docstring), in order."""
    text = _NOT_WORDS.sub(" ", page.evaluate(_READ, language))
    return [word for word in _LATIN_WORD.findall(text) if word not in ALLOWED]


def assert_in_language(page, language: str, where: str = "") -> None:
    if language == "en":
        return
    found = foreign_words(page, language)
    assert not found, f"Latin words on the {language} page {where or page.url}: {sorted(set(found))}"
