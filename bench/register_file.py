"""A national voter register file of any size, written as a stream (flat memory).

    python bench/register_file.py register.csv --voters 12000000 [--changes 0.01 --seed 2]

The 17 regions and 3 cities of republican significance, each with its voters in proportion to
its population (approximate 2023 figures, an assumption: the shares matter, not the digits),
cut into districts of about 40,000 voters (the 29 Mazhilis districts are drawn over the
same people in the commission's files; here every voter belongs to one maslikhat district,
which is how the register is kept); unique valid IINs (birth dates 1936-2008, both sexes),
Kazakh and Russian names, addresses in the region's centre, and statuses in proportions that
are an assumption too (no published breakdown was found): active 98.2 %, deceased 1.0 %,
removed 0.5 %, imprisoned 0.2 %, declared incompetent 0.1 %.

``--changes F`` writes the same register with a share F of the voters changed (a new address,
a death, a move to another district of the region): what a re-import of next month's file sees.
``districts_csv`` writes the matching districts file for ``manage.py import_places``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (code, English name, Russian name, centre, voters in thousands): 17 regions, 3 cities.
REGIONS = [
    ("AST", "Astana", "Астана", "Астана", 850),
    ("ALA", "Almaty", "Алматы", "Алматы", 1350),
    ("SHY", "Shymkent", "Шымкент", "Шымкент", 650),
    ("ABA", "Abai Region", "Абайская область", "Семей", 420),
    ("AKM", "Akmola Region", "Акмолинская область", "Кокшетау", 550),
    ("AKT", "Aktobe Region", "Актюбинская область", "Актобе", 600),
    ("ALM", "Almaty Region", "Алматинская область", "Конаев", 1000),
    ("ATY", "Atyrau Region", "Атырауская область", "Атырау", 450),
    ("VOS", "East Kazakhstan Region", "Восточно-Казахстанская область", "Усть-Каменогорск", 520),
    ("ZHA", "Zhambyl Region", "Жамбылская область", "Тараз", 750),
    ("ZHE", "Zhetysu Region", "Область Жетісу", "Талдыкорган", 490),
    ("ZAP", "West Kazakhstan Region", "Западно-Казахстанская область", "Уральск", 440),
    ("KAR", "Karaganda Region", "Карагандинская область", "Караганда", 760),
    ("KUS", "Kostanay Region", "Костанайская область", "Костанай", 580),
    ("KZY", "Kyzylorda Region", "Кызылординская область", "Кызылорда", 500),
    ("MAN", "Mangystau Region", "Мангистауская область", "Актау", 460),
    ("PAV", "Pavlodar Region", "Павлодарская область", "Павлодар", 500),
    ("SEV", "North Kazakhstan Region", "Северо-Казахстанская область", "Петропавловск", 390),
    ("YUZ", "Turkestan Region", "Туркестанская область", "Туркестан", 1300),
    ("ULY", "Ulytau Region", "Область Ұлытау", "Жезказган", 150),
]
STATUSES = [("active", 0.982), ("deceased", 0.010), ("removed", 0.005), ("imprisoned", 0.002), ("incompetent", 0.001)]
SURNAMES = ["Ахметов", "Нурланов", "Касымов", "Жумабаев", "Искаков", "Сейтказиев", "Омаров", "Байжанов",
            "Абилкасымов", "Есенов", "Мухамедов", "Тулегенов", "Иванов", "Ким", "Сарсенбаев", "Кенжебеков"]  # fmt: skip
MALE = ["Ерлан", "Нурлан", "Асхат", "Данияр", "Арман", "Бауыржан", "Серик", "Марат", "Тимур", "Алихан"]
FEMALE = ["Айгерим", "Динара", "Жанар", "Сауле", "Гульнара", "Асель", "Мадина", "Аружан", "Камила", "Алия"]
PATRONYMIC_ROOTS = ["Ерлан", "Нурлан", "Серик", "Марат", "Болат", "Кайрат", "Даулет", "Аскар"]
STREETS = ["Абая", "Бухар жырау", "Сатпаева", "Толе би", "Кенесары", "Жамбыла", "Республики", "Достык"]
FIRST_BIRTH, LAST_BIRTH = dt.date(1936, 1, 1), dt.date(2008, 1, 1)


def districts(voters: int) -> list[tuple[str, str, str, int]]:
    """(code, region, centre, voters) for a register of ``voters``."""
    total = sum(r[4] for r in REGIONS)
    # About 40,000 voters a district nationally; smaller registers (short runs) keep about a
    # hundred districts, so a wave of 79 petitions still finds a district for each.
    size = min(40_000, max(100, voters // 100))
    found = []
    for code, region, _ru, centre, thousands in REGIONS:
        share = voters * thousands // total
        count = max(1, round(share / size))
        for n in range(count):
            found.append((f"{code}-{n + 1:02d}", region, centre, share // count + (share % count if n == 0 else 0)))
    missing = voters - sum(d[3] for d in found)
    code, region, centre, size = found[0]
    found[0] = (code, region, centre, size + missing)
    return found


def districts_csv(path: Path, voters: int) -> None:
    ru = {r[1]: r[2] for r in REGIONS}
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["code", "level", "name", "region", "body", "name_ru", "region_ru"])
        for code, region, centre, _size in districts(voters):
            writer.writerow(
                [code, "district", f"{centre} district {code}", region, f"Maslikhat {code}", "", ru[region]]
            )


def rows(voters: int, *, seed: int = 1, changes: float = 0.0) -> Iterator[list[str]]:
    from recall import iin

    base = random.Random(seed)
    days = (LAST_BIRTH - FIRST_BIRTH).days
    statuses, weights = zip(*STATUSES, strict=True)
    changed = random.Random(seed + 1000)
    serial = 0
    plan = districts(voters)
    by_region: dict[str, list[str]] = {}
    for code, region, _centre, _size in plan:
        by_region.setdefault(region, []).append(code)
    for code, region, centre, size in plan:
        for _ in range(size):
            # Unique by construction: (birth day, sex, serial) never repeats; serials 10 apart
            # leave room for iin.make's search of a serial with a check digit.
            born = FIRST_BIRTH + dt.timedelta(days=serial % days)
            sex = "MF"[(serial // days) % 2]
            number = iin.make(born, sex, 10 * (serial // (2 * days)) + 1)
            serial += 1
            surname = base.choice(SURNAMES)
            if sex == "F" and surname.endswith(("ов", "ев", "ин")):
                surname += "а"
            given = base.choice(MALE if sex == "M" else FEMALE)
            patronymic = base.choice(PATRONYMIC_ROOTS) + ("ович" if sex == "M" else "овна")
            address = f"{centre}, ул. {base.choice(STREETS)} {base.randint(1, 200)}, кв. {base.randint(1, 150)}"
            status = base.choices(statuses, weights)[0]
            district = code
            if changes and changed.random() < changes:
                kind = changed.random()
                if kind < 0.6:
                    address = f"{centre}, мкр. {changed.randint(1, 30)}, д. {changed.randint(1, 90)}"
                elif kind < 0.8:
                    status = "deceased"
                else:
                    district = changed.choice(by_region[region])
            yield [number, f"{surname} {given} {patronymic}", born.isoformat(), address, district, status]


def write(path: Path, voters: int, *, seed: int = 1, changes: float = 0.0) -> None:
    with path.open("w", newline="", buffering=1 << 20) as out:
        writer = csv.writer(out)
        writer.writerow(["iin", "full_name", "birth_date", "address", "district", "status"])
        writer.writerows(rows(voters, seed=seed, changes=changes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--voters", type=int, default=12_000_000)
    parser.add_argument("--changes", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--districts", type=Path, help="also write the districts file here")
    args = parser.parse_args()
    write(args.path, args.voters, seed=args.seed, changes=args.changes)
    if args.districts:
        districts_csv(args.districts, args.voters)
    print(f"written {args.path} ({args.path.stat().st_size / 1e6:.0f} MB, {args.voters:,} voters)")


if __name__ == "__main__":
    main()
