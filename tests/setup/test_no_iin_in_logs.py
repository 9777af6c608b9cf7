"""No IIN in any log: a filter masks every 12-digit run in every record of the
application, gunicorn's access log leaves query strings out, and a full run (sign, check, admin
search, review, withdrawal, export) leaves none of the IINs it used in the logs."""

import datetime as dt
import io
import logging
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config
from gunicorn.glogging import Logger

from recall.models import Signature
from recall.services import verification
from recall.services.verification import review
from tests.helpers import code_from_outbox, form_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_log():
    """What the application's configured console handler writes, everything from DEBUG up."""
    handlers = [h for h in logging.getLogger().handlers if any(f.__class__.__name__ == "MaskIIN" for f in h.filters)]
    assert handlers, "LOGGING's console handler carries the IIN filter"
    stream = io.StringIO()
    old = [h.setStream(stream) for h in handlers]
    levels = {name: logging.getLogger(name).level for name in ("", "django", "django.db.backends", "recall")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    for handler, previous in zip(handlers, old, strict=True):
        handler.setStream(previous)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_a_logged_iin_is_masked_in_message_arguments_and_tracebacks(app_log):
    log = logging.getLogger("recall.anything")
    log.warning("voter %s asked", "900101300017")
    try:
        raise ValueError("bad IIN 900101300018")
    except ValueError:
        log.exception("failed for 900101300019")
    text = app_log.getvalue()
    assert "900101300017" not in text and "••••••••0017" in text
    assert "900101300018" not in text and "900101300019" not in text and "ValueError" in text


def test_longer_digit_runs_are_left_alone(app_log):
    logging.getLogger("recall.anything").warning("order 1234567890123 of 12345678901")
    assert "1234567890123" in app_log.getvalue() and "12345678901" in app_log.getvalue()


def test_gunicorns_access_log_leaves_query_strings_and_referrers_out():
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    cfg = Config()
    for name in ("accesslog", "access_log_format", "logconfig_dict"):
        cfg.set(name, settings[name])
    logger = Logger(cfg)
    stream = io.StringIO()
    for handler in logging.getLogger("gunicorn.access").handlers:
        handler.setStream(stream)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/admin/recall/voter/?q=900101300017",
        "PATH_INFO": "/admin/recall/voter/900101300017/",
        "QUERY_STRING": "q=900101300017",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": "https://x/admin/recall/voter/?q=900101300017",
        "HTTP_USER_AGENT": "test",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    request = SimpleNamespace(headers=[], method="GET", uri=environ["RAW_URI"], query="q=900101300017")
    logger.access(response, request, environ, dt.timedelta(seconds=0.1))
    line = stream.getvalue()
    assert "GET /admin/recall/voter/" in line and "900101300017" not in line and "q=" not in line
    for path in ("Dockerfile", "compose.yaml"):
        assert "config/gunicorn.conf.py" in (ROOT / path).read_text()


def test_a_full_run_leaves_no_iin_in_the_logs(
    app_log, client, bob, collecting, voters, django_capture_on_commit_callbacks
):
    official = Client()
    official.force_login(bob)
    iins = [voters[10].personal["iin"], voters[11].personal["iin"]]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    page = client.post(started.url, {"code": code_from_outbox()}, follow=True).content.decode()
    receipt = re.search(r'data-testid="receipt">([0-9A-Z-]+)<', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        other = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[11], full_name="Someone Else"))
    client.post(other.url, {"code": code_from_outbox()})
    with django_capture_on_commit_callbacks(execute=True):
        verification.verify_all()
    review.decide(Signature.objects.get(state="review").pk, actor=bob, valid=True)
    client.post("/en/check/", {"receipt": receipt, "iin": iins[0]})
    client.post("/en/check/", {"receipt": "AAAA-BBBB-CCCC", "iin": iins[1]})
    for model in ("voter", "signature"):
        official.post(reverse(f"admin:recall_{model}_changelist"), {"q": iins[0], "iin_search": "Search"}, follow=True)
    official.get(reverse("admin:recall_petition_export_csv", args=[collecting.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/withdraw/", {"receipt": receipt, "iin": iins[0], "phone": "+7 701 123 45 67"})
    text = app_log.getvalue()
    assert text  # the run logged something (SQL at DEBUG at least)
    assert not [iin for iin in iins if iin in text]
