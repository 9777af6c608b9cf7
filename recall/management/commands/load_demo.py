"""Synthetic demo data: districts, deputies, commissions, officials, a register and petitions
in several states. Everything goes through the same services the service itself uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiClient, ApiKey, Commission, Role, User
from recall import demo_data
from recall.crypto import iin_digest
from recall.demo import keys as demo_keys
from recall.ledger import sampling_draw
from recall.models import (
    Deputy,
    District,
    GroundsCategory,
    Mandate,
    PaperImport,
    Petition,
    PetitionState,
    PetitionTransition,
    Signature,
    Voter,
)
from recall.services import ledger, lifecycle, signing, verification
from recall.services.groups import deputies
from recall.services.jobs.register_import import import_register
from recall.services.ledger import sampling
from recall.services.verification import paper_import, review

TERM_START = dt.date(2023, 3, 29)  # Mazhilis and maslikhats elected on 19 March 2023
TERM_END = dt.date(2028, 3, 29)

LOGINS = [
    # username, password, commission, role, description
    (
        "cec",
        "demo-cec-2026",
        "Central Election Commission",
        Role.OFFICIAL,
        "official of the central commission (all districts)",
    ),
    (
        "karaganda",
        "demo-krg-2026",
        "Karaganda Regional Territorial Commission",
        Role.OFFICIAL,
        "official of a territorial commission (Karaganda Region)",
    ),
    ("observer", "demo-obs-2026", "Central Election Commission", Role.OBSERVER, "observer (sees all, changes nothing)"),
]
# A fixed key so the README's API examples work on the demo (never used outside the demo).
DEMO_KEY = "demo2026.local-demo-partner-key-not-secret"
# Districts where the demo petitions run get more voters.
FEATURED = ["MZ-09", "MZ-19", "MZ-25", "ALM-01", "KRG-01", "KRG-02", "ZHN-01"]
# Tasks run in-process in the embedded default; the demo verifies what it signs as it goes.

DEPUTY_NAMES = [
    "Жаксылыков Ерлан Маратович",
    "Сулейменова Айгуль Нурлановна",
    "Петров Виктор Андреевич",
    "Абдрахманов Талгат Серикович",
    "Касенова Мадина Ерлановна",
    "Оспанов Бауыржан Асхатович",
    "Ким Александр Вячеславович",
    "Нургалиева Жанар Тимуровна",
    "Есенов Арман Даниярович",
    "Мусина Динара Болатовна",
]
PARTIES = ["Amanat", "Auyl", "Respublica", "Ak Zhol", "People's Party of Kazakhstan", "NSDP", ""]


def party_names(party: str) -> dict[str, str]:
    kk, ru = demo_data.PARTY_NAMES.get(party, ("", ""))
    return {"party": party, "party_kk": kk, "party_ru": ru}


# The demo's grounds in Kazakh and Russian, by their English text (the statement as applied).
GROUNDS_TRANSLATIONS: dict[str, tuple[str, str]] = {
    "The deputy promised to have the Karaganda–Temirtau road rebuilt by 2025 and has not raised "
    "it once in the Mazhilis; he missed 40% of plenary sessions in 2025.": (
        "Депутат Қарағанды–Теміртау жолын 2025 жылға дейін қайта салуға уәде берді, бірақ Мәжілісте бұл "
        "мәселені бірде-бір рет көтерген жоқ; 2025 жылы жалпы отырыстардың 40%-ына қатыспады.",
        "Депутат обещал добиться реконструкции дороги Караганда–Темиртау к 2025 году и ни разу не поднял "
        "этот вопрос в Мажилисе; в 2025 году он пропустил 40% пленарных заседаний.",
    ),
    "The deputy voted for building over the only public garden of the district after promising to protect it.": (
        "Депутат округтегі жалғыз саябақты қорғауға уәде беріп, оның орнына құрылыс салуға дауыс берді.",
        "Депутат обещал защитить единственный сквер округа, а затем проголосовал за его застройку.",
    ),
    "Not one of the five district promises was kept.": (
        "Округке берілген бес уәденің бірде-біреуі орындалмады.",
        "Ни одно из пяти обещаний, данных округу, не выполнено.",
    ),
    "The deputy was convicted of an administrative offence.": (
        "Депутат әкімшілік құқық бұзушылық үшін жазаланды.",
        "Депутат привлечён к ответственности за административное правонарушение.",
    ),
    "The programme promised a clinic in the micro-district; nothing has been done.": (
        "Бағдарламада шағын ауданда емхана салу уәде етілген еді; ештеңе жасалған жоқ.",
        "Программа обещала поликлинику в микрорайоне; ничего не сделано.",
    ),
    "Petition filed with an incomplete initiative group.": (
        "Өтініш бастамашыл топ толық жасақталмай тұрып берілді.",
        "Заявление подано неполной инициативной группой.",
    ),
}
# Grounds given in Kazakh and Russian only: the English page notes that it shows them in Russian.
NOT_IN_ENGLISH = {
    "The deputy has not held a single reception of voters since the election.": (
        "Депутат сайлаудан бері сайлаушыларды бірде-бір рет қабылдаған жоқ.",
        "Депутат со дня выборов не провёл ни одного приёма избирателей.",
    ),
}


class Command(BaseCommand):
    help = "Load synthetic demo data (skipped if demo data is already there, unless --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--voters", type=int, default=6000, help="Size of the synthetic register (default 6000).")
        parser.add_argument("--force", action="store_true", help="Load even if districts already exist.")

    def handle(self, *args: Any, voters: int, force: bool, **options: Any) -> None:
        if District.objects.exists() and not force:
            self.stdout.write("Demo data is already loaded.")
        else:
            self.load(voters)
        if settings.RECALL_DEMO and (force or not demo_keys.exists()):
            self.eds_keys()
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write("Demo logins for http://127.0.0.1:8000/admin/ :")
        for username, password, _commission, _role, description in LOGINS:
            self.stdout.write(f"  {username:<10} {password:<15} {description}")
        self.stdout.write(f"Demo partner API key (scopes read, sign, webhooks): {DEMO_KEY}")
        holders = demo_keys.holders() if settings.RECALL_DEMO else []
        if holders:
            self.stdout.write('Demo EDS keys ("Sign with EDS" offers them in place of NCALayer):')
            for holder in holders:
                self.stdout.write(f"  {holder.iin}  {holder.full_name}")

    def eds_keys(self) -> None:
        """A demo CA and signing keys for voters of the collecting district who have not signed."""
        people = [p for p, district in self.register_people() if district == "MZ-09"][100:]
        active = set(
            Voter.objects.filter(
                iin_digest__in=[iin_digest(p.iin) for p in people], status="active", district__code="MZ-09"
            ).values_list("iin_digest", flat=True)
        )
        holders = [demo_keys.DemoKey(p.iin, p.full_name) for p in people if iin_digest(p.iin) in active][:5]
        demo_keys.create(holders)
        self.stdout.write(f"Demo EDS: a CA and {len(holders)} voters' keys in {demo_keys.directory()}.")

    def register_people(self) -> list[tuple[demo_data.Person, str]]:
        """The demo register's people and districts, as ``register`` made them (the same seed)."""
        if not hasattr(self, "people"):
            self.people = list(demo_data.people(Voter.objects.count(), self.spread(), seed=7))
        return self.people

    @staticmethod
    def spread() -> list[tuple[str, str]]:
        """Half the voters in the featured districts, the rest spread over all of them."""
        rows = demo_data.district_rows()
        weighted = [(r["code"], r["centre"]) for r in rows]
        featured = [(r["code"], r["centre"]) for r in rows if r["code"] in FEATURED]
        return weighted + featured * max(1, len(weighted) // len(featured))

    def load(self, voters: int) -> None:
        rng = random.Random(2026)
        with transaction.atomic():
            districts = self.districts()
            self.deputies(districts, rng)
            self.commissions(districts)
        self.register(voters)
        self.petitions(rng)
        # What beat would sign within seconds: every ledger checkpointed at its current size.
        ledger.sign_due_checkpoints()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def districts(self) -> dict[str, District]:
        out = {}
        for row in demo_data.district_rows():
            district, _ = District.objects.update_or_create(
                code=row["code"],
                defaults={k: row[k] for k in District.TRANSLATED + ("level",)}
                | {f"{k}_{lang}": row[f"{k}_{lang}"] for k in District.TRANSLATED for lang in ("kk", "ru")},
            )
            out[district.code] = district
        return out

    def deputies(self, districts: dict[str, District], rng: random.Random) -> None:
        for i, district in enumerate(districts.values()):
            Deputy.objects.get_or_create(
                district=district,
                defaults={
                    "full_name": DEPUTY_NAMES[i % len(DEPUTY_NAMES)] if i < len(DEPUTY_NAMES) else self.name(rng),
                    **party_names(rng.choice(PARTIES)),
                    "mandate": Mandate.SINGLE,
                    "level": district.level,
                    "term_start": TERM_START,
                    "term_end": TERM_END,
                },
            )
        for party in PARTIES[:4]:  # party-list Mazhilis deputies: not recallable by voters
            Deputy.objects.get_or_create(
                full_name=self.name(rng),
                defaults={
                    **party_names(party),
                    "mandate": Mandate.PARTY_LIST,
                    "level": "mazhilis",
                    "term_start": TERM_START,
                    "term_end": TERM_END,
                },
            )

    @staticmethod
    def name(rng: random.Random) -> str:
        return demo_data.person(rng, rng.randint(1, 9999), "Астана", today=dt.date(2026, 1, 1)).full_name

    def commissions(self, districts: dict[str, District]) -> None:
        central, _ = Commission.objects.get_or_create(
            name="Central Election Commission", defaults={"is_central": True, "email": "cec@example.kz"}
        )
        karaganda, _ = Commission.objects.get_or_create(
            name="Karaganda Regional Territorial Commission", defaults={"email": "karaganda-tec@example.kz"}
        )
        karaganda.districts.set([d for d in districts.values() if d.region == "Karaganda Region"])
        almaty, _ = Commission.objects.get_or_create(
            name="Almaty City Territorial Commission", defaults={"email": "almaty-tec@example.kz"}
        )
        almaty.districts.set([d for d in districts.values() if d.region == "Almaty"])
        commissions = {c.name: c for c in (central, karaganda, almaty)}
        for username, password, commission, role, _description in LOGINS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "commission": commissions[commission],
                    "role": role,
                    "is_staff": True,
                    "email": f"{username}@example.kz",
                },
            )
            if created:
                user.set_password(password)
                user.save()
        if not User.objects.filter(is_superuser=True).exists():
            User.objects.create_superuser("admin", "admin@example.kz", "demo-admin-2026")

    def register(self, voters: int) -> None:
        people = list(demo_data.people(voters, self.spread(), seed=7))
        statuses = dict.fromkeys(range(5, len(people), 97), "deceased")
        statuses.update(dict.fromkeys(range(11, len(people), 211), "imprisoned"))
        self.people = people
        result = import_register(io.BytesIO(demo_data.register_csv(iter(people), statuses=statuses)), source="demo")
        self.stdout.write(f"Register: {result.total} voters.")

    def members(self, code: str, n: int) -> list[str]:
        found = []
        for person, district in self.people:
            if district == code:
                found.append(person.iin)
        active = set(
            Voter.objects.filter(iin_digest__in=[iin_digest(i) for i in found], status="active").values_list(
                "iin_digest", flat=True
            )
        )
        return [i for i in found if iin_digest(i) in active][:n]

    def apply(self, code: str, grounds: str, text: str, members: int = 35) -> Petition:
        deputy = Deputy.objects.get(district__code=code, mandate=Mandate.SINGLE)
        if text in NOT_IN_ENGLISH:
            kk, ru = NOT_IN_ENGLISH[text]
            text, translations = ru, {"kk": kk, "ru": ru}
        else:
            kk, ru = GROUNDS_TRANSLATIONS[text]
            translations = {"kk": kk, "ru": ru, "en": text}
        return lifecycle.apply(
            deputy=deputy,
            grounds_category=grounds,
            grounds_text=text,
            grounds_translations=translations,
            initiative_iins=self.members(code, members),
            contact_email=f"initiative-{code.lower()}@example.kz",
            actor=None,
        )

    def signers(self, code: str, count: int, *, skip: int = 40) -> list[demo_data.Person]:
        """Voters of the district (after the initiative group), whatever their register status."""
        return [p for p, district in self.people if district == code][skip : skip + count]

    @staticmethod
    def enough(petition: Petition, extra: int) -> int:
        """Signers to cross the threshold even though some of them have no right to vote."""
        return petition.required_signatures * 11 // 10 + extra

    def sign_web(self, petition: Petition, people: list[demo_data.Person]) -> None:
        for person in people:
            signer = signing.check_signer(
                iin=person.iin,
                full_name=person.full_name,
                birth_date=person.birth_date,
                address=person.address,
                phone="+7701" + person.iin[-7:],
            )
            signing.sign_on_web(petition.pk, signer)

    def sign_partner(self, petition: Petition, people: list[demo_data.Person]) -> None:
        for person in people:
            signer = signing.check_signer(
                iin=person.iin, full_name=person.full_name, birth_date=person.birth_date, address=person.address
            )
            signing.sign_for_partner(petition.pk, signer, client_id=self.partner.pk)

    def sign_paper(self, petition: Petition, people: list[demo_data.Person], *, misspelt: int = 1) -> None:
        lines = ["sheet,line,iin,full_name,birth_date,address,signed_on,collector"]
        for i, person in enumerate(people):
            name = person.full_name.upper() if i else person.full_name.replace("а", "о", 1)  # one misspelt name
            address = "" if i == len(people) - 1 else person.address  # one line without an address
            lines.append(
                f'1,{i + 1},{person.iin},{name},{person.birth_date:%d.%m.%Y},"{address}",'
                f"{timezone.localdate():%d.%m.%Y},Сарсенова Айгерим"
            )
        job = PaperImport.objects.create(
            petition=petition, file=ContentFile("\n".join(lines).encode(), name="demo-sheets.csv")
        )
        paper_import.run_job(job.pk)

    def demo_partner(self) -> None:
        self.partner, _ = ApiClient.objects.get_or_create(
            name="eGov mobile (demo partner)", defaults={"contact_email": "partner@example.kz"}
        )
        if not ApiKey.objects.filter(prefix=DEMO_KEY.partition(".")[0]).exists():
            generator = ApiKey.objects.key_generator
            prefix = DEMO_KEY.partition(".")[0]
            hashed = generator.hash(DEMO_KEY)
            ApiKey.objects.create(
                id=f"{prefix}.{hashed}",
                prefix=prefix,
                hashed_key=hashed,
                client=self.partner,
                name="demo",
                scopes=["read", "sign", "webhooks"],
            )

    def petitions(self, rng: random.Random) -> None:
        now = timezone.now()
        self.demo_partner()
        cec = User.objects.get(username="cec")

        # Karaganda, Mazhilis: collecting, with web, partner and paper signatures.
        collecting = self.apply(
            "MZ-09",
            GroundsCategory.PROGRAMME,
            "The deputy promised to have the Karaganda–Temirtau road rebuilt by 2025 and has not raised "
            "it once in the Mazhilis; he missed 40% of plenary sessions in 2025.",
        )
        collecting = lifecycle.register(collecting, actor=None)
        deputies.publish_answer(
            collecting,
            actor=cec,
            texts={
                "en": "The road is included in the 2027 national budget; I have sent four inquiries to the ministry.",
                "ru": "Дорога включена в республиканский бюджет 2027 года; я направил четыре запроса в министерство.",
            },
        )
        people = self.signers("MZ-09", 40)
        self.sign_web(collecting, people[:24])
        self.sign_partner(collecting, people[24:30])
        self.sign_paper(collecting, people[30:36])

        # Almaty city maslikhat: the threshold is reached.
        alm = self.apply(
            "ALM-01",
            GroundsCategory.LOST_TRUST,
            "The deputy voted for building over the only public garden of the district after promising to protect it.",
        )
        alm = lifecycle.register(alm, actor=None)
        self.sign_web(alm, self.signers("ALM-01", self.enough(alm, 8)))

        # Karaganda city maslikhat: submitted and under verification, with a random sample to decide.
        verifying = self.apply(
            "KRG-01", GroundsCategory.PROGRAMME, "Not one of the five district promises was kept.", members=12
        )
        verifying = lifecycle.register(verifying, actor=None)
        self.sign_web(verifying, self.signers("KRG-01", self.enough(verifying, 12)))
        verification.verify_all()
        verifying.refresh_from_db()
        lifecycle.submit(verifying, actor=cec, reason="Sheets handed in by the initiative group.")
        lifecycle.start_verification(verifying, actor=cec)
        # The sample's seed: the commission's and the initiative group's shares committed in the
        # ledger, the beacon round fixed, both revealed. The sample is drawn once the round
        # exists (a minute later here: beat's draw-due-samples, or "Draw the sample" in the admin).
        sampling.commit_for_commission(verifying, actor=cec)
        share = hashlib.sha256(b"demo share of the initiative group").digest()
        sampling.commit(
            verifying, party=sampling.GROUP, commitment=sampling_draw.party_commitment(sampling.GROUP, share)
        )
        sampling.fix_round(verifying, actor=cec)
        sampling.reveal_for_commission(verifying, actor=cec)
        sampling.reveal(verifying, party=sampling.GROUP, reveal=share.hex())

        # Zhanaarka district maslikhat: the whole way to a recall.
        recalled = self.apply(
            "ZHN-01", GroundsCategory.LOST_TRUST, "The deputy was convicted of an administrative offence.", members=12
        )
        recalled = lifecycle.register(recalled, actor=None)
        self.sign_web(recalled, self.signers("ZHN-01", self.enough(recalled, 5)))
        verification.verify_all()
        recalled.refresh_from_db()
        lifecycle.submit(recalled, actor=cec)
        lifecycle.start_verification(recalled, actor=cec)
        for signature in Signature.objects.filter(petition=recalled, state="review"):
            review.decide(signature.pk, actor=cec, valid=True, note="Checked against the passport copy.")
        recalled.refresh_from_db()
        lifecycle.certify(recalled, actor=cec)
        lifecycle.schedule_recall_vote(recalled, actor=cec)
        voters = recalled.registered_voters
        lifecycle.record_recall_vote(
            recalled,
            actor=cec,
            held_on=timezone.localdate(),
            registered_voters=voters,
            ballots_cast=voters // 2,
            votes_for=voters // 3,
            votes_against=voters // 2 - voters // 3,
        )

        self.apply(
            "MZ-19",
            GroundsCategory.LOST_TRUST,
            "The deputy has not held a single reception of voters since the election.",
        )
        expired = self.apply(
            "KRG-02",
            GroundsCategory.PROGRAMME,
            "The programme promised a clinic in the micro-district; nothing has been done.",
            members=12,
        )
        lifecycle.register(expired, actor=None)
        # The demo's history: this window ran in the spring and closed short of the threshold.
        Petition.objects.filter(pk=expired.pk).update(
            applied_at=now - dt.timedelta(days=240),
            registered_at=now - dt.timedelta(days=230),
            window_start=now - dt.timedelta(days=230),
            window_end=now - dt.timedelta(days=200),
        )
        # Its history too: registered when its window opened, not today (a window that ended
        # before the petition was registered is what the public page showed otherwise).
        PetitionTransition.objects.filter(petition=expired, to_state=PetitionState.APPLIED).update(
            at=now - dt.timedelta(days=240)
        )
        PetitionTransition.objects.filter(petition=expired).exclude(to_state=PetitionState.APPLIED).update(
            at=now - dt.timedelta(days=230)
        )
        lifecycle.close_due_windows()
        PetitionTransition.objects.filter(petition=expired, to_state=PetitionState.EXPIRED).update(
            at=now - dt.timedelta(days=200)
        )
        refused = self.apply(
            "MZ-25", GroundsCategory.LOST_TRUST, "Petition filed with an incomplete initiative group.", members=31
        )
        lifecycle.refuse(
            refused, actor=None, reason="Application filed before the group's meeting minutes were signed."
        )
        verification.verify_all()
