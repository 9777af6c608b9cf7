"""The demo's EDS keys: a certificate authority made on the demo's machine and keys of its voters.

``load_demo`` creates them in ``RECALL_DEMO_CA_DIR`` (once; kept between runs):

- ``root.pem`` and ``intermediate.pem``: the demo CA, which the embedded default's EDS backend
  trusts (``config.settings.local``);
- ``voters/<IIN>.pem`` (the certificate and its chain) and ``voters/<IIN>.key``: an NCA-shaped
  signing certificate of a voter of the demo register, with the register's name in it;
- ``voters.json``: who holds a key, for the page that plays NCALayer (``recall.demo.views``).

Nothing here is used unless ``DEBUG`` and ``RECALL_DEMO`` are both on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from .ca import Issued, NcaShapedCA, sign_cms

INDEX = "voters.json"


@dataclass(frozen=True)
class DemoKey:
    iin: str
    full_name: str


def directory() -> Path:
    return Path(settings.RECALL_DEMO_CA_DIR)


def enabled() -> bool:
    """The demo's strong path is served: a development server of the demo, never a deployment."""
    return bool(settings.DEBUG and settings.RECALL_DEMO)


def exists() -> bool:
    return (directory() / INDEX).is_file()


def create(people: Iterable[DemoKey]) -> list[DemoKey]:
    """A new demo CA and a signing key for each person (surname, given name, patronymic)."""
    base = directory()
    (base / "voters").mkdir(parents=True, exist_ok=True)
    ca = NcaShapedCA("http://127.0.0.1:8000/demo-ca", slug="demo", name="DEMO")
    pem = serialization.Encoding.PEM
    (base / "root.pem").write_bytes(ca.root.public_bytes(pem))
    (base / "intermediate.pem").write_bytes(ca.intermediate.public_bytes(pem))
    issued = []
    for person in people:
        surname, given_name, *rest = person.full_name.split()
        certificate = ca.issue(
            iin=person.iin,
            surname=surname.upper(),
            given_name=given_name.upper(),
            patronymic=" ".join(rest).upper(),
        )
        certificate.write(base / "voters", person.iin)
        issued.append(person)
    (base / INDEX).write_text(json.dumps([asdict(k) for k in issued], ensure_ascii=False, indent=1), "utf-8")
    return issued


def holders() -> list[DemoKey]:
    if not exists():
        return []
    return [DemoKey(**row) for row in json.loads((directory() / INDEX).read_text("utf-8"))]


def load(iin: str) -> Issued | None:
    """The voter's certificate, its chain and key; None for an IIN that holds no demo key."""
    if not iin.isdigit() or iin not in {k.iin for k in holders()}:
        return None
    base = directory() / "voters"
    certificates = x509.load_pem_x509_certificates((base / f"{iin}.pem").read_bytes())
    key = serialization.load_pem_private_key((base / f"{iin}.key").read_bytes(), password=None)
    return Issued(certificates[0], key, certificates[1:])  # type: ignore[arg-type]


def sign(iin: str, content: bytes) -> bytes | None:
    """An attached CMS over ``content`` with the voter's demo key, as NCALayer makes it."""
    issued = load(iin)
    return None if issued is None else sign_cms(content, issued)
