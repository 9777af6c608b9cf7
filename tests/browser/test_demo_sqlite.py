"""The embedded default as `make run` serves it: SQLite, tasks in-process, the demo data, the
development server, text messages printed in its terminal. A voter searches in lower case in
Cyrillic, signs, checks the signature (already under a signed checkpoint: nothing else signs
them without beat) and opens the data held about it, in Kazakh and Russian, in a real browser."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.language import assert_in_language
from tests.helpers import ROOT

pytestmark = [pytest.mark.browser]

# An active voter of the demo's collecting petition's district (MZ-09) who has not signed.
VOTER = """
from recall.models import Petition, Signature, Voter
petition = Petition.objects.get(district__code="MZ-09", state__in=["collecting", "threshold_reached"])
signed = set(Signature.objects.filter(petition=petition).values_list("voter_id", flat=True))
voter = next(v for v in Voter.objects.filter(district__code="MZ-09", status="active").order_by("pk") if v.iin_digest not in signed)
p = voter.personal
print("demo-voter", petition.pk, p["iin"], p["birth_date"], p["full_name"], "|", p["address"], sep="\\t")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`manage.py runserver` on the demo's SQLite file; what it prints is kept (the codes)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError("the development server did not start:\n" + "".join(self.lines))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def last_code(self) -> str:
        texts = [line for line in self.lines if line.startswith("[SMS to ")]
        assert texts, "no text message was printed"
        return re.search(r"\b\d{6}\b", texts[-1]).group()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "RECALL_", "CELERY_"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{Path(tmp_path_factory.mktemp('demo')) / 'demo.sqlite3'}",
        "RECALL_DEMO_CA_DIR": str(tmp_path_factory.mktemp("demo-ca")),
        "PYTHONUNBUFFERED": "1",
    }
    for args in (["migrate", "--noinput", "-v0"], ["load_demo", "--voters", "2000"]):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    # load_demo lists the demo voters who hold an EDS key of the demo's CA.
    holders = re.findall(r"^  (\d{12})  (.+)$", done.stdout, re.MULTILINE)
    assert len(holders) == 5, done.stdout
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", VOTER], cwd=ROOT, env=env, capture_output=True, text=True
    )
    found = [x for x in shown.stdout.splitlines() if x.startswith("demo-voter")]
    assert found, shown.stdout + shown.stderr
    line = found[0]
    _tag, petition, iin, birth, name, _bar, address = line.split("\t")
    server = Server(env)
    yield (
        server,
        {
            "petition": int(petition),
            "iin": iin,
            "birth": birth,
            "name": name,
            "address": address,
            "holders": holders,
        },
    )
    server.stop()


def test_a_voter_searches_signs_checks_and_sees_their_data_on_sqlite(demo, browser, shot):
    server, voter = demo
    context = browser.new_context(locale="ru", viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # Lower-case Cyrillic finds the deputy Есенов.
        page.goto(f"{server.url}/ru/?q=есенов")
        cards = page.locator(".card")
        assert cards.count() == 1 and "Есенова" in cards.first.inner_text()

        # Signing: the code is printed in the server's terminal.
        page.goto(f"{server.url}/ru/petitions/{voter['petition']}/sign/")
        page.locator("#id_iin").fill(voter["iin"])
        page.locator("#id_full_name").fill(voter["name"])
        page.locator("#id_birth_date").fill(voter["birth"])
        page.locator("#id_address").fill(voter["address"])
        page.locator("#id_phone").fill("+7 701 555 44 33")
        page.locator("#id_consent").check()
        page.locator("form[novalidate] button[type=submit]").click()
        page.wait_for_url("**/confirm/**")
        page.locator("#id_code").fill(server.last_code())
        page.locator("button[name=confirm]").click()
        page.wait_for_url("**/receipt/")
        receipt = page.get_by_test_id("receipt").inner_text()

        # The check page: the entry is under a signed checkpoint already (no beat runs here).
        page.get_by_test_id("check-link").click()
        page.locator("#id_iin").fill(voter["iin"])
        page.locator("form[novalidate] button[type=submit]").click()
        entry = page.get_by_test_id("ledger-entry").inner_text()
        assert "доказательство её включения проверено" in entry, entry

        # The own-data page, which once answered "temporarily unavailable" on SQLite.
        for language in ("kk", "ru"):
            page.goto(f"{server.url}/{language}/my-data/")
            page.locator("#id_receipt").fill(receipt)
            page.locator("#id_iin").fill(voter["iin"])
            page.locator("form[novalidate] button[type=submit]:not([name])").click()  # not eGov Mobile's
            page.wait_for_url("**/confirm/**")
            page.locator("#id_code").fill(server.last_code())
            page.locator("button[name=confirm]").click()
            page.wait_for_url(f"**/{language}/my-data/view/")
            assert voter["name"] in page.get_by_test_id("personal-data").inner_text()
            assert page.get_by_test_id("ledger-entries").locator("li").count() == 1
            assert_accessible(page, f"the own-data page on SQLite ({language})")
            assert_in_language(page, language, f"the own-data page on SQLite ({language})")
            shot(page, f"demo-sqlite-own-data-{language}-390")
    finally:
        context.close()
    assert "Traceback" not in "".join(server.lines), "".join(server.lines)[-3000:]


@pytest.mark.parametrize(("language", "width", "key"), [("kk", 390, 0), ("ru", 1280, 1)])
def test_a_demo_voter_signs_with_eds_through_the_dialog_that_plays_ncalayer(demo, browser, shot, language, width, key):
    server, voter = demo
    iin, name = voter["holders"][key]
    context = browser.new_context(locale=language, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{server.url}/{language}/petitions/{voter['petition']}/sign/")
        page.locator("form[action$='/sign/eds/'] button[type=submit]").click()
        page.wait_for_url("**/eds/**")
        page.locator("#id_address").fill(voter["address"])
        page.locator("#id_consent").check()
        page.locator("form[data-eds] button[type=submit]").click()
        dialog = page.locator("dialog#demo-ncalayer")
        dialog.wait_for(state="visible")
        assert name in dialog.inner_text() and iin in dialog.inner_text()
        assert_accessible(page, f"the demo's NCALayer dialog ({language}, {width} px)")
        assert_in_language(page, language, f"the demo's NCALayer dialog ({language})")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"demo-sqlite-eds-dialog-{language}-{width}")
        dialog.locator(f"input[value='{iin}']").check()
        dialog.locator("button[value=sign]").click()
        page.wait_for_url(f"**/{language}/receipt/")
        receipt = page.get_by_test_id("receipt").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt.strip()), receipt
        shot(page, f"demo-sqlite-eds-receipt-{language}-{width}")

        # Cancelling in the dialog signs nothing and says so, as NCALayer's own cancel does.
        page.goto(f"{server.url}/{language}/petitions/{voter['petition']}/sign/")
        page.locator("form[action$='/sign/eds/'] button[type=submit]").click()
        page.wait_for_url("**/eds/**")
        page.locator("#id_address").fill(voter["address"])
        page.locator("#id_consent").check()
        page.locator("form[data-eds] button[type=submit]").click()
        dialog.wait_for(state="visible")
        dialog.locator("button[value=cancel]").click()
        # A selector, not wait_for_function: a polled string is eval'd in the page, which the
        # page's CSP (no 'unsafe-eval') refuses in newer Chromium.
        page.locator("form[data-eds][data-eds-state='cancelled']").wait_for(state="attached")
        assert page.locator("[data-eds-message]").is_visible()
    finally:
        context.close()
    assert "Traceback" not in "".join(server.lines), "".join(server.lines)[-3000:]
