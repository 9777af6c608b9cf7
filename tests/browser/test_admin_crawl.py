"""Every admin page an official can reach, as each persona, in Kazakh and in Russian: no server
error, no refused link, nothing wider than a 1280-pixel laptop (the page or a list scrolling
sideways), no English interface text (column headers, labels, headings, buttons, filters), and
no axe-core WCAG 2.1 AA violation (tests/browser/a11y.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import polib
import pytest
from django.conf import settings

from accounts.models import Role
from recall.models import Petition, PetitionJob, PetitionJobState
from recall.services import lifecycle, verification
from recall.services.jobs import petition_jobs
from tests.factories import DistrictFactory, SignatureFactory, UserFactory
from tests.helpers import application, draw_sample, populate, under_verification

from .a11y import violations
from .conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1280
# Links that change something or leave the interface pages: not part of the crawl.
SKIP = re.compile(
    r"/logout/|/delete/|/jsi18n/|/r/\d+/|/autocomplete/|/password_change/|\.(csv|pdf|json)$|/export|/download/"
)
# Abbreviations and names that stay in Latin letters in Kazakh and Russian texts.
LATIN_ALLOWED = {"IIN", "ID", "API", "CSV", "PDF", "TOTP", "SMS", "URL", "IP", "EDS", "OK", "HMAC", "SHA-256"}

# The interface's own texts: headers, labels, headings, buttons, filter titles, action names.
CHROME_TEXTS = """() => {
  const picked = document.querySelectorAll(
    'thead th, label, legend, h1, fieldset h2, .module h2, h3, caption, button, input[type=submit], #user-tools a,'
    + ' select[name=action] option, .object-tools a, .submit-row a, nav.sticky a, #nav-sidebar caption');
  return Array.from(picked, el => (el.value && el.tagName === 'INPUT' ? el.value : el.innerText) || '')
    .map(text => text.trim()).filter(Boolean);
}"""
OVERFLOW = """(width) => {
  const wide = [];
  if (document.documentElement.scrollWidth > width) wide.push('page ' + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll('.results, .module, table, form')) {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      wide.push((el.id || el.className || el.tagName) + ' ' + el.scrollWidth);
  }
  return wide;
}"""


def _english_texts() -> set[str]:
    """The English originals of every interface text (Django's admin and the project's)."""
    django_dir = Path(__import__("django").__file__).parent
    catalogues = [
        django_dir / "contrib/admin/locale/ru/LC_MESSAGES/django.po",
        django_dir / "contrib/auth/locale/ru/LC_MESSAGES/django.po",
        Path(settings.BASE_DIR) / "locale/ru/LC_MESSAGES/django.po",
    ]
    return {e.msgid.strip().lower() for path in catalogues for e in polib.pofile(str(path)) if len(e.msgid) > 2}


def _untranslated(texts: list[str], english: set[str]) -> list[str]:
    found = []
    for text in texts:
        words = re.findall(r"[A-Za-z][A-Za-z'’-]+", text)
        cyrillic = re.search(r"[\u0400-\u04ff]", text)
        if text.lower().rstrip(":") in english or (
            not cyrillic and any(len(w) > 2 and w.upper() not in LATIN_ALLOWED for w in words)
        ):
            found.append(text)
    return found


@pytest.fixture
def workspace(collecting, voters, almaty, charlie, olga, alice, bob, central):
    """Records on every list: a collecting petition in K-1 with signatures, a petition under
    verification in K-3 with an open random sample (its findings page) and a background job (its
    page), a superuser."""
    for voter in voters[10:14]:
        SignatureFactory(petition=collecting, voter_row=voter)
    k3 = DistrictFactory(code="K-3", name="Karaganda No. 3", region="Karaganda Region")
    bob.commission.districts.add(k3)
    k3_voters = populate(k3, 20)
    verifying = lifecycle.register(application(k3, k3_voters[:3]), actor=None)
    for voter in k3_voters[3:9]:
        SignatureFactory(petition=verifying, voter_row=voter)
    verification.verify_all()
    draw_sample(under_verification(verifying), alice)
    # Run at once by the in-process worker (transactions commit here), so its page has the
    # download link and does not reload itself mid-check as a running job's does.
    job = petition_jobs.request_signatures_pdf(verifying, actor=bob)
    assert PetitionJob.objects.get(pk=job.pk).state == PetitionJobState.DONE
    root = UserFactory(username="root", commission=central, is_superuser=True, role=Role.OFFICIAL)
    return {"alice": alice, "bob": bob, "charlie": charlie, "olga": olga, "root": root}


def _crawl(browser, base: str, username: str, language: str, english: set[str]) -> list[str]:
    context = browser.new_context(locale=language, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    seen: set[str] = set()
    queue = ["/admin/"]
    while queue:
        path = queue.pop(0)
        response = page.goto(base + path)
        status = response.status if response else 0
        if status >= 400:
            problems.append(f"{path}: HTTP {status}")
            continue
        if "text/html" not in (response.headers.get("content-type", "") if response else ""):
            continue
        wide = page.evaluate(OVERFLOW, WIDTH)
        for what in wide:
            problems.append(f"{path}: wider than {WIDTH} px: {what}")
        if wide:  # to see what to fix
            name = re.sub(r"\W+", "-", path)
            page.screenshot(path=str(SHOTS / f"wide-{username}-{language}{name}.png"))
        for text in _untranslated(page.evaluate(CHROME_TEXTS), english):
            problems.append(f"{path}: untranslated {text!r}")
        for rule, impact, target, text in violations(page):
            problems.append(f"{path}: axe {rule} [{impact}] {target}: {text}")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            link = urlsplit(href)
            if link.netloc or not link.path.startswith("/admin/") or link.query or SKIP.search(link.path):
                continue
            pattern = re.sub(r"/\d+/", "/N/", link.path)
            if pattern not in seen:
                seen.add(pattern)
                queue.append(link.path)
    context.close()
    assert len(seen) > 5, f"{username} reached only {sorted(seen)}"
    return problems


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("username", ["alice", "bob", "charlie", "olga", "root"])
def test_every_admin_page_is_in_the_officials_language_and_fits_a_laptop(
    browser, live_server, workspace, username, language
):
    problems = _crawl(browser, live_server.url, username, language, _english_texts())
    assert not problems, "\n".join(problems)


def test_the_dashboard_and_a_petition_page_in_kazakh_at_1280_px(
    browser, live_server, workspace, collecting, karaganda2
):
    """The README's screenshots (docs/screenshots/ holds copies of these)."""
    application(karaganda2, populate(karaganda2, 5))
    Petition.objects.filter(pk=collecting.pk).update(review_count=2, valid_count=collecting.required_signatures - 1)
    context = browser.new_context(locale="kk", viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "bob")
    page.fill("#id_password", "pw")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("caption", has_text="Тіркеуді күтіп тұрған өтініштер").count() == 1
    page.screenshot(path=str(SHOTS / "admin-dashboard-kk.png"), full_page=True)
    page.goto(live_server.url + f"/admin/recall/petition/{collecting.pk}/change/")
    assert page.locator("svg.chart.chart-wide").count() == 1
    page.screenshot(path=str(SHOTS / "admin-petition-kk.png"), full_page=True)
    context.close()
