"""recall/static/recall/eds.js in Chromium, talking to the fake NCALayer over wss.

A small page (no Django) carries the form and its data attributes; the form posts to the same
little server, which keeps what it received.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import socket
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from .fake_ncalayer import FakeNCALayer
from .responder import QuietServer

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
EDS_JS = Path(__file__).resolve().parents[2] / "recall" / "static" / "recall" / "eds.js"
MESSAGES = {
    "unavailable": "NCALayer іске қосылмаған",
    "cancelled": "Қол қою тоқтатылды",
    "wrong-key": "Бұл кілт жарамайды",
    "error": "Қате",
}


class Page:
    """Serves the form page and eds.js; records the form posts."""

    def __init__(self) -> None:
        self.attributes: dict[str, str] = {}
        self.posts: list[dict[str, list[str]]] = []
        self._server = QuietServer(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def html(self) -> bytes:
        attrs = " ".join(f'data-eds-{k}="{html.escape(v)}"' for k, v in self.attributes.items())
        messages = " ".join(f'data-eds-msg-{k}="{html.escape(v)}"' for k, v in MESSAGES.items())
        return f"""<!doctype html><html lang="kk"><head><meta charset="utf-8">
<script src="/eds.js" defer></script></head><body>
<form id="sign" method="post" action="/submit" data-eds {attrs} {messages}>
  <input type="hidden" name="cms">
  <input type="hidden" name="petition" value="12">
  <p data-eds-message hidden role="alert"></p>
  <div data-eds-unavailable hidden>Install NCALayer from pki.gov.kz</div>
  <button type="submit">Sign with EDS</button>
</form></body></html>""".encode()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(page: Page) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
            return

        def do_GET(self) -> None:
            if self.path == "/eds.js":
                return self._send(EDS_JS.read_bytes(), "text/javascript")
            return self._send(page.html(), "text/html; charset=utf-8")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            page.posts.append(parse_qs(body))
            return self._send(b"<!doctype html><p id='done'>received</p>", "text/html")

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def ncalayer(ca, certs):
    layer = FakeNCALayer(certs["rsa"], tls=ca.tls_server()).start()
    yield layer
    layer.stop()


@pytest.fixture
def site(ncalayer, statement):
    ncalayer.mode = "sign"
    page = Page()
    page.attributes = {"url": ncalayer.url, "statement": base64.b64encode(statement).decode(), "locale": "kk"}
    yield page
    page.stop()


@pytest.fixture
def browser_page(chromium):
    # The fake NCALayer's certificate comes from the test CA: Chromium is told to accept it.
    context = chromium.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_form_is_signed_and_posted_with_the_cms(browser_page, site, ncalayer, builtin, statement):
    site.attributes["iin"] = "900101300017"
    browser_page.goto(site.url + "/")
    browser_page.get_by_role("button", name="Sign with EDS").click()
    browser_page.wait_for_selector("#done")
    [post] = site.posts
    assert post["petition"] == ["12"]
    cms = base64.b64decode(post["cms"][0])
    info = builtin.verify(cms, expected_content=statement, at=dt.datetime.now(dt.UTC))
    assert info.iin == "900101300017"
    request = ncalayer.received[-1]
    assert request["module"] == "kz.gov.pki.knca.basics" and request["method"] == "sign"
    assert request["args"]["format"] == "cms"
    assert request["args"]["signingParams"] == {"decode": True, "encapsulate": True, "digested": False}
    assert request["args"]["signerParams"]["iin"] == "900101300017"
    assert request["args"]["locale"] == "kk"


def test_an_older_ncalayer_is_asked_through_common_utils(browser_page, site, ncalayer, builtin, statement):
    ncalayer.mode = "legacy"
    browser_page.goto(site.url + "/")
    browser_page.get_by_role("button", name="Sign with EDS").click()
    browser_page.wait_for_selector("#done")
    cms = base64.b64decode(site.posts[0]["cms"][0])
    assert builtin.verify(cms, expected_content=statement, at=dt.datetime.now(dt.UTC)).iin
    assert ncalayer.received[-1]["method"] == "createCMSSignatureFromBase64"


def test_ncalayer_not_running_shows_the_pages_message(browser_page, site):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        site.attributes["url"] = f"wss://127.0.0.1:{probe.getsockname()[1]}"
    browser_page.goto(site.url + "/")
    browser_page.get_by_role("button", name="Sign with EDS").click()
    expect(browser_page.locator("form")).to_have_attribute("data-eds-state", "unavailable")
    expect(browser_page.get_by_role("alert")).to_have_text(MESSAGES["unavailable"])
    expect(browser_page.get_by_text("Install NCALayer from pki.gov.kz")).to_be_visible()
    assert site.posts == []


@pytest.mark.parametrize(
    ("mode", "iin", "state", "message"),
    [
        ("cancel", "", "cancelled", MESSAGES["cancelled"]),
        ("sign", "850615400026", "wrong_key", MESSAGES["wrong-key"]),
        ("error", "", "error", MESSAGES["error"]),
    ],
)
def test_refusals_show_their_message_and_post_nothing(browser_page, site, ncalayer, mode, iin, state, message):
    ncalayer.mode = mode
    if iin:
        site.attributes["iin"] = iin
    browser_page.goto(site.url + "/")
    browser_page.get_by_role("button", name="Sign with EDS").click()
    form = browser_page.locator("form")
    expect(form).to_have_attribute("data-eds-state", state)
    expect(browser_page.get_by_role("alert")).to_have_text(message)
    assert browser_page.get_by_role("button", name="Sign with EDS").is_enabled()  # the voter can retry
    assert site.posts == []
