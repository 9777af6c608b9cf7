"""A person's name in the Russian genitive: "Отзыв депутата Есенова Армана Данияровича".

Russian puts the deputy's name in the genitive after "депутата" ("the recall of", "the petition
to recall"); Kazakh and English sentences here put it where it does not change. Names are
stored as written in the register, surname first ("Есенов Арман Даниярович"). pytrovich (the
petrovich rules) declines Russian and the Russian spelling of Kazakh names; the sex comes from the
patronymic, the Kazakh "-ұлы" / "-қызы" included, else from the name itself. A name it cannot
read (Latin letters, one word, an unknown sex) is left as written: a nominative is a small
fault, a wrong ending a worse one.
"""

from __future__ import annotations

import functools
import re

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

_CYRILLIC_WORD = re.compile(r"^[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]+(?:-[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]+)*$")
# Kazakh patronymics: "Даниярұлы" (son of), "Болатқызы" (daughter of), also with a space or hyphen.
_KAZAKH_SON = ("ұлы", "улы", "uly")
_KAZAKH_DAUGHTER = ("қызы", "кызы", "qyzy")


@functools.cache
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@functools.cache
def _detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


def _sex(surname: str, given: str, patronymic: str | None) -> Gender | None:
    if patronymic:
        lowered = patronymic.lower()
        if lowered.endswith(_KAZAKH_SON) or lowered.endswith(("ович", "евич", "ич")):
            return Gender.MALE
        if lowered.endswith(_KAZAKH_DAUGHTER) or lowered.endswith(("овна", "евна", "ична", "инична")):
            return Gender.FEMALE
    found = _detector().detect(firstname=given, lastname=surname, middlename=patronymic)
    return found if found in (Gender.MALE, Gender.FEMALE) else None


@functools.lru_cache(maxsize=4096)
def genitive(full_name: str) -> str:
    """``full_name`` ("Surname Given [Patronymic]") in the Russian genitive, or as written when
    it cannot be declined with confidence."""
    words = (full_name or "").split()
    if len(words) not in (2, 3) or not all(_CYRILLIC_WORD.match(w) for w in words):
        return full_name
    surname, given = words[0], words[1]
    patronymic = words[2] if len(words) == 3 else None
    sex = _sex(surname, given, patronymic)
    if sex is None:
        return full_name
    make = _maker().make
    declined = [
        make(NamePart.LASTNAME, sex, Case.GENITIVE, surname),
        make(NamePart.FIRSTNAME, sex, Case.GENITIVE, given),
    ]
    if patronymic:
        # A Kazakh patronymic ("Даниярұлы") does not decline.
        kazakh = patronymic.lower().endswith(_KAZAKH_SON + _KAZAKH_DAUGHTER)
        declined.append(patronymic if kazakh else make(NamePart.MIDDLENAME, sex, Case.GENITIVE, patronymic))
    return " ".join(declined)
