"""Who a Kazakh (NCA RK) certificate names: the IIN, the BIN and the parts of the name.

How NCA RK fills the subject (checked on the NCA's own test certificates shipped with NCANode,
``src/test/resources/certs/individual_valid_sign_2004_rsa.cer`` and
``ceo_valid_sign_2004_gost.cer`` in github.com/malikzh/NCANode, and on NCANode's parser
``CertificateWrapper.createCertificateSubjectFromDn``):

=================  ===============  ==============================================
attribute          OID              value
=================  ===============  ==============================================
CN                 2.5.4.3          "SURNAME GIVEN" (surname and given name only)
SURNAME (SN)       2.5.4.4          the surname
SERIALNUMBER       2.5.4.5          "IIN" + 12 digits (a person); "BIN" + 12 digits
                                    for an organisation-only certificate
GIVENNAME (G/GN)   2.5.4.42         the **patronymic** (NCANode calls it lastName,
                                    "usually the patronymic"; FCALayer: "G = Отчество")
O                  2.5.4.10         the organisation's name (legal entities only)
OU                 2.5.4.11         "BIN" + 12 digits (legal entities only)
C                  2.5.4.6          "KZ"
=================  ===============  ==============================================

So the given name is the CN without the surname, and the patronymic is GIVENNAME (absent for
people who have none). The IIN's checksum is not checked here: callers use
``recall.iin.validate``.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import x509 as ax509

_CN = "2.5.4.3"
_SURNAME = "2.5.4.4"
_SERIAL = "2.5.4.5"
_GIVEN = "2.5.4.42"
_ORG = "2.5.4.10"
_ORG_UNIT = "2.5.4.11"
_COUNTRY = "2.5.4.6"


@dataclass(frozen=True)
class Subject:
    iin: str  # "" when the certificate has none
    bin: str  # "" for an individual's certificate
    surname: str
    given_name: str
    patronymic: str
    common_name: str
    organization: str
    country: str

    @property
    def full_name(self) -> str:
        """Surname, given name and patronymic, the parts that exist (the register's order)."""
        return " ".join(part for part in (self.surname, self.given_name, self.patronymic) if part)

    @property
    def is_organisation(self) -> bool:
        return bool(self.bin or self.organization)


def attributes(name: ax509.Name) -> dict[str, list[str]]:
    """Every value of every attribute, by dotted OID, in the order they appear."""
    values: dict[str, list[str]] = {}
    for rdn in name.chosen:
        for type_and_value in rdn:
            oid = type_and_value["type"].dotted
            value = type_and_value["value"].native
            values.setdefault(oid, []).append(_clean(value))
    return values


def parse_subject(name: ax509.Name) -> Subject:
    """Read an NCA RK subject (see the module's table)."""
    values = attributes(name)
    iin, bin_ = "", ""
    for serial in values.get(_SERIAL, []):
        upper = serial.upper()
        if upper.startswith("IIN") and not iin:
            iin = serial[3:].strip()
        elif upper.startswith("BIN") and not bin_:
            bin_ = serial[3:].strip()
    for unit in values.get(_ORG_UNIT, []):
        if unit.upper().startswith("BIN") and not bin_:
            bin_ = unit[3:].strip()
    surname = _first(values, _SURNAME)
    patronymic = _first(values, _GIVEN)
    common_name = _first(values, _CN)
    return Subject(
        iin=iin,
        bin=bin_,
        surname=surname,
        given_name=given_name_from(common_name, surname, patronymic),
        patronymic=patronymic,
        common_name=common_name,
        organization=_first(values, _ORG),
        country=_first(values, _COUNTRY),
    )


def given_name_from(common_name: str, surname: str, patronymic: str) -> str:
    """The CN is "SURNAME GIVEN": drop the surname (and a trailing patronymic, if a CA added it)."""
    words = common_name.split()
    surname_words = surname.split()
    if surname_words and [w.casefold() for w in words[: len(surname_words)]] == [w.casefold() for w in surname_words]:
        words = words[len(surname_words) :]
    elif len(words) > 1:
        words = words[1:]  # no SN attribute: the first word is the surname by NCA's convention
    else:
        return ""
    patronymic_words = patronymic.split()
    if patronymic_words and [w.casefold() for w in words[-len(patronymic_words) :]] == [
        w.casefold() for w in patronymic_words
    ]:
        words = words[: -len(patronymic_words)]
    return " ".join(words)


def _first(values: dict[str, list[str]], oid: str) -> str:
    found = values.get(oid)
    return found[0] if found else ""


def _clean(value: object) -> str:
    # Directory strings may come as any of the ASN.1 string types; collapse inner whitespace.
    return " ".join(str(value).split()) if value is not None else ""
