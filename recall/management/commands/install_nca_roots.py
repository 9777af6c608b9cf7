"""Download (or take from a directory) the NCA's root and intermediate certificates, check each
against its pinned SHA-256, and install them for the built-in EDS backend.

    manage.py install_nca_roots --dir /etc/recall/nca --fingerprint root_rsa_2020.cer=<sha256> ...
    manage.py install_nca_roots --dir /etc/recall/nca --from ~/Downloads/nca --fingerprint ...

All or nothing: every certificate is fetched and checked before any file is written, and a
mismatch refuses the lot. Prints the settings that name the files (RECALL_EDS_TRUST_ROOTS,
RECALL_EDS_INTERMEDIATES). Pins: recall.eds.nca_roots.PINNED, and ``--fingerprint`` for each
certificate without one (README, "Installing the NCA's certificates").
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recall.eds import nca_roots

MAX_BYTES = 64 * 1024  # a CA certificate is a few KB


class Command(BaseCommand):
    help = "Install the NCA's root and intermediate certificates, each checked against a pinned SHA-256."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", required=True, help="Where to write the certificates (created if missing).")
        parser.add_argument(
            "--from",
            dest="source",
            help="Take the files from this directory (downloaded by hand) instead of downloading them.",
        )
        parser.add_argument(
            "--base-url",
            default=nca_roots.DEFAULT_BASE_URL,
            help="Where the NCA publishes them (default: %(default)s).",
        )
        parser.add_argument(
            "--fingerprint",
            action="append",
            default=[],
            metavar="NAME=SHA256",
            help="The SHA-256 a certificate must have (overrides the built-in pin); repeat for each.",
        )
        parser.add_argument("--timeout", type=float, default=20.0)

    def handle(self, *args: Any, **options: Any) -> None:
        pins = self._pins(options["fingerprint"])
        missing = [c.name for c in nca_roots.CERTIFICATES if c.name not in pins]
        if missing:
            raise CommandError(
                "No pinned fingerprint for "
                + ", ".join(missing)
                + ": compare each file's SHA-256 with the one the NCA publishes at pki.gov.kz and give it with "
                '--fingerprint NAME=SHA256 (README, "Installing the NCA\'s certificates").'
            )
        checked: dict[str, bytes] = {}
        for entry in nca_roots.CERTIFICATES:
            data = self._read(entry.name, options)
            try:
                checked[entry.name] = nca_roots.check(entry, data, pins[entry.name])
            except nca_roots.NotAccepted as error:
                raise CommandError(f"Refused, nothing installed: {error}") from error
        target = Path(options["dir"])
        target.mkdir(parents=True, exist_ok=True)
        for name, der in checked.items():
            _write_atomically(target / name, der)
            self.stdout.write(f"ok {name} sha256 {nca_roots.fingerprint(der)}")
        roots = ",".join(str(target / c.name) for c in nca_roots.CERTIFICATES if c.root)
        intermediates = ",".join(str(target / c.name) for c in nca_roots.CERTIFICATES if not c.root)
        self.stdout.write(f"RECALL_EDS_TRUST_ROOTS={roots}")
        self.stdout.write(f"RECALL_EDS_INTERMEDIATES={intermediates}")

    def _pins(self, given: list[str]) -> dict[str, str]:
        pins = dict(nca_roots.PINNED)
        for item in given:
            name, sep, value = item.partition("=")
            if not sep or name not in nca_roots.BY_NAME:
                known = ", ".join(nca_roots.BY_NAME)
                raise CommandError(f"--fingerprint {item!r}: NAME=SHA256, NAME one of {known}")
            try:
                pins[name] = nca_roots.normalize_fingerprint(value)
            except nca_roots.NotAccepted as error:
                raise CommandError(str(error)) from error
        return pins

    def _read(self, name: str, options: dict[str, Any]) -> bytes:
        if options["source"]:
            path = Path(options["source"]) / name
            if not path.is_file():
                raise CommandError(f"{path}: no such file, nothing installed")
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(f"{path}: too large for a certificate, nothing installed")
            return path.read_bytes()
        url = options["base_url"].rstrip("/") + "/" + name
        try:
            with requests.get(url, timeout=options["timeout"], stream=True) as response:
                response.raise_for_status()
                data = response.raw.read(MAX_BYTES + 1, decode_content=True)
        except requests.RequestException as error:
            raise CommandError(
                f"{url}: {error}; nothing installed (or use --from with files downloaded by hand)"
            ) from error
        if len(data) > MAX_BYTES:
            raise CommandError(f"{url}: too large for a certificate, nothing installed")
        return data


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers (a worker starting) never see half a file: write beside it, then rename."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
