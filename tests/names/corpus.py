"""A labelled corpus of typed names against register names.

Register names are built from lists of common Kazakh, Russian, Tatar, Korean, German and Ukrainian
surnames, given names and fathers' names (written here by hand), in every shape the register has:
Kazakh letters or their Russian look-alikes, -ұлы/-қызы patronymics (in one word or two) or
Russian-style -ович/-овна, double surnames, no patronymic. Each is typed in the ways people do:

same person: word order, patronymic left out, case and spacing, Kazakh letters folded onto Russian
ones or the reverse, Latin (ICAO 9303, GOST R 52535.1-2006, Kazakh passport practice, the 2021
Kazakh Latin alphabet with and without its diacritics, and with "sh" for its ş), a one-letter slip in the patronymic, the
patronymic's other ending (-ович for -ұлы), its initial, a double surname with a space, Latin
look-alike letters in a Cyrillic word, and combinations.

another person: another surname or given name, a surname or given name one letter away (Арман /
Арсен, Алия / Алина), the surname of the other sex (Есенов / Есенова), each typed in one of the
same-person ways; a patronymic made of a father's name one letter away from the register's
father (Болатович / Булатович, Маратовна / Муратовна). Also another patronymic altogether
(reported apart).

A difference that is only folding or transliteration is never another person (see ``plain``).
The transliterations here follow the official tables independently of recall.names.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

SEED = 20260113

# --- the lists --------------------------------------------------------------------------------
# Kazakh names in Kazakh spelling; "kz|ru" where the usual Russian spelling is not just the
# Kazakh letters folded (Ілияс -> Ильяс, Гүлнар -> Гульнар).

KZ_MALE = """
Арман Нұрлан Ерлан Асхат Бауыржан Ержан Дәурен Айдос Нұрсұлтан Мұрат Серік Қайрат Дархан Ерболат
Жандос Ернар Асқар Бақыт Ғалым Жасұлан Әлихан Әділ Айбек Бекзат Дәулет Ербол Мейрам Нұржан Олжас
Санжар Темірлан Тимур Қанат Талғат Руслан Самат Азамат Алмас Бейбіт Берік Болат Ғабит Ерік Жомарт
Қуаныш Мақсат Нұрбек Рауан Сұлтан Төлеген Ұлан Шыңғыс Ілияс|Ильяс Ақан Бақытжан Дамир Данияр
Еркебұлан Жанболат Ізбасар Айдар Ақжол Бекжан Дидар Ерасыл Ермек Жанат Жарас Марат Мирас Нұрым
Өмірзақ Рахат Сәкен Тұрсын Үсен Хамит Шерхан Әсет Бағдат Ғани Әли Есен Қасым Абай Мұхтар Ерұлан
Алтынбек Нұрасыл Әбілқайыр Аманжол Бекболат Қайыржан Мәди Нұрхан Сағат Тоқтар
"""
KZ_FEMALE = """
Айгерім Мәдина Әсел|Асель Гүлнар|Гульнар Жанар Айжан Ақмарал Әлия Динара Гүлмира|Гульмира Жұлдыз
Назерке Аружан Балжан Сәуле Ботагөз Дана Жансая Інкәр Қарлығаш Ләззат|Ляззат Мөлдір|Мольдир
Нұргүл|Нургуль Перизат Салтанат Томирис Үміт Шынар Айнұр Аяулым Гүлжан|Гульжан Камила Маржан
Толқын Ұлжан Айым Айсұлу Меруерт Аида Бибігүл|Бибигуль Гауһар Жібек Зарина Ақбота Раушан Сабина
Дилназ Арайлым Жазира Күнсұлу Гүлназ|Гульназ Әсем Нұрсұлу Сымбат Ақерке Алтынай Еркеназ Жадыра
Айдана Индира Дариға Зере Күләш Гүлшат|Гульшат Ақтоты Жаннұр Мейірім Іңкәр
"""
KZ_SURNAMES = """
Есенов Әбілқасымов Ахметов Омаров Сейітов Жұмабеков Тоқаев Нұрғалиев Қасымов Сәрсенбаев
Бекмұхамбетов Оспанов Әбенов Байжанов Ермеков Мұхамеджанов Жақсыбеков Исаев Төлегенов
Құдайбергенов Серікбаев Қалиев Ибраев Мамаев Рахимов Нұрмағамбетов Ысқақов Бейсенов Дәулетов
Шәкенов Қожахметов Әуезов Сағынтаев Тұрсынов Үсенов Мырзахметов Сатпаев Байтұрсынов Құнанбаев
Әлімжанов Абдрахманов Ғабдуллин Иманбаев Кенжебеков Мусин Қабдолов Сүлейменов Нұрпейісов
Тәжібаев Жолдасбеков Смағұлов Тәшенов Бөкейханов|Букейханов Досмұхамедов Мұқанов Сейфуллин
Майлин Жұбанов Ахмеджанов Қуанышев Садықов Аманжолов Бектұров Әлиев Жанғозин Ертаев Қайырбеков
Рысқұлов Әбдірахманов Тілеуов Жүсіпов Оразбаев Ақылбеков Айтбаев Қалмұхамбетов Бисенов Жанұзақ
Ахмет Сәтбаев Қонаев Бекетов Тасмағамбетов Нұрсейітов Дүйсенбаев Оңғарбаев Шалабаев Мұсабаев
"""
RU_MALE = """
Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Артём Николай Владимир Павел
Роман Денис Олег Игорь Виктор Юрий Антон Константин Вадим Илья Кирилл Никита Егор Станислав
Виталий Пётр Фёдор Григорий Василий Валерий Геннадий Леонид Борис Анатолий Ярослав Вячеслав
Семён Глеб Тимофей Матвей Георгий Степан Яков Эдуард Аркадий Лев Валентин Кузьма Лука
"""
RU_FEMALE = """
Анна Елена Ольга Наталья Татьяна Ирина Светлана Мария Екатерина Юлия Анастасия Марина Людмила
Галина Валентина Надежда Оксана Виктория Дарья Ксения Алёна Полина Алина Вера Любовь Лариса
Нина Зоя Евгения Кристина Яна Софья Ульяна Жанна Инна Алла Элеонора Эльвира Валерия Вероника
Маргарита Лидия Тамара Раиса Зинаида Антонина Диана Олеся Дина Майя
"""
RU_SURNAMES = """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин
Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов
Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв
Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов
Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов
Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов
Ефимов Федотов Щербаков Назаров Калинин Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин
Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов
Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов
Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов
Анисимов Ерёмин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов
Князев Цветков Левин Воронов Аксёнов Мальцев Логинов Горшков Савин Краснов Майоров Демидов
Елисеев Рыбаков Сафонов Плотников Жданов Ковальский Жуковский Вишневский Толстой Шевченко
Бондаренко Коваленко Ткаченко Кравченко Руденко Бойко Ковальчук Мельничук Савчук Черных Седых
"""
# Surnames of other peoples of Kazakhstan, with Russian-style given names and patronymics.
OTHER_SURNAMES = """
Валеев Галиев Хабибуллин Гарипов Сафин Шарипов Ахмадуллин Зарипов Мухаметшин Нуриев Юсупов
Каримов Усманов Рахматуллаев Ким Пак Ли Цой Тен Хан Югай Шин Тян Огай Шмидт Миллер Вебер Шульц
Вагнер Келлер Гофман Майер
"""
OTHER_MALE = "Рустам Ринат Ильдар Тагир Равиль Эльдар Рашид Фарид Тимур Марат Ренат Артур"
OTHER_FEMALE = "Гульнара Эльмира Альбина Лейла Зульфия Розалия Резеда Лилия Алсу Гузель Регина Эльвина"

# Given names one letter away from another name: each is another person.
NEAR_GIVEN = [
    ("Арман", "Арсен"),
    ("Алия", "Алина"),
    ("Әлия", "Әлима"),
    ("Дина", "Диана"),
    ("Марат", "Мурат"),
    ("Ерлан", "Арлан"),
    ("Айдос", "Айдар"),
    ("Азамат", "Азат"),
    ("Әсел", "Әсем"),
    ("Дана", "Дина"),
    ("Мария", "Марина"),
    ("Дарья", "Дарина"),
    ("Анна", "Инна"),
    ("Алла", "Элла"),
    ("Нұрлан", "Нұржан"),
    ("Ержан", "Еркан"),
    ("Жанар", "Жанат"),
    ("Олег", "Глеб"),
    ("Вадим", "Вадик"),
    ("Серік", "Берік"),
    ("Болат", "Болот"),
    ("Камила", "Камиля"),
    ("Самат", "Санат"),
]

# Fathers' names one letter apart: a patronymic made of the other is another father's child,
# never a slip (Болатович / Булатович, Маратовна / Муратовна).
NEAR_FATHERS = [
    ("Болат", "Бұлат"),
    ("Марат", "Мұрат"),
    ("Дулат", "Бұлат"),
    ("Серік", "Берік"),
    ("Самат", "Санат"),
    ("Қанат", "Санат"),
    ("Самат", "Сағат"),
    ("Арман", "Арлан"),
    ("Ерлан", "Арлан"),
    ("Нұрлан", "Нұржан"),
    ("Алмас", "Алмат"),
    ("Мақсат", "Мақсұт"),
    ("Асхат", "Ахат"),
    ("Ақан", "Асан"),
    ("Есен", "Есет"),
    ("Ринат", "Ренат"),
    ("Рашид", "Рашит"),
    ("Фарид", "Фарит"),
    ("Рустам", "Рустем"),
    ("Тимур", "Темір"),
]

_FOLD_RU = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")


def _split_names(block: str) -> list[tuple[str, str]]:
    """(Kazakh spelling, Russian spelling) for each name of a block."""
    pairs = []
    for item in block.split():
        kz, _, ru = item.partition("|")
        pairs.append((kz, ru or kz.translate(_FOLD_RU)))
    return pairs


# --- sex and patronymics ------------------------------------------------------------------------


def feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("кий"):
        return surname[:-2] + "ая"
    if surname.endswith("ой"):
        return surname[:-2] + "ая"
    return surname  # -ко, -ук, -их, Korean, German, Kazakh surnames without -ов


_RU_IRREGULAR = {
    "Павел": ("Павлович", "Павловна"),
    "Лев": ("Львович", "Львовна"),
    "Яков": ("Яковлевич", "Яковлевна"),
    "Илья": ("Ильич", "Ильинична"),
    "Никита": ("Никитич", "Никитична"),
    "Кузьма": ("Кузьмич", "Кузьминична"),
    "Лука": ("Лукич", "Лукинична"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Георгий": ("Георгиевич", "Георгиевна"),
}


def russian_patronymic(father: str, sex: str) -> str:
    """The Russian-style patronymic from a father's name in Russian spelling."""
    if father in _RU_IRREGULAR:
        return _RU_IRREGULAR[father][sex == "F"]
    if father.endswith("ий"):
        stem, male, female = father[:-2] + "ь", "евич", "евна"
    elif father.endswith(("й", "ь")):
        stem, male, female = father[:-1], "евич", "евна"
    elif father.endswith(("а", "я")):
        stem, male, female = father[:-1], "ич", "ична"
    elif father[-1] in "аеиоуыэюя":
        stem, male, female = father, "евич", "евна"
    else:
        stem, male, female = father, "ович", "овна"
    return stem + (female if sex == "F" else male)


def kazakh_patronymic(father_kz: str, sex: str, separate: bool = False) -> str:
    particle = "қызы" if sex == "F" else "ұлы"
    return f"{father_kz} {particle}" if separate else father_kz + particle


# --- people -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A register entry, with the Kazakh spellings a signer may type instead."""

    origin: str  # kz, ru, other
    sex: str  # M, F
    surname: tuple[str, ...]  # register spelling; two parts for a double surname
    given: str
    patronymic: str | None  # register spelling, "Серік ұлы" in two words if so registered
    surname_kz: tuple[str, ...]
    given_kz: str
    father_kz: str | None
    father_ru: str | None
    style: str  # kz (Серікұлы), kz_separate (Серік ұлы), ru (Серикович), none
    script: str  # kz: Kazakh letters in the register, ru: their Russian look-alikes

    @property
    def register_name(self) -> str:
        return " ".join(self.words())

    def words(self, kazakh: bool = False, patronymic: str | None = "") -> list[str]:
        """Surname, given name and patronymic as words; patronymic "" = the registered one."""
        surname = "-".join(self.surname_kz if kazakh else self.surname)
        given = self.given_kz if kazakh else self.given
        if patronymic == "":
            patronymic = self.patronymic_kz() if kazakh else self.patronymic
        return [surname, given, *([patronymic] if patronymic else [])]

    def patronymic_kz(self) -> str | None:
        if self.style in ("kz", "kz_separate") and self.father_kz:
            return kazakh_patronymic(self.father_kz, self.sex, self.style == "kz_separate")
        return self.patronymic


class People:
    """Draws register entries from the lists with a fixed seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.kz_male, self.kz_female = _split_names(KZ_MALE), _split_names(KZ_FEMALE)
        self.kz_surnames = _split_names(KZ_SURNAMES)
        self.ru_male, self.ru_female = RU_MALE.split(), RU_FEMALE.split()
        self.ru_surnames, self.other_surnames = RU_SURNAMES.split(), OTHER_SURNAMES.split()
        self.other_male, self.other_female = OTHER_MALE.split(), OTHER_FEMALE.split()

    def person(self) -> Person:
        origin = self.rng.choices(["kz", "ru", "other"], weights=[55, 33, 12])[0]
        sex = self.rng.choice("MF")
        maker = {"kz": self._kazakh, "ru": self._russian, "other": self._other}[origin]
        person = maker(sex)
        if self.rng.random() < (0.12 if sex == "F" else 0.03):
            person = self._double(person)
        return person

    def _kazakh(self, sex: str) -> Person:
        given_kz, given_ru = self.rng.choice(self.kz_female if sex == "F" else self.kz_male)
        sur_kz, sur_ru = self.rng.choice(self.kz_surnames)
        father_kz, father_ru = self.rng.choice(self.kz_male)
        style = self.rng.choices(["kz", "kz_separate", "ru", "none"], weights=[35, 10, 40, 15])[0]
        script = self.rng.choice(["kz", "ru"])
        if sex == "F":
            sur_kz, sur_ru = feminine(sur_kz), feminine(sur_ru)
        patronymic = {
            "kz": kazakh_patronymic(father_kz, sex),
            "kz_separate": kazakh_patronymic(father_kz, sex, separate=True),
            "ru": russian_patronymic(father_ru, sex),
            "none": None,
        }[style]
        if patronymic and script == "ru":
            patronymic = patronymic.translate(_FOLD_RU)
        surname, given = (sur_kz, given_kz) if script == "kz" else (sur_ru, given_ru)
        return Person(
            "kz", sex, (surname,), given, patronymic, (sur_kz,), given_kz, father_kz, father_ru, style, script
        )

    def _russian(self, sex: str) -> Person:
        given = self.rng.choice(self.ru_female if sex == "F" else self.ru_male)
        return self._slavic("ru", sex, self.rng.choice(self.ru_surnames), given)

    def _other(self, sex: str) -> Person:
        pool = (self.other_female + self.ru_female) if sex == "F" else (self.other_male + self.ru_male)
        return self._slavic("other", sex, self.rng.choice(self.other_surnames), self.rng.choice(pool))

    def _slavic(self, origin: str, sex: str, surname: str, given: str) -> Person:
        father = self.rng.choice(self.ru_male + (self.other_male if origin == "other" else []))
        style = "ru" if self.rng.random() < 0.9 else "none"
        patronymic = russian_patronymic(father, sex) if style == "ru" else None
        surname = feminine(surname) if sex == "F" else surname
        return Person(origin, sex, (surname,), given, patronymic, (surname,), given, None, father, style, "ru")

    def _double(self, person: Person) -> Person:
        second_kz, second_ru = self.rng.choice(self.kz_surnames + [(s, s) for s in self.ru_surnames])
        if person.sex == "F":
            second_kz, second_ru = feminine(second_kz), feminine(second_ru)
        second = second_kz if person.script == "kz" else second_ru
        return replace(person, surname=(*person.surname, second), surname_kz=(*person.surname_kz, second_kz))


# --- ways of typing -----------------------------------------------------------------------------

_VOWELS = set("аәеёиоөуұүыіэюяАӘЕЁИОӨУҰҮЫІЭЮЯ")


def _table(letters: str, latin: str) -> dict[str, str]:
    """Cyrillic letters to space-separated Latin spellings ("-" for none)."""
    return {c: ("" if t == "-" else t) for c, t in zip(letters, latin.split(), strict=True)}


# ICAO Doc 9303 for Russian letters; Kazakh letters as Kazakh passports write them.
ICAO = {
    **_table(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia",
    ),
    **_table("әғқңөұүһі", "a g k n o u u h i"),
}
GOST_52535 = {**ICAO, "ц": "tc", "ъ": ""}
KZ_2021 = _table(
    "аәбвгғдежзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяё",
    "a ä b v g ğ d e j z i i k q l m n ñ o ö p r s t u ū ü f h h c ch ş şh - y ı - e iu ia io",
)
_KZ_2021_ASCII = str.maketrans(
    {"ä": "a", "ğ": "g", "ı": "i", "ñ": "n", "ŋ": "n", "ö": "o", "ş": "sh", "ū": "u", "ü": "u", "İ": "I"}
)


def _transliterate(word: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in word.lower())


def icao(word: str) -> str:
    """ICAO Doc 9303 (Russian passports since 2014, Kazakh passports), Kazakh letters folded."""
    return _transliterate(word, ICAO)


def gost_52535(word: str) -> str:
    """GOST R 52535.1-2006 (Russian passports 2006-2014): as ICAO, but ц = tc."""
    return _transliterate(word, GOST_52535)


def kz_passport(word: str) -> str:
    """The older Kazakh passport practice: ye at the start and after vowels, y for й/ы, yu, ya,
    and s doubled between vowels (Kassymov, Yessenov)."""
    out = []
    low = word.lower()
    for i, ch in enumerate(low):
        before = low[i - 1] if i else ""
        after = low[i + 1] if i + 1 < len(low) else ""
        if ch == "е":
            out.append("ye" if not before or before in _VOWELS or before in "ьъ-" else "e")
        elif ch == "с" and before in _VOWELS and after in _VOWELS:
            out.append("ss")
        else:
            out.append({"й": "y", "ю": "yu", "я": "ya", "ё": "yo"}.get(ch) or ICAO.get(ch, ch))
    return "".join(out)


def kz_2021(word: str) -> str:
    """The Kazakh Latin alphabet of 2021."""
    return _transliterate(word, KZ_2021)


def kz_2021_sh(word: str) -> str:
    """The 2021 alphabet typed on a keyboard that offers ğ, ū, ö but not ş: "sh" for ш
    (Quanyshbaev Erğali Hamitūly)."""
    return kz_2021(word).replace("ş", "sh")


def kz_2021_ascii(word: str) -> str:
    """The 2021 alphabet typed without its diacritics (Abilqasymov)."""
    return kz_2021(word).translate(_KZ_2021_ASCII)


def capitalise(word: str, upper: bool = False) -> str:
    """Title or upper case, with the Kazakh dotted İ for i and I for ı."""
    fix = {"i": "İ", "ı": "I"} if any(ch in word for ch in "ıäöüūğşñ") else {}
    if upper:
        return "".join(fix.get(ch, ch.upper()) for ch in word)
    parts = word.split("-")
    return "-".join(fix.get(p[:1], p[:1].upper()) + p[1:] for p in parts)


def fold_ru(text: str) -> str:
    return text.translate(_FOLD_RU)


_HOMOGLYPH = dict(zip("аеосрхукАВЕКМНОРСТХі", "aeocpxykABEKMHOPCTXi", strict=True))


def homoglyphs(text: str, rng: random.Random) -> str:
    """One to three Cyrillic letters replaced by Latin look-alikes, each word keeping a Cyrillic one."""
    chars = list(text)
    spots = [i for i, ch in enumerate(chars) if ch in _HOMOGLYPH]
    for i in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
        chars[i] = _HOMOGLYPH[chars[i]]
    words = "".join(chars).split(" ")
    originals = text.split(" ")
    kept = [w if re.search("[а-яёәғқңөұүһі]", w, re.I) else o for w, o in zip(words, originals, strict=True)]
    return " ".join(kept)


_RU_LETTERS = "абвгдежзийклмнопрстуфхцчшщыьэюя"


def slip(word: str, rng: random.Random) -> str:
    """One letter missing, extra, wrong, or two neighbours swapped."""
    while True:
        i = rng.randrange(len(word))
        op = rng.choice(["delete", "insert", "substitute", "swap"])
        if op == "delete":
            out = word[:i] + word[i + 1 :]
        elif op == "insert":
            out = word[:i] + rng.choice(_RU_LETTERS) + word[i:]
        elif op == "substitute":
            out = word[:i] + rng.choice(_RU_LETTERS) + word[i + 1 :]
        else:
            i = min(i, len(word) - 2)
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if out.lower() != word.lower() and len(out) > 3:
            return out


def case_and_spacing(words: list[str], rng: random.Random) -> str:
    how = rng.choice(["upper", "lower", "spaces", "comma", "mixed"])
    if how == "upper":
        return " ".join(w.upper() for w in words)
    if how == "lower":
        return " ".join(w.lower() for w in words)
    if how == "spaces":
        return "  " + "   ".join(words) + " "
    if how == "comma":
        return ", ".join(words)
    return " ".join(w[:1].lower() + w[1:].upper() for w in words)


# --- labels -------------------------------------------------------------------------------------

_PLAIN = str.maketrans(
    {
        **dict(zip("әғқңөұүһіёэйы", "агкноуухиееии", strict=True)),
        "ь": None,
        "ъ": None,
        "я": "иа",
        "ю": "иу",
        "ц": "тс",
        "щ": "шч",
    }
)


def plain(word: str) -> str:
    """A Cyrillic word without what folding or transliteration does not distinguish: case, Kazakh
    letters and their Russian look-alikes, ё/е, й/и/ы/і, soft and hard signs, doubled letters.
    Two names with the same plain form are the same name; otherwise another person's."""
    return re.sub(r"(.)\1+", r"\1", word.lower().translate(_PLAIN))


# --- variants -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    register: str
    typed: str
    same_person: bool
    kind: str
    style: str = ""


LATIN_STYLES: dict[str, Callable[[str], str]] = {
    "latin_icao": icao,
    "latin_gost": gost_52535,
    "latin_kz_passport": kz_passport,
    "latin_kz2021": kz_2021,
    "latin_kz2021_ascii": kz_2021_ascii,
    "latin_kz2021_sh": kz_2021_sh,
}


def latin(words: list[str], style: str, rng: random.Random) -> str:
    convert = LATIN_STYLES[style]
    upper = rng.random() < 0.4  # as printed in the passport
    return " ".join(capitalise("-".join(convert(p) for p in w.split("-")), upper) for w in words)


def reorder(words: list[str], rng: random.Random) -> list[str]:
    """Another order: given surname [patronymic], given patronymic surname, ..."""
    if len(words) == 2:
        return [words[1], words[0]]
    orders = [[1, 0, 2], [1, 2, 0], [2, 1, 0], [0, 2, 1]]
    return [words[i] for i in rng.choice(orders)]


def _other_style_patronymic(person: Person) -> str | None:
    """The same father's name with the other kind of ending (Серікұлы <-> Серикович)."""
    if person.origin != "kz" or not person.father_ru or person.style == "none":
        return None
    if person.style == "ru":
        return kazakh_patronymic(person.father_kz or "", person.sex)
    return russian_patronymic(person.father_ru, person.sex)


def same_person(person: Person, rng: random.Random) -> Iterator[tuple[str, str]]:
    """(kind, typed) for every way of typing this register entry that applies."""
    words = person.words()
    no_patr = person.words(patronymic=None)
    yield "exact", person.register_name
    yield "case_spacing", case_and_spacing(words, rng)
    yield "order", " ".join(reorder(words, rng))
    if person.patronymic:
        yield "no_patronymic", " ".join(reorder(no_patr, rng) if rng.random() < 0.5 else no_patr)
        joined = person.patronymic.replace(" ", "")
        yield "patronymic_slip", " ".join([*no_patr, slip(joined, rng)])
        yield "patronymic_initial", " ".join([*no_patr, person.patronymic[0] + "."])
    if person.script == "kz":
        yield "fold_to_russian", fold_ru(" ".join(reorder(words, rng) if rng.random() < 0.3 else words))
    if person.origin == "kz" and person.script == "ru":
        yield "fold_to_kazakh", " ".join(person.words(kazakh=True))
    for style in LATIN_STYLES:
        source = person.words(kazakh=person.origin == "kz" and style.startswith("latin_kz2021"))
        if style.startswith("latin_kz2021") or rng.random() < 0.3:
            chosen = source  # the 2021 alphabet writes the patronymic too; passports often not
        else:
            chosen = source[:2]
        yield style, latin(chosen, style, rng)
    if len(person.surname) > 1:
        yield "double_surname_space", " ".join([" ".join(person.surname), *words[1:]])
        yield "double_surname_space", " ".join([words[1], *person.surname])
    if person.style in ("kz", "kz_separate"):
        yield "patronymic_particle", " ".join([*no_patr, _particle_moved(person, rng)])
    other_form = _other_style_patronymic(person)
    if other_form:
        yield "patronymic_other_ending", " ".join([*no_patr, other_form])
    yield "homoglyph", homoglyphs(person.register_name, rng)
    yield "combined", combined(person, rng)


def _particle_moved(person: Person, rng: random.Random) -> str:
    """Серікұлы typed as "Серік ұлы" or "Серік-ұлы", and the reverse."""
    patronymic = person.patronymic or ""
    if person.style == "kz_separate":
        father, particle = patronymic.split(" ")
        return father + rng.choice(["", "-"]) + particle
    size = 4 if patronymic.endswith(("қызы", "кызы")) else 3
    return patronymic[:-size] + rng.choice([" ", "-"]) + patronymic[-size:]


def combined(person: Person, rng: random.Random) -> str:
    """Several at once: a script, an order, the patronymic absent or slipped, the case."""
    patronymic = person.patronymic.replace(" ", "") if person.patronymic else None
    choice = rng.choice(["absent", "slip", "kept"]) if patronymic else "absent"
    if choice == "slip":
        patronymic = slip(patronymic, rng)
    words = person.words(patronymic=None if choice == "absent" else patronymic)
    words = reorder(words, rng) if rng.random() < 0.6 else words
    script = rng.choice(["fold", "latin_icao", "latin_kz_passport", "latin_kz2021_ascii", "cyrillic"])
    if script == "fold":
        return fold_ru(" ".join(words)).upper()
    if script == "cyrillic":
        return case_and_spacing(words, rng)
    return latin(words, script, rng)


# Ways another person's name is typed, so that transliteration is shown not to merge names.
def render(person: Person, rng: random.Random, keep_patronymic: bool = False) -> tuple[str, str]:
    styles = ["cyrillic", "order", "fold", "latin_icao", "latin_kz_passport", "latin_kz2021_ascii"]
    style = rng.choice(styles if keep_patronymic else [*styles, "no_patronymic"])
    words = person.words()
    if style == "order":
        return style, " ".join(reorder(words, rng))
    if style == "no_patronymic":
        return style, " ".join(person.words(patronymic=None))
    if style == "fold":
        return style, fold_ru(" ".join(words))
    if style.startswith("latin"):
        return style, latin(words[:2] if rng.random() < 0.5 and not keep_patronymic else words, style, rng)
    return style, " ".join(words)


_CONSONANTS = "бвгдзклмнпрстфхчшж"
_PLAIN_VOWELS = "аоуе"


def near_word(word: str, rng: random.Random) -> str:
    """One letter changed so that the word is another name (never a folding of it)."""
    for _ in range(200):
        chars = list(word)
        i = rng.randrange(len(chars))
        low = chars[i].lower()
        op = rng.choice(["consonant", "vowel", "delete", "insert"])
        if op == "consonant" and low in _CONSONANTS:
            new = rng.choice([c for c in _CONSONANTS if c != low])
            chars[i] = new.upper() if chars[i].isupper() else new
        elif op == "vowel" and low in _PLAIN_VOWELS:
            new = rng.choice([v for v in _PLAIN_VOWELS if v != low])
            chars[i] = new.upper() if chars[i].isupper() else new
        elif op == "delete" and low in _CONSONANTS and 0 < i:
            del chars[i]
        elif op == "insert" and 0 < i:
            chars.insert(i, rng.choice(_CONSONANTS))
        else:
            continue
        out = "".join(chars)
        if _distinct(out, word):
            return out
    raise RuntimeError(f"no near name for {word}")


def _distinct(new: str, old: str) -> bool:
    # ц is тс and щ is шч in every transliteration; a new т before с, or a new doubled letter,
    # would only be a spelling of the same name.
    if re.search(r"тс|шч", new.lower()) and not re.search(r"тс|шч", old.lower()):
        return False
    return plain(new) != plain(old) and len(new) > 1


def sex_swapped(surname: str) -> str | None:
    """The surname of the other sex (Есенов <-> Есенова, Ковальский <-> Ковальская), if any."""
    if surname.endswith(("ова", "ева", "ёва", "ина", "ына")):
        return surname[:-1]
    if surname.endswith("кая"):
        return surname[:-2] + "ий"
    if surname.endswith("ая"):
        return surname[:-2] + "ой"
    changed = feminine(surname)
    return changed if changed != surname else None


def another_person(person: Person, people: People, rng: random.Random) -> Iterator[tuple[str, Person]]:
    """(kind, the other person) for each kind of another person."""
    yield "surname_other", replace(person, surname=(_other_surname(person, people, rng), *person.surname[1:]))
    part = rng.randrange(len(person.surname))
    near = list(person.surname)
    near[part] = near_word(near[part], rng)
    yield "surname_near", replace(person, surname=tuple(near))
    swapped = sex_swapped(person.surname[0])
    if swapped:
        yield "surname_sex", replace(person, surname=(swapped, *person.surname[1:]))
    yield "given_other", replace(person, given=_other_given(person, people, rng))
    yield "given_near", replace(person, given=_near_given(person.given, rng))
    if person.patronymic:
        yield "patronymic_other", replace(person, patronymic=_other_patronymic(person, people, rng))
        near = _near_father_patronymic(person)
        if near:
            yield "patronymic_near", replace(person, patronymic=near)


def _other_surname(person: Person, people: People, rng: random.Random) -> str:
    pool = {"kz": [kz if person.script == "kz" else ru for kz, ru in people.kz_surnames], "ru": people.ru_surnames}
    while True:
        surname = rng.choice(pool.get(person.origin, people.other_surnames))
        surname = feminine(surname) if person.sex == "F" else surname
        if plain(surname) != plain(person.surname[0]):
            return surname


def _other_given(person: Person, people: People, rng: random.Random) -> str:
    if person.origin == "kz":
        pairs = people.kz_female if person.sex == "F" else people.kz_male
        pool = [kz if person.script == "kz" else ru for kz, ru in pairs]
    else:
        pool = people.ru_female if person.sex == "F" else people.ru_male
    while True:
        given = rng.choice(pool)
        if plain(given) != plain(person.given):
            return given


def _near_given(given: str, rng: random.Random) -> str:
    for a, b in NEAR_GIVEN:
        if plain(given) in (plain(a), plain(b)) and rng.random() < 0.7:
            return b if plain(given) == plain(a) else a
    return near_word(given, rng)


def _other_patronymic(person: Person, people: People, rng: random.Random) -> str:
    while True:
        if person.origin == "kz":
            father_kz, father_ru = rng.choice(people.kz_male)
        else:
            father_kz = father_ru = rng.choice(people.ru_male)
        if plain(father_ru) == plain(person.father_ru or ""):
            continue
        if person.style in ("kz", "kz_separate"):
            patronymic = kazakh_patronymic(father_kz, person.sex, person.style == "kz_separate")
        else:
            patronymic = russian_patronymic(father_ru, person.sex)
        return fold_ru(patronymic) if person.script == "ru" else patronymic


def _near_father_patronymic(person: Person) -> str | None:
    """The patronymic of a father whose name is one letter away from this person's father's."""
    father = plain(person.father_kz or person.father_ru or "")
    for a, b in NEAR_FATHERS:
        if father not in (plain(a), plain(b)):
            continue
        other_kz = b if father == plain(a) else a
        if person.style in ("kz", "kz_separate"):
            patronymic = kazakh_patronymic(other_kz, person.sex, person.style == "kz_separate")
        else:
            patronymic = russian_patronymic(fold_ru(other_kz), person.sex)
        return fold_ru(patronymic) if person.script == "ru" else patronymic
    return None


def generate(people_count: int = 900, seed: int = SEED) -> list[Variant]:
    """The corpus: every same-person way for each register entry, and each kind of another person."""
    rng = random.Random(seed)
    people = People(rng)
    variants: list[Variant] = []
    for _ in range(people_count):
        person = people.person()
        register = person.register_name
        seen = {register}
        for kind, typed in same_person(person, rng):
            if typed not in seen or kind == "exact":
                seen.add(typed)
                variants.append(Variant(register, typed, True, kind))
        for kind, other in another_person(person, people, rng):
            style, typed = render(other, rng, keep_patronymic=kind.startswith("patronymic_"))
            variants.append(Variant(register, typed, False, kind, style))
    return variants


if __name__ == "__main__":
    for variant in generate(20):
        print(f"{'same ' if variant.same_person else 'other'} {variant.kind:24} {variant.register:45} {variant.typed}")
