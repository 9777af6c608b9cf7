"""The two-command set-up and the production settings, run as a newcomer would run them."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.helpers import ROOT

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 20 + "-production-secret-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "recall.example.kz",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/recall",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "RECALL_IIN_KEY": "iin-key-for-the-check",
    "RECALL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "RECALL_SMS_BACKEND": "recall.notifications.sms.HttpGatewayBackend",
    "RECALL_LEDGER_SIGNING_KEY": "PRIVATE+KEY+recall.example.kz/ledger+3ebac732+Abg1saorFJ2xaKWA0sJZGFPE4taenmiVcoOgEIYcSvC2",
    "RECALL_SUMMARY_SIGNING_CERT": "/etc/recall/commission.crt",
    "RECALL_SUMMARY_SIGNING_KEY": "/etc/recall/commission.key",
    "RECALL_TSA_URL": "http://tsp.pki.gov.kz/",
    "RECALL_LEDGER_WITNESSES": "witness.example.org/recall+724888f3+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    "|https://witness.example.org/recall",
    "RECALL_METRICS_TOKEN": "prometheus-scrape-token",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "RECALL_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "says"),
    [
        ("RECALL_SUMMARY_SIGNING_CERT", "recall.E005"),
        ("RECALL_TSA_URL", "recall.E006"),
        ("RECALL_LEDGER_WITNESSES", "recall.W001"),
        ("RECALL_METRICS_TOKEN", "recall.W002"),
    ],
)
def test_the_deploy_check_refuses_an_unsigned_untimestamped_summary_no_witness_and_open_metrics(missing, says):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0 and says in result.stderr, result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "RECALL_IIN_KEY",
        "RECALL_ENCRYPTION_KEYS",
        "DATABASE_URL",
        "RECALL_SMS_BACKEND",
        "RECALL_LEDGER_SIGNING_KEY",
    ],
)
def test_production_has_no_secret_defaults(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


NAME_CHECK = """
from recall.models import Signature
without = Signature.objects.filter(name_tokens=[]).count()
review = [s for s in Signature.objects.filter(state="review") if "name_mismatch" in s.review_reasons]
print("names-check", without, len(review), sum(s.name_parts is None for s in review))
"""


DEMO_NAMES = """
from recall.models import Deputy, District, Petition
d = District.objects.get(code="MZ-09")
print("demo-names", d.region_kk, "|", d.region_ru, "|", d.region)
print("demo-party", Deputy.objects.exclude(party="").exclude(party_kk="").exists())
p = Petition.objects.get(district__code="MZ-19")
print("demo-grounds", bool(p.grounds_text_kk and p.grounds_text_ru), bool(p.grounds_text_en))
"""


def test_the_embedded_default_migrates_and_loads_the_demo(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "RECALL_DEMO_CA_DIR": str(tmp_path / "demo-ca"),
    }
    assert manage("migrate", "--noinput", "-v0", env=env).returncode == 0
    result = manage("load_demo", "--voters", "3000", env=env)
    assert result.returncode == 0, result.stderr
    assert "Register: 3000 voters." in result.stdout
    assert "karaganda  demo-krg-2026" in result.stdout
    assert "Demo EDS: a CA and 5 voters' keys" in result.stdout and (tmp_path / "demo-ca" / "root.pem").is_file()
    # The name rule on SQLite: every signature has its word digests, and each one its name sent
    # to review says which parts matched.
    names = manage("shell", "-c", NAME_CHECK, env=env)
    found = [line.split()[1:] for line in names.stdout.splitlines() if line.startswith("names-check")]
    assert found and found[0][0] == "0" and int(found[0][1]) > 0 and found[0][2] == "0", names.stdout + names.stderr
    # The demo names its places, bodies and parties in three languages; one petition's grounds
    # are not given in English (its English page notes the fallback).
    shown = manage("shell", "-c", DEMO_NAMES, env=env).stdout
    assert "demo-names Қарағанды облысы | Карагандинская область | Karaganda Region" in shown, shown
    assert "demo-party True" in shown and "demo-grounds True False" in shown, shown
    again = manage("load_demo", env=env)
    assert "already loaded" in again.stdout
    key = manage("create_api_key", "Demo partner", "--scopes", "read,sign", env=env)
    assert key.returncode == 0 and len(key.stdout.strip()) > 30


def test_a_rate_that_cannot_be_read_stops_the_checks(settings):
    settings.RECALL_WEB_FORM_RATE = "30 a day"
    with pytest.raises(SystemCheckError, match="recall.E001"):
        call_command("check")


def test_production_verifies_eds_unless_switched_off_and_refuses_builtin_without_roots():
    shown = "from django.conf import settings; print('eds', repr(settings.RECALL_EDS_BACKEND))"
    assert "eds 'ncanode'" in manage("shell", "-c", shown, env=PRODUCTION_ENV).stdout
    assert "eds ''" in manage("shell", "-c", shown, env={**PRODUCTION_ENV, "RECALL_EDS_BACKEND": "off"}).stdout
    builtin = manage("check", "--deploy", env={**PRODUCTION_ENV, "RECALL_EDS_BACKEND": "builtin"})
    assert builtin.returncode != 0 and "recall.E009" in builtin.stderr, builtin.stderr
    roots = manage(
        "check", "--deploy", "--fail-level", "ERROR",
        env={**PRODUCTION_ENV, "RECALL_EDS_BACKEND": "builtin", "RECALL_EDS_TRUST_ROOTS": "/etc/recall/nca-root.pem"},
    )  # fmt: skip
    assert "recall.E009" not in roots.stderr, roots.stderr


def test_production_refuses_a_ledger_switched_off():
    result = manage("check", env={**PRODUCTION_ENV, "RECALL_LEDGER_ENABLED": "False"})
    assert result.returncode != 0
    assert "the public ledger cannot be switched off" in result.stderr


def test_the_benchmark_settings_load_as_the_benchmarks_load_them():
    """bench/settings.py imports config before Django's settings exist: nothing config loads then
    may read a setting (the worker's heartbeat step once did, and every benchmark stopped)."""
    result = manage("check", env={"DJANGO_SETTINGS_MODULE": "bench.settings"})
    assert result.returncode == 0, result.stderr


def test_the_benchmarks_text_message_backend_takes_what_the_service_sends():
    """bench/wave.py's web signers read their code from bench/sms.py's backend; a backend that
    no longer takes the service's arguments leaves every one of them waiting for a code."""
    import inspect

    from bench.sms import RedisOutbox
    from recall.notifications.sms import BaseBackend

    assert inspect.signature(RedisOutbox.send) == inspect.signature(BaseBackend.send)
