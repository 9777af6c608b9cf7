"""The Kazakh and Russian catalogues are whole, and makemessages can find every string: a
gettext call written inside an f-string is invisible to xgettext, so `make messages` drops its
translation and the page shows English (this happened once to the petition page's live parts)."""

import re
import tokenize
from pathlib import Path

import pytest

from tests.helpers import ROOT

CALL_IN_FSTRING = re.compile(r"\{[^{}]*\b(?:_|gettext|ngettext|pgettext|gettext_lazy)\(")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    text = (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
    entries = text.split("\n\n")[1:]  # the first is the header
    fuzzy = [e for e in entries if "#, fuzzy" in e and not e.lstrip().startswith("#~")]
    empty = [
        e for e in entries if re.search(r'\nmsgstr(\[\d\])? ""\n?$', e) and not re.search(r'\nmsgstr(\[\d\])? ""\n"', e)
    ]
    assert fuzzy == [] and empty == [], (fuzzy + empty)[:3]


def test_no_translated_string_is_called_inside_an_f_string():
    found = []
    for path in sorted((ROOT / "recall").rglob("*.py")) + sorted((ROOT / "accounts").rglob("*.py")):
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                prefix = re.match(r"[A-Za-z]*", token.string).group().lower() if token.type == tokenize.STRING else ""
                if "f" in prefix and CALL_IN_FSTRING.search(token.string):
                    found.append(f"{Path(path).relative_to(ROOT)}:{token.start[0]}")
    assert found == [], "take the call out of the f-string: " + ", ".join(found)
