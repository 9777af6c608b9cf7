"""Synthetic but realistic reference data and voters, for the demo and the benchmarks.

Nothing here is real personal data: names are drawn from common Kazakh and Russian names,
IINs are generated with valid check digits, addresses are invented.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from . import iin

# The 29 single-mandate Mazhilis districts (2023), named after their regions.
MAZHILIS_DISTRICTS: list[tuple[str, str, int]] = [
    # region, administrative centre (as written in the demo's Russian addresses), number of districts
    ("Abai Region", "Семей", 1),
    ("Akmola Region", "Кокшетау", 1),
    ("Aktobe Region", "Актобе", 1),
    ("Almaty Region", "Конаев", 1),
    ("Atyrau Region", "Атырау", 1),
    ("West Kazakhstan Region", "Уральск", 1),
    ("Zhambyl Region", "Тараз", 1),
    ("Zhetysu Region", "Талдыкорган", 1),
    ("Karaganda Region", "Караганда", 2),
    ("Kostanay Region", "Костанай", 1),
    ("Kyzylorda Region", "Кызылорда", 1),
    ("Mangystau Region", "Актау", 1),
    ("Pavlodar Region", "Павлодар", 1),
    ("North Kazakhstan Region", "Петропавловск", 1),
    ("Turkistan Region", "Туркестан", 3),
    ("Ulytau Region", "Жезказган", 1),
    ("East Kazakhstan Region", "Усть-Каменогорск", 1),
    ("Astana", "Астана", 3),
    ("Almaty", "Алматы", 4),
    ("Shymkent", "Шымкент", 2),
]

# The regions' Kazakh and Russian names.
REGION_NAMES: dict[str, tuple[str, str]] = {
    "Abai Region": ("Абай облысы", "Абайская область"),
    "Akmola Region": ("Ақмола облысы", "Акмолинская область"),
    "Aktobe Region": ("Ақтөбе облысы", "Актюбинская область"),
    "Almaty Region": ("Алматы облысы", "Алматинская область"),
    "Atyrau Region": ("Атырау облысы", "Атырауская область"),
    "West Kazakhstan Region": ("Батыс Қазақстан облысы", "Западно-Казахстанская область"),
    "Zhambyl Region": ("Жамбыл облысы", "Жамбылская область"),
    "Zhetysu Region": ("Жетісу облысы", "Область Жетісу"),
    "Karaganda Region": ("Қарағанды облысы", "Карагандинская область"),
    "Kostanay Region": ("Қостанай облысы", "Костанайская область"),
    "Kyzylorda Region": ("Қызылорда облысы", "Кызылординская область"),
    "Mangystau Region": ("Маңғыстау облысы", "Мангистауская область"),
    "Pavlodar Region": ("Павлодар облысы", "Павлодарская область"),
    "North Kazakhstan Region": ("Солтүстік Қазақстан облысы", "Северо-Казахстанская область"),
    "Turkistan Region": ("Түркістан облысы", "Туркестанская область"),
    "Ulytau Region": ("Ұлытау облысы", "Область Ұлытау"),
    "East Kazakhstan Region": ("Шығыс Қазақстан облысы", "Восточно-Казахстанская область"),
    "Astana": ("Астана қаласы", "город Астана"),
    "Almaty": ("Алматы қаласы", "город Алматы"),
    "Shymkent": ("Шымкент қаласы", "город Шымкент"),
}
MAZHILIS = ("Mazhilis of the Parliament", "Парламент Мәжілісі", "Мажилис Парламента")
# Bodies' Kazakh and Russian names.
BODY_NAMES: dict[str, tuple[str, str]] = {
    "Almaty City Maslikhat": ("Алматы қалалық мәслихаты", "Маслихат города Алматы"),
    "Karaganda City Maslikhat": ("Қарағанды қалалық мәслихаты", "Маслихат города Караганды"),
    "Zhanaarka District Maslikhat": ("Жаңаарқа аудандық мәслихаты", "Маслихат Жанааркинского района"),
}
# Parties' Kazakh and Russian names (English first; "" is self-nominated).
PARTY_NAMES: dict[str, tuple[str, str]] = {
    "Amanat": ("«AMANAT» партиясы", "Партия «AMANAT»"),
    "Auyl": (
        "«Ауыл» халықтық-демократиялық патриоттық партиясы",
        "Народно-демократическая патриотическая партия «Ауыл»",
    ),
    "Respublica": ("«Respublica» партиясы", "Партия «Respublica»"),
    "Ak Zhol": ("«Ақ жол» демократиялық партиясы", "Демократическая партия «Ак жол»"),
    "People's Party of Kazakhstan": ("Қазақстан Халық партиясы", "Народная партия Казахстана"),
    "NSDP": ("Жалпыұлттық социал-демократиялық партия", "Общенациональная социал-демократическая партия"),
}

# A few maslikhats: (code prefix, body, region, level, centre, districts)
MASLIKHATS: list[tuple[str, str, str, str, str, int]] = [
    ("ALM", "Almaty City Maslikhat", "Almaty", "regional", "Алматы", 3),
    ("KRG", "Karaganda City Maslikhat", "Karaganda Region", "city", "Караганда", 2),
    ("ZHN", "Zhanaarka District Maslikhat", "Ulytau Region", "district", "Атасу", 2),
]

SURNAMES = [
    "Ахметов",
    "Жумабаев",
    "Касымов",
    "Омаров",
    "Нурланов",
    "Сейткалиев",
    "Абенов",
    "Есимов",
    "Байжанов",
    "Иманов",
    "Искаков",
    "Тулегенов",
    "Иванов",
    "Ким",
    "Смагулов",
    "Мухамедов",
]
MALE_NAMES = ["Ерлан", "Нурлан", "Асхат", "Данияр", "Арман", "Бауыржан", "Серик", "Марат", "Тимур", "Алихан"]
FEMALE_NAMES = ["Айгерим", "Динара", "Жанар", "Сауле", "Гульнара", "Асель", "Мадина", "Аружан", "Камила", "Алия"]
STREETS = ["Абая", "Бухар жырау", "Сатпаева", "Толе би", "Кенесары", "Жамбыла", "Республики", "Достык"]


@dataclass(frozen=True)
class Person:
    iin: str
    full_name: str
    birth_date: dt.date
    address: str
    sex: str


def district_rows() -> list[dict[str, str]]:
    rows = []
    n = 0
    for region, centre, count in MAZHILIS_DISTRICTS:
        for k in range(1, count + 1):
            n += 1
            suffix = f" No. {k}" if count > 1 else ""
            number = f" № {k}" if count > 1 else ""
            region_kk, region_ru = REGION_NAMES[region]
            rows.append(
                {
                    "code": f"MZ-{n:02d}",
                    "name": f"{region} single-member district{suffix}",
                    "name_kk": f"{region_kk} бір мандатты сайлау округі{number}",
                    "name_ru": f"Одномандатный избирательный округ{number} ({region_ru})",
                    "region": region,
                    "region_kk": region_kk,
                    "region_ru": region_ru,
                    "level": "mazhilis",
                    "body": MAZHILIS[0],
                    "body_kk": MAZHILIS[1],
                    "body_ru": MAZHILIS[2],
                    "centre": centre,
                }
            )
    for prefix, body, region, level, centre, count in MASLIKHATS:
        for k in range(1, count + 1):
            region_kk, region_ru = REGION_NAMES[region]
            body_kk, body_ru = BODY_NAMES[body]
            rows.append(
                {
                    "code": f"{prefix}-{k:02d}",
                    "name": f"{body} district No. {k}",
                    "name_kk": f"{body_kk}, № {k} сайлау округі",
                    "name_ru": f"{body_ru}, избирательный округ № {k}",
                    "region": region,
                    "region_kk": region_kk,
                    "region_ru": region_ru,
                    "level": level,
                    "body": body,
                    "body_kk": body_kk,
                    "body_ru": body_ru,
                    "centre": centre,
                }
            )
    return rows


def _surname(base: str, sex: str) -> str:
    if sex == "F" and base.endswith(("ов", "ев", "ин")):
        return base + "а"
    return base


def person(rng: random.Random, serial: int, centre: str, *, today: dt.date) -> Person:
    sex = rng.choice("MF")
    age_days = rng.randint(18 * 365 + 5, 85 * 365)
    birth = today - dt.timedelta(days=age_days)
    first = rng.choice(MALE_NAMES if sex == "M" else FEMALE_NAMES)
    father = rng.choice(MALE_NAMES)
    patronymic = father + ("ович" if sex == "M" else "овна")
    name = f"{_surname(rng.choice(SURNAMES), sex)} {first} {patronymic}"
    address = f"{centre}, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 150)}, кв. {rng.randint(1, 200)}"
    return Person(iin.make(birth, sex, serial % 10_000), name, birth, address, sex)


def people(
    n: int, districts: list[tuple[str, str]], *, seed: int = 2026, today: dt.date | None = None
) -> Iterator[tuple[Person, str]]:
    """``n`` distinct synthetic voters spread over (district code, centre) pairs."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    seen: set[str] = set()
    serial = 0
    while len(seen) < n:
        code, centre = districts[len(seen) % len(districts)]
        serial += 1
        p = person(rng, serial, centre, today=today)
        if p.iin in seen:
            continue
        seen.add(p.iin)
        yield p, code


# Polling stations of a demo district, by the share of its voters on their lists (in tenths):
# a large station, a middling one and two small ones, spread by the voter's IIN.
STATION_SHARES = (1, 1, 1, 1, 1, 2, 2, 2, 3, 4)


def polling_station(code: str, iin: str) -> str:
    """A made-up station number for a voter of district ``code``, numbered after the district
    (901 to 904 for MZ-09)."""
    digits = "".join(ch for ch in code if ch.isdigit()) or "0"
    offset = {"MZ": 0, "ALM": 40, "KRG": 50, "ZHN": 60}.get(code.split("-")[0], 70)
    return str((int(digits) + offset) * 100 + STATION_SHARES[zlib.crc32(iin.encode()) % len(STATION_SHARES)])


def register_csv(rows: Iterator[tuple[Person, str]], *, statuses: dict[int, str] | None = None) -> bytes:
    """A register file in the import format; ``statuses`` overrides the status of row i."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["iin", "full_name", "birth_date", "address", "district", "status", "polling_station"])
    for i, (p, code) in enumerate(rows):
        writer.writerow(
            [
                p.iin,
                p.full_name,
                p.birth_date.isoformat(),
                p.address,
                code,
                (statuses or {}).get(i, "active"),
                polling_station(code, p.iin),
            ]
        )
    return out.getvalue().encode()
