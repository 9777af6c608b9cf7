"""Name matching that fits how people in Kazakhstan write their names.

Verification compares the name a signer typed with the name in the voter register, and neither
name is ever in clear in SQL. Both names are cut into words, each word is folded to a *skeleton*
(see below), and only keyed digests of the skeletons are stored and compared. This module is
pure Python (no Django). The caller passes the digest function, so the digests stay keyed by
``RECALL_IIN_KEY``.

What matches
------------
The register always writes *surname, given name, patronymic*, in that order, and the patronymic
may be missing. A typed name matches when both of these hold:

1. Every word of the register's surname and given name is among the typed words, in any order.
   A double surname needs both parts, joined by a hyphen or a space.
2. At most one other word was typed. If there is one, it must be the register's patronymic, in
   one of these forms:
   - the same patronymic;
   - the same father's name with another ending (-ович/-евич/-ич, -овна/-евна/-ична,
     -ұлы/-улы/-uly, -қызы/-кызы/-kyzy, also "Серік ұлы" in two words);
   - its initial ("Д.");
   - one slip away from it: a letter missing, extra or wrong, or two neighbouring letters
     swapped, unless the typed patronymic is made of another father's name. Болатович and
     Булатович, Маратовна and Муратовна are one letter apart and two fathers: a typed
     patronymic whose father's name is a known given name (``recall.given_names``) is compared
     exactly, never as a slip, so a guessed patronymic goes to review.

Case, spacing, word order, hyphens, apostrophes, the script (Cyrillic or Latin) and the letter
folding below never count.

Everything else goes to an official's review:

- a surname or given name that is different, missing, or only partly typed;
- a surname with the other sex's ending: Есенов and Есенова are two people;
- a given name one letter away: Арман / Арсен, Алия / Алина;
- another patronymic, or a patronymic typed when the register has none;
- any extra unrelated word.

A slip is forgiven in the patronymic only. The birth date and the IIN rules are unchanged.

=====================================  ==============================  =======================
register                               typed                           result
=====================================  ==============================  =======================
Есенов Арман Даниярович                Арман Есенов                    valid (no patronymic)
Есенов Арман Даниярович                Yesenov Arman                   valid
Есенов Арман Даниярович                Есенов Арман Данияровч          valid (patronymic slip)
Есенов Арман Даниярович                Есенов Арман Д.                 valid (initial)
Есенов Арман Даниярович                Есенов Арман Даниярұлы          valid (same father)
Әбілқасымов Нұрлан Серікұлы            Абилкасымов Нурлан Серикулы     valid
Әбілқасымов Нұрлан Серікұлы            Abilqasymov Nurlan              valid
Әбілқасымов Нұрлан Серікұлы            ABILKASSYMOV NURLAN             valid
Әбілқасымов Нұрлан Серікұлы            Нұрлан Әбілқасымов Серік ұлы    valid
Омарова Мадина Болатовна               Мәдина Омарова                  valid
Мухамеджанова-Ахметова Алия Сериковна  Алия Мухамеджанова Ахметова     valid
Есенов Арман Даниярович                Есенова Арман                   review: surname
Есенов Арман Даниярович                Есенов Арсен                    review: given name
Есенов Арман Даниярович                Есенов Арман Болатович          review: patronymic
Ахметов Серик Болатович                Ахметов Серик Булатович         review: another father
Жанибекова Марал Муратовна             Жанибекова Марал Маратовна      review: another father
Қуанышбаев Ерғали Хамитұлы             Quanyshbaev Erğali Hamitūly     valid (sh is ш)
Есенов Арман Даниярович                Есенов Арман Даниярович Болат   review: extra word
Мухамеджанова-Ахметова Алия Сериковна  Ахметова Алия                   review: surname partial
=====================================  ==============================  =======================

How words are compared
----------------------
Both scripts are reduced to one Cyrillic skeleton of 23 letters, following the official tables:
the 2021 Kazakh Latin alphabet; ICAO Doc 9303, used by Kazakh passports and by Russian passports
since 2014; GOST R 52535.1-2006, used by Russian passports from 2006 to 2014; and the Kazakh
rendering of names in Russian.

- ё, э become е. й, ы, і become и. ъ and ь are dropped.
- Kazakh letters become their Russian look-alikes: ә→а, ғ→г, қ→к, ң→н, ө→о, ұ→у, ү→у, һ→х.
- ю→иу, я→иа, ц→тс and щ→шч, so that Latin iu/yu, ia/ya, ts/tc/c and shch meet them.
- Latin letters are read by the same tables: ä ğ ı ñ/ŋ ö ş ū ü q j h c from the 2021 alphabet,
  and zh kh ch sh shch from the passports. y and i are both и.
- и before е is dropped at the start of a word and after a vowel (Yesenov, Tokayev).
- y between a consonant and e/o is dropped (Vasilyev is Vasilev, Fyodor is Fedor).
- "sh" is ш, also in a name typed with other letters of the 2021 alphabet (Quanyshbaev Erğali
  Hamitūly = Қуанышбаев Ерғали Хамитұлы). Only a name that spells ш as ş elsewhere reads "sh"
  before a vowel as с + х (Ashat Şalabaev = Асхат Шалабаев).
- Doubled letters collapse: Kassymov = Касымов, Dmitriy = Дмитрий.
- In a word that mixes scripts, Latin look-alike letters are read as Cyrillic (Eсенов with a
  Latin E).

A word with a patronymic ending is compared by its root plus a marker, with trailing vowels cut.
So Даниярович, Даниярұлы and Daniyaruly share one key, and so do Абаевна and Абайқызы. A plain
word never carries the marker, so the given name Серик never equals the patronymic Серикұлы.

A typed word that is a patronymic of a known father's name (its root is the root of a name in
``recall.given_names``) has no neighbourhood: it matches by its key only, so a slip that turns
one father into another (Болат/Булат, Марат/Мурат) is not forgiven. The register side is
unchanged: the rule is applied where the clear typed word is, on the sign path.

Slips are found through deletion neighbourhoods. A word's neighbourhood is the word itself plus
the word with each single letter deleted. Two words one slip apart always share an entry, so
comparing the digests of the two neighbourhoods finds the slip without any clear word. The
neighbourhood is taken three times:

- on the skeleton;
- on the folded word before doubled letters collapse;
- on a compact spelling where я, ю, ц and щ are single letters again, so a slip on them counts
  as one edit.

Words of three letters or fewer have no neighbourhood.

Data shape
----------
Each digest is the first 8 bytes of the keyed digest, stored as PostgreSQL ``bigint[]``. Every
array is ``NOT NULL DEFAULT '{}'``.

Register row (recall_voter), from :func:`register_digests`::

    name_surname          bigint[]  -- the surname's word(s): 1, or 2 for a double surname
    name_given            bigint[]  -- the given name's word(s) not already in name_surname
    name_patronymic       bigint[]  -- [] or [patronymic key] or [key, initial]
    name_patronymic_near  bigint[]  -- neighbourhood of the patronymic (about 10, at most ~30)

Signature (recall_signature), from :func:`typed_digests`::

    name_tokens           bigint[]  -- distinct keys of the typed words (2 to 4)
    name_near             bigint[]  -- neighbourhoods of the typed words (about 26)

Pass the IIN as ``scope`` on both sides. The digests are then bound to the person (the join is
by IIN digest anyway), so one surname has a different digest in every row and the columns reveal
nothing through frequencies.

Collisions: a false match needs one of a signature's ~30 digests to equal one of the same
voter's ~15 by chance. That is about 300 comparisons at 2^-64 each, or 2e-10 over 12 million
signatures.
District size plays no part, because no comparison crosses rows. 4-byte digests for the near
arrays would still give under one chance slip in the whole country, and only where surname,
given name, IIN and birth date already agree.

Register import: remove from ``name_patronymic_near`` every entry that the neighbourhood of the
voter's own surname or given name also contains, so that an intersection can only come from the
extra word. :func:`register_keys` does this.

The rule in SQL
---------------
In PostgreSQL it is one set-based statement, with ``s`` the signature and ``v`` the register row::

    cardinality(v.name_surname) > 0
    AND s.name_tokens @> (v.name_surname || v.name_given)
    AND cardinality(s.name_tokens) <= cardinality(v.name_surname) + cardinality(v.name_given)
        + CASE WHEN s.name_tokens && v.name_patronymic
                 OR s.name_near && v.name_patronymic_near THEN 1 ELSE 0 END

These constants hold the SQL:

- :data:`MATCH_SQL` is this predicate.
- :data:`REASONS_SQL` builds what the review page shows: surname and given name are exact,
  partial or different; the patronymic is exact (same father), initial, slip, absent or
  different; ``extra`` counts the typed words that are neither surname nor given name.
- :data:`MATCH_SQL_SQLITE` and :data:`REASONS_SQL_SQLITE` do the same on JSON arrays, for the
  embedded demo.

:func:`match` is the same rule in Python over the same digests. The tests run all three and
check that they agree.

Known limits (the figures are in tests/names, run them with -s)
---------------------------------------------------------------
These honest variants still go to review:

- In the 2021 alphabet, ё is written io (Aliona, Piotr, Semionova). It stays apart from ICAO's
  "io", which is и + о (Rodionov, Larionov); ICAO writes ё as e, which does match.
- A spelling that is not a transliteration of the register's: Ляззат for Ләззат, Букейханов for
  Бөкейханов, Джанибеков for Жанибеков, Alexander for Александр.
- "sh" for с + х typed without ş elsewhere in the name (Ashatovich, Ashat Botagöz for Асхат).
- A slip in the patronymic that spells another father's name (Булатович for Болатович): such a
  patronymic is compared exactly, see below.
- A slip beside the и-before-е rule (Айебкқызы), a slip in a patronymic of four letters or fewer,
  a slip combined with the other ending, a hyphenated two-word patronymic.
- Initials of the given name, or only one part of a double surname.
- A register name written without a patronymic and with its double surname split by a space:
  three words are read as surname, given name and patronymic.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

from . import given_names

Digest = Callable[[str, str], str | bytes]

TOKEN_PURPOSE = "name-token"
NEAR_PURPOSE = "name-near"
DIGEST_BYTES = 8
# Words of this length or shorter are compared exactly: one letter off a short word is another word.
SHORT = 3
# A word longer than this is no patronymic: no neighbourhood (bounds the work on junk input).
LONGEST = 32
# A typed name of more distinct words cannot match a register name of up to MAX_WORDS - 1
# required words (surname and given name parts) and is cut to MAX_WORDS + 1 keys.
MAX_WORDS = 8
# Words repeat a lot in a register (common surnames, given names, fathers' names), so the clear
# per-word work is cached, per process and bounded; the digests (bound to an IIN) are not.
_CACHE = 1 << 15

# --- tokenising -------------------------------------------------------------------------------

# Apostrophes inside a word (Nur'lan, O'g'li, the 2017 Kazakh Latin) and stray combining marks.
_DROP = re.compile("['’ʼ`´ʻ‘′ʹ\u0300-\u036f]")
_SEPARATORS = re.compile(r"[\W\d_]+")
_NOT_LETTER_OR_SPACE = re.compile(r"[^\w\s]|[\d_]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")

# Latin letters that look like Cyrillic ones, for words typed in a mix of both (autocorrect,
# copy and paste): case matters, B is В but b is not.
_HOMOGLYPHS = str.maketrans(
    {
        **dict(zip("ABCEHKMOPTXYI", "АВСЕНКМОРТХУІ", strict=True)),
        **dict(zip("aceopxyikh", "асеорхуікһ", strict=True)),
    }
)

# --- the skeleton ------------------------------------------------------------------------------

_CONSONANTS = "bcdfghjklmnpqrstvwxzçşğñŋ"
# Vasilyev, Solovyov, Fyodor: "y" between a consonant and e/o stands for ь (ICAO writes Vasilev);
# "yo" at the start is ё (Yolkin = Ёлкин).
_LATIN_Y = re.compile(rf"(?<=[{_CONSONANTS}])y[eo]|^yo")
_DIGRAPHS = re.compile(r"shch|şh|shh|zh|kh|ch|sh")
# "sh" is ш, as everyone types it, also in a name written with the 2021 alphabet's other letters:
# a keyboard or a phone that offers ğ and ū rarely offers ş, so "Quanyshbaev Erğali Hamitūly"
# is Қуанышбаев. Only a name that spells ш as ş elsewhere shows that its writer keeps "sh" for
# с + х (Ashat Şalabaev = Асхат Шалабаев), and then only before a vowel: before a consonant or
# at the end of a word с + х is not Kazakh (Quanyshbaev Şalabaev).
_SH_IS_S_H = re.compile(r"[şŞ]")
_DIGRAPHS_2021 = re.compile(r"şh|shh|zh|kh|ch|sh(?![aeiouyäöüūıáéíóú])")
_DIGRAPH_LETTERS = {"shch": "шч", "şh": "шч", "shh": "шч", "zh": "ж", "kh": "х", "ch": "ч", "sh": "ш"}


def _letters(pairs: str) -> dict[str, str]:
    """'аә бв' style pairs: every letter of a group maps to the group's first letter."""
    table = {}
    for group in pairs.split():
        for letter in group[1:]:
            table[letter] = group[0]
    return table


_SKELETON = str.maketrans(
    {
        # Kazakh and Russian letters onto the Russian look-alike; the vowels и/й/ы/і and е/ё/э merge.
        **_letters("аә гғґ кқ нң оө уұүў хһҳ иійыї ееёэє"),
        "ъ": None,
        "ь": None,
        "ю": "иу",
        "я": "иа",
        "ц": "тс",
        "щ": "шч",
        # Latin: the 2021 Kazakh alphabet and passport transliteration, onto the same letters.
        **_letters("аaäáàâãåā бb дdď еeéèêëēě фf гgğǵġ хh иiíìîïīıÿy жjžżź кkq лlłľ мm"),
        **_letters("нnñńŋň оoöóòôõōøő пp рrř сs тtť уuūüúùûůűý вvw зz"),  # ý: у in the 2018 alphabet
        **dict.fromkeys(map(chr, range(0x300, 0x370))),  # the dot casefold leaves on İ
        "c": "тс",  # ц in the 2021 alphabet, and GOST 52535.1's "tc" collapses onto тс
        "x": "кс",
        "ç": "ч",
        "č": "ч",
        "ş": "ш",
        "ș": "ш",
        "š": "ш",
        "ś": "ш",
    }
)
# Yesenov / Есенов, Tokayev / Токаев: и before е at the start of a word or after a vowel.
_IE = re.compile(r"(?:^|(?<=[аеиоу]))и(?=е)")
_DOUBLE = re.compile(r"(.)\1+")


def _collapse(word: str) -> str:
    # Most words have no doubled letter: search first, the substitution's template costs more.
    return _DOUBLE.sub(_first, word) if _DOUBLE.search(word) else word


def _first(match: re.Match[str]) -> str:
    return match.group(1)


# --- patronymics --------------------------------------------------------------------------------

# Endings in skeleton spelling; the longest alternatives come first where one contains another.
# (Not the Kyrgyz уулу: Айсұлу, Күнсұлу would read as patronymics; it is written apart anyway.)
_PATRONYMIC_END = re.compile(r"(?:инична|ович|евич|овна|евна|ична|ич|ули|огли|угли|кизи|гизи)$")
# Separate words that end a patronymic: ұлы, улы, uly, қызы, кызы, kyzy, оглы, угли, уулу, гызы.
_PARTICLES = frozenset({"ули", "улу", "кизи", "гизи", "огли", "угли"})
_ROOT_MARK = "~"


def _digraph(match: re.Match[str]) -> str:
    return _DIGRAPH_LETTERS[match.group()]


@functools.lru_cache(maxsize=_CACHE)
def skeleton(word: str, sh_is_s_h: bool = False) -> str:
    """The folded form of one word, the same for its Kazakh, Russian and Latin spellings."""
    return _collapse(fold(word, sh_is_s_h))


@functools.lru_cache(maxsize=_CACHE)
def fold(word: str, sh_is_s_h: bool = False) -> str:
    """The skeleton before doubled letters are collapsed (a patronymic's ending is found on it:
    Өмірзаққызы is Өмірзақ + қызы, not Өмірза + қызы). ``sh_is_s_h``: the name spells ш as
    the 2021 alphabet's ş, so its "sh" before a vowel is с + х."""
    if _LATIN.search(word):
        if _CYRILLIC.search(word):
            word = word.translate(_HOMOGLYPHS)
        word = word.casefold()
        if _LATIN.search(word):
            digraphs = _DIGRAPHS_2021 if sh_is_s_h else _DIGRAPHS
            word = digraphs.sub(_digraph, _LATIN_Y.sub("e", word))
    else:
        word = word.casefold()
    return _IE.sub("", word.translate(_SKELETON))


def patronymic_root(folded: str) -> str | None:
    """The father's name in a folded patronymic (даниарович -> даниар), or None.

    Trailing vowels are cut so that the Russian and Kazakh forms of a father's name ending in
    й/и meet: Абаевна and Абайқызы, Сергеевич and Сергейұлы, Алиевич and Әліұлы.
    """
    found = _PATRONYMIC_END.search(folded)
    if found is None:
        return None
    root = _collapse(folded[: found.start()]).rstrip("аеиоу")
    return root if len(root) >= 2 else None


@functools.lru_cache(maxsize=_CACHE)
def token_key(folded: str) -> str:
    """What a folded word is compared by: its skeleton, or for a patronymic its root and a marker
    (the key of a plain word never has the marker: the given name Серик is not Серикұлы)."""
    root = patronymic_root(folded)
    return _collapse(folded) if root is None else root + _ROOT_MARK


def clear_caches() -> None:
    """Forget the cached clear words (e.g. at the end of a register import)."""
    for cached in (skeleton, fold, token_key, neighbourhood, _is_particle, names_a_known_father, _register_keys_of):
        cached.cache_clear()


def word_key(word: str) -> str:
    """The key of one word as typed: Даниярович, Даниярұлы and Daniyaruly give one key."""
    return token_key(fold(word, _SH_IS_S_H.search(word) is not None))


# One symbol for what the skeleton spells with two letters, so that a slip on ц, щ, ю or я is
# one edit of the neighbourhood's string, not two.
_COMPACT = re.compile(r"иу|иа|тс|шч")
_COMPACT_LETTERS = {"иу": "ю", "иа": "я", "тс": "ц", "шч": "щ"}


def _compact(match: re.Match[str]) -> str:
    return _COMPACT_LETTERS[match.group()]


@functools.lru_cache(maxsize=_CACHE)
def neighbourhood(word: str) -> frozenset[str]:
    """The word and the word with each single letter deleted; empty for short words.

    Two words one edit apart (a letter missing, extra or wrong, two neighbours swapped) always
    share an entry, so comparing the digests of these sets finds a slip without the clear word.
    It is taken on the skeleton, on the folded word before doubled letters are collapsed (a
    missing з in кызы leaves кыы), and on the compact spelling (я for иа, ц for тс, ...: a slip on
    я is one edit there, while a slip that puts й before а is one edit of the skeleton). One space
    for all: a skeleton never spells я, ю, ц or щ, and most words are their own compact spelling.
    """
    collapsed = _collapse(word)
    if len(collapsed) <= SHORT or len(word) > LONGEST:
        return frozenset()
    near = _deletions(collapsed)
    if word != collapsed:
        near |= _deletions(word)
    compact = _COMPACT.sub(_compact, collapsed)
    if compact != collapsed and len(compact) > SHORT:
        near |= _deletions(compact)
    return frozenset(near)


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _words(text: str) -> list[list[str]]:
    """Folded words (not yet collapsed) grouped as typed: hyphenated parts stay in their word;
    particles such as ұлы join the word before them; a hyphenated patronymic is one word."""
    text = unicodedata.normalize("NFKC", text)
    if _DROP.search(text):
        text = _DROP.sub("", text)
    sh_is_s_h = _SH_IS_S_H.search(text) is not None
    # Most names are letters and spaces only: no need to split words on hyphens and the like.
    split = _SEPARATORS.split if _NOT_LETTER_OR_SPACE.search(text) else _alone
    words: list[list[str]] = []
    for raw in text.split():
        parts: list[str] = []
        for piece in split(raw):
            folded = fold(piece, sh_is_s_h) if piece else ""
            if not folded:
                continue
            if _is_particle(folded) and (parts or words):
                _join_particle(parts or words[-1], folded)
            else:
                parts.append(folded)
        if len(parts) > 1 and patronymic_root(parts[-1]) is not None:
            parts = ["".join(parts)]
        if parts:
            words.append(parts)
    return words


def _alone(word: str) -> list[str]:
    return [word]


@functools.lru_cache(maxsize=_CACHE)
def _is_particle(folded: str) -> bool:
    return _collapse(folded) in _PARTICLES


def _join_particle(parts: list[str], particle: str) -> None:
    parts[-1] += particle


def typed_words(text: str) -> list[str]:
    """The folded words of a typed name, in typed order, without repeats."""
    return list(dict.fromkeys(part for word in _words(text) for part in word))


@dataclass(frozen=True)
class RegisterName:
    """The folded words of a register name: surname, given name and patronymic."""

    surname: tuple[str, ...]
    given: tuple[str, ...]
    patronymic: str | None
    initial: str | None


def parse_register_name(full_name: str) -> RegisterName:
    """Split a register name, always written "surname given [patronymic]".

    Three words or more: the last is the patronymic, the one before it the given name, the rest
    the surname (a double surname written with a space). A hyphenated double surname or given
    name keeps its parts: each is a word the signer must type.
    """
    words = _words(full_name)
    if not words:
        return RegisterName((), (), None, None)
    if len(words) < 3:
        return RegisterName(tuple(words[0]), tuple(words[1]) if len(words) > 1 else (), None, None)
    surname = tuple(part for word in words[:-2] for part in word)
    patronymic = "".join(words[-1])
    return RegisterName(surname, tuple(words[-2]), patronymic, _initial(patronymic))


def _initial(patronymic: str) -> str:
    # The skeleton of the first letter as typed alone: "иу" for Ю, "шч" for Щ, "е" for Е.
    return patronymic[:2] if patronymic[:2] in ("иу", "иа", "шч", "тс") else patronymic[:1]


# --- digests ------------------------------------------------------------------------------------


def to_int64(value: str | bytes) -> int:
    """The first 8 bytes of a digest (hex text or bytes) as a signed 64-bit integer (bigint)."""
    raw = bytes.fromhex(value[: 2 * DIGEST_BYTES]) if isinstance(value, str) else value[:DIGEST_BYTES]
    return int.from_bytes(raw, "big", signed=True)


class FastDigest:
    """A keyed BLAKE2b whose key is derived once with ``digest`` (e.g. ``crypto._digest``).

    As secure as HMAC-SHA256 (a keyed PRF under ``RECALL_IIN_KEY``) at a fraction of the cost:
    the state after "purpose:scope:" is hashed once per name and copied for each value. Build
    one per process (:func:`fast_digest`) and pass it instead of ``digest``.
    """

    def __init__(self, digest: Digest) -> None:
        key = digest("name-subkey", "blake2b-v1")
        key = bytes.fromhex(key) if isinstance(key, str) else key
        self._keyed = blake2b(key=key[:64], digest_size=DIGEST_BYTES)
        self._prefixes: dict[str, Any] = {}

    def _prefix(self, purpose: str) -> Any:
        prefix = self._prefixes.get(purpose)
        if prefix is None:
            prefix = self._prefixes[purpose] = self._keyed.copy()
            prefix.update(f"{purpose}:".encode())
        return prefix

    def __call__(self, purpose: str, value: str) -> bytes:
        state = self._prefix(purpose).copy()
        state.update(value.encode())
        return state.digest()

    def many(self, purpose: str, scope: str, values: Iterable[str]) -> tuple[int, ...]:
        """``to_int64(self(purpose, f"{scope}:{value}"))`` for each value, faster."""
        prefix = self._prefix(purpose).copy()
        prefix.update(f"{scope}:".encode())
        # A register import runs this ~17 times per voter: names bound once, outside the loop.
        copy, from_bytes, out = prefix.copy, int.from_bytes, []
        for value in values:
            state = copy()
            state.update(value.encode())
            out.append(from_bytes(state.digest(), "big", signed=True))
        return tuple(out)


def fast_digest(digest: Digest) -> FastDigest:
    """See :class:`FastDigest`."""
    return FastDigest(digest)


def _digests(digest: Digest, purpose: str, scope: str, values: Iterable[str]) -> tuple[int, ...]:
    many = getattr(digest, "many", None)
    if many is not None:
        return many(purpose, scope, values)
    return tuple(to_int64(digest(purpose, f"{scope}:{value}")) for value in values)


@dataclass(frozen=True)
class RegisterDigests:
    surname: tuple[int, ...]
    given: tuple[int, ...]
    patronymic: tuple[int, ...]  # () or (key,) or (key, initial)
    patronymic_near: tuple[int, ...]

    def as_columns(self) -> dict[str, list[int]]:
        return {
            "name_surname": list(self.surname),
            "name_given": list(self.given),
            "name_patronymic": list(self.patronymic),
            "name_patronymic_near": list(self.patronymic_near),
        }


@dataclass(frozen=True)
class TypedDigests:
    tokens: tuple[int, ...]
    near: tuple[int, ...]

    def as_columns(self) -> dict[str, list[int]]:
        return {"name_tokens": list(self.tokens), "name_near": list(self.near)}


def register_keys(name: RegisterName) -> tuple[list[str], list[str], list[str], set[str]]:
    """The clear keys behind :class:`RegisterDigests`, deduplicated so that SQL can count."""
    surname = list(dict.fromkeys(token_key(w) for w in name.surname))
    given = [k for k in dict.fromkeys(token_key(w) for w in name.given) if k not in surname]
    required = {*surname, *given}
    if name.patronymic is None or token_key(name.patronymic) in required:
        return surname, given, [], set()
    patronymic = [token_key(name.patronymic)]
    if name.initial and name.initial not in required and name.initial != patronymic[0]:
        patronymic.append(name.initial)
    near = set(neighbourhood(name.patronymic))
    for word in (*name.surname, *name.given):
        # The signer's own surname and given name must not count as a slip of the patronymic.
        near -= neighbourhood(word)
    return surname, given, patronymic, near


@functools.lru_cache(maxsize=_CACHE)
def _register_keys_of(full_name: str) -> tuple[tuple[str, ...], ...]:
    # Names repeat across a register (a common surname, given name and father's name), and
    # their keys take a third of the digests' time; the digests themselves are per voter.
    surname, given, patronymic, near = register_keys(parse_register_name(full_name))
    return tuple(surname), tuple(given), tuple(patronymic), tuple(sorted(near))


def register_digests(full_name: str, digest: Digest, scope: str = "") -> RegisterDigests:
    """Digests of a register name, for the voter row. ``scope``: the voter's IIN (recommended)."""
    surname, given, patronymic, near = _register_keys_of(full_name)
    return RegisterDigests(
        _digests(digest, TOKEN_PURPOSE, scope, surname),
        _digests(digest, TOKEN_PURPOSE, scope, given),
        _digests(digest, TOKEN_PURPOSE, scope, patronymic),
        _digests(digest, NEAR_PURPOSE, scope, near),
    )


def typed_keys(text: str) -> tuple[list[str], set[str]]:
    """The clear keys behind :class:`TypedDigests`."""
    words = typed_words(text)
    keys = list(dict.fromkeys(token_key(w) for w in words))
    if len(keys) > MAX_WORDS:
        # More words than any register name has, plus one: no match whatever the rest is, so
        # the work on junk input stays bounded.
        return keys[: MAX_WORDS + 1], set()
    near: set[str] = set()
    for word in words:
        if not names_a_known_father(word):
            near |= neighbourhood(word)
    return keys, near


@functools.cache
def _father_roots() -> frozenset[str]:
    """The roots of the patronymics made of the names in ``recall.given_names``."""
    made = [name + "ұлы" for name in given_names.all_names()]
    roots = (patronymic_root(fold(word)) for word in (*made, *given_names.IRREGULAR_PATRONYMICS.split()))
    return frozenset(root for root in roots if root)


@functools.lru_cache(maxsize=_CACHE)
def names_a_known_father(folded: str) -> bool:
    """A folded word that is a patronymic of a known given name (Булатович, Маратовна,
    Серікұлы): it is somebody's father's name as it stands, not a slip of another one."""
    root = patronymic_root(folded)
    return root is not None and root in _father_roots()


def typed_digests(text: str, digest: Digest, scope: str = "") -> TypedDigests:
    """Digests of a name as a signer typed it. ``scope``: the IIN the signer typed."""
    tokens, near = typed_keys(text)
    return TypedDigests(
        _digests(digest, TOKEN_PURPOSE, scope, tokens),
        _digests(digest, NEAR_PURPOSE, scope, sorted(near)),
    )


# --- the rule -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameMatch:
    """The outcome, and the parts the review page shows.

    surname, given: "exact" | "partial" (some words of a double name) | "different";
    patronymic: "exact" (same father's name, any ending) | "initial" | "slip" (one letter) |
    "absent" (not typed) | "different"; extra: typed words that are neither surname nor given.
    """

    matched: bool
    surname: str
    given: str
    patronymic: str
    extra: int


def _part(required: set[int], tokens: set[int]) -> str:
    if required <= tokens:
        return "exact"
    return "partial" if required & tokens else "different"


def match(register: RegisterDigests, typed: TypedDigests) -> NameMatch:
    """The rule of :data:`MATCH_SQL` and :data:`REASONS_SQL`, over the same digests."""
    tokens = set(typed.tokens)
    surname, given = set(register.surname), set(register.given)
    required = surname | given
    slip = bool(set(typed.near) & set(register.patronymic_near))
    found = bool(tokens & set(register.patronymic)) or slip
    # A register name without words (or a row whose digests were never derived) matches nothing.
    matched = bool(surname) and required <= tokens and len(tokens) <= len(surname) + len(given) + (1 if found else 0)
    extra = len(tokens - required)
    return NameMatch(
        matched, _part(surname, tokens), _part(given, tokens), _patronymic(register, tokens, extra, slip), extra
    )


def _patronymic(register: RegisterDigests, tokens: set[int], extra: int, slip: bool) -> str:
    if register.patronymic[:1] and register.patronymic[0] in tokens:
        return "exact"
    if register.patronymic[1:] and register.patronymic[1] in tokens:
        return "initial"
    if extra == 0:
        return "absent"
    return "slip" if slip else "different"


def match_names(register_name: str, typed_name: str, digest: Digest, scope: str = "") -> NameMatch:
    """Convenience for tests and the review page: both digests, then :func:`match`."""
    return match(register_digests(register_name, digest, scope), typed_digests(typed_name, digest, scope))


# --- the rule in SQL ----------------------------------------------------------------------------

# True when the typed name matches; arrays are NOT NULL, so is the result (for a register row).
MATCH_SQL = """(
    cardinality(v.name_surname) > 0
    AND s.name_tokens @> (v.name_surname || v.name_given)
    AND cardinality(s.name_tokens) <= cardinality(v.name_surname) + cardinality(v.name_given)
        + CASE WHEN s.name_tokens && v.name_patronymic
                 OR s.name_near && v.name_patronymic_near THEN 1 ELSE 0 END
)"""

_EXTRA_SQL = "(SELECT count(*) FROM unnest(s.name_tokens) AS t(d) WHERE NOT d = ANY(v.name_surname || v.name_given))"

# The parts for the review page (build it only for the rows that go to review).
REASONS_SQL = f"""jsonb_build_object(
    'surname', CASE WHEN s.name_tokens @> v.name_surname THEN 'exact'
                    WHEN s.name_tokens && v.name_surname THEN 'partial' ELSE 'different' END,
    'given', CASE WHEN s.name_tokens @> v.name_given THEN 'exact'
                  WHEN s.name_tokens && v.name_given THEN 'partial' ELSE 'different' END,
    'patronymic', CASE WHEN s.name_tokens && v.name_patronymic[1:1] THEN 'exact'
                       WHEN s.name_tokens && v.name_patronymic[2:2] THEN 'initial'
                       WHEN {_EXTRA_SQL} = 0 THEN 'absent'
                       WHEN s.name_near && v.name_patronymic_near THEN 'slip'
                       ELSE 'different' END,
    'extra', {_EXTRA_SQL}
)"""


def _sqlite_all(small: str, big: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM json_each({small}) a WHERE a.value NOT IN (SELECT value FROM json_each({big})))"


def _sqlite_any(left: str, right: str) -> str:
    return f"EXISTS (SELECT 1 FROM json_each({left}) a JOIN json_each({right}) b ON a.value = b.value)"


# The same rule on SQLite (the embedded demo), with the arrays stored as JSON text.
MATCH_SQL_SQLITE = f"""(
    json_array_length(v.name_surname) > 0
    AND {_sqlite_all("v.name_surname", "s.name_tokens")}
    AND {_sqlite_all("v.name_given", "s.name_tokens")}
    AND json_array_length(s.name_tokens) <= json_array_length(v.name_surname) + json_array_length(v.name_given)
        + CASE WHEN {_sqlite_any("s.name_tokens", "v.name_patronymic")}
                 OR {_sqlite_any("s.name_near", "v.name_patronymic_near")} THEN 1 ELSE 0 END
)"""

_EXTRA_SQLITE = """(SELECT count(*) FROM json_each(s.name_tokens) t WHERE t.value NOT IN (
    SELECT value FROM json_each(v.name_surname) UNION ALL SELECT value FROM json_each(v.name_given)))"""


def _sqlite_has(array: str, element: str) -> str:
    return f"EXISTS (SELECT 1 FROM json_each({array}) t WHERE t.value = json_extract({element}))"


def _sqlite_part(required: str) -> str:
    return f"""CASE WHEN {_sqlite_all(required, "s.name_tokens")} THEN 'exact'
                     WHEN {_sqlite_any("s.name_tokens", required)} THEN 'partial' ELSE 'different' END"""


REASONS_SQL_SQLITE = f"""json_object(
    'surname', {_sqlite_part("v.name_surname")},
    'given', {_sqlite_part("v.name_given")},
    'patronymic', CASE WHEN {_sqlite_has("s.name_tokens", "v.name_patronymic, '$[0]'")} THEN 'exact'
                       WHEN {_sqlite_has("s.name_tokens", "v.name_patronymic, '$[1]'")} THEN 'initial'
                       WHEN {_EXTRA_SQLITE} = 0 THEN 'absent'
                       WHEN {_sqlite_any("s.name_near", "v.name_patronymic_near")} THEN 'slip'
                       ELSE 'different' END,
    'extra', {_EXTRA_SQLITE}
)"""
