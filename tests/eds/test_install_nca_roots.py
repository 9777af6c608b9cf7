"""manage.py install_nca_roots: the NCA's certificates from a local HTTP server (or a directory),
each checked against its pin; a mismatch or a missing pin installs nothing; what it installs is
what the built-in backend then trusts."""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command

from recall.eds import nca_roots
from recall.eds.builtin import BuiltinVerifier

from .ca import TestCA, sign_cms


def der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def gost_stand_in(responder) -> TestCA:
    """A second authority standing in for the GOST chain (the command checks bytes and shape,
    not the algorithm)."""
    return responder.register(TestCA(responder.url, slug="gost", name="TEST GOST"))


@pytest.fixture
def published(tmp_path, ca, gost_stand_in) -> tuple[Path, dict[str, str]]:
    """The four files as the NCA publishes them, and their fingerprints."""
    folder = tmp_path / "published"
    folder.mkdir()
    files = {
        "root_rsa_2020.cer": der(ca.root),
        "nca_rsa_2022.cer": der(ca.intermediate),
        "root_gost_2022.cer": der(gost_stand_in.root),
        # PEM, as some mirrors serve it: the pin is over the DER bytes either way.
        "nca_gost_2022.cer": gost_stand_in.intermediate.public_bytes(serialization.Encoding.PEM),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    pins = {name: nca_roots.fingerprint(nca_roots.to_der(data)) for name, data in files.items()}
    return folder, pins


@pytest.fixture
def server(published):
    folder, _pins = published
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def pins_args(pins: dict[str, str]) -> list[str]:
    return [f"--fingerprint={name}={value}" for name, value in pins.items()]


def install(*args: str) -> str:
    out = io.StringIO()
    call_command("install_nca_roots", *args, stdout=out)
    return out.getvalue()


def test_it_downloads_checks_and_installs_every_certificate(tmp_path, server, published, ca, certs, statement):
    _folder, pins = published
    target = tmp_path / "nca"
    output = install("--dir", str(target), "--base-url", server, *pins_args(pins))
    assert sorted(p.name for p in target.iterdir()) == sorted(pins)
    roots = next(line for line in output.splitlines() if line.startswith("RECALL_EDS_TRUST_ROOTS="))
    intermediates = next(line for line in output.splitlines() if line.startswith("RECALL_EDS_INTERMEDIATES="))
    verifier = BuiltinVerifier(
        roots.partition("=")[2].split(","), intermediates=intermediates.partition("=")[2].split(","), timeout=2
    )
    info = verifier.verify(sign_cms(statement, certs["rsa"]), expected_content=statement, at=dt.datetime.now(dt.UTC))
    assert info.iin == "900101300017"


def test_a_fingerprint_mismatch_installs_nothing(tmp_path, server, published):
    _folder, pins = published
    pins["nca_gost_2022.cer"] = "AB:" * 31 + "AB"
    target = tmp_path / "nca"
    with pytest.raises(CommandError, match="nca_gost_2022.cer: SHA-256 .* is not the pinned"):
        install("--dir", str(target), "--base-url", server, *pins_args(pins))
    assert not target.exists() or not any(target.iterdir())


def test_a_certificate_swapped_on_the_server_is_refused(tmp_path, server, published, gost_stand_in):
    folder, pins = published
    (folder / "root_rsa_2020.cer").write_bytes(der(gost_stand_in.root))  # someone else's root
    with pytest.raises(CommandError, match="root_rsa_2020.cer"):
        install("--dir", str(tmp_path / "nca"), "--base-url", server, *pins_args(pins))


def test_without_a_pin_for_every_certificate_it_refuses(tmp_path, server, published):
    _folder, pins = published
    pins.pop("root_gost_2022.cer")
    with pytest.raises(CommandError, match="No pinned fingerprint for root_gost_2022.cer"):
        install("--dir", str(tmp_path / "nca"), "--base-url", server, *pins_args(pins))


def test_it_installs_files_downloaded_by_hand(tmp_path, published):
    folder, pins = published
    target = tmp_path / "nca"
    install("--dir", str(target), "--from", str(folder), *pins_args(pins))
    assert (target / "nca_gost_2022.cer").read_bytes()[:1] == b"\x30"  # written as DER


def test_an_intermediate_in_the_place_of_a_root_is_refused(tmp_path, published, ca):
    folder, pins = published
    (folder / "root_rsa_2020.cer").write_bytes(der(ca.intermediate))
    pins["root_rsa_2020.cer"] = nca_roots.fingerprint(der(ca.intermediate))
    with pytest.raises(CommandError, match="a root must be self-issued"):
        install("--dir", str(tmp_path / "nca"), "--from", str(folder), *pins_args(pins))


def test_an_unreachable_server_installs_nothing(tmp_path, published):
    _folder, pins = published
    with pytest.raises(CommandError, match="nothing installed"):
        install("--dir", str(tmp_path / "nca"), "--base-url", "http://127.0.0.1:9/", "--timeout", "2", *pins_args(pins))
