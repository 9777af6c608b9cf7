"""Test settings: the machine's real PostgreSQL and Redis."""

from config.cache import caches_config

from .base import *  # noqa: F403
from .base import env, with_prepared_statements

SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["*"]
DATABASES = with_prepared_statements(
    {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/recall")}
)
# `make test` runs the suite in two processes (pytest-xdist): pytest-django gives each its own
# test database, and this gives each its own Redis databases (gw0: 14 and 13, gw1: 12 and 11),
# which the real Celery workers a test starts inherit through the environment.
# TEST_REDIS_ADDRESS puts them on another Redis server (two checkouts testing at once).
_WORKER = int(env("PYTEST_XDIST_WORKER", default="gw0").removeprefix("gw") or 0)
_BROKER_DB, _CACHE_DB = 14 - 2 * _WORKER, 13 - 2 * _WORKER
_REDIS_ADDRESS = env("TEST_REDIS_ADDRESS", default="127.0.0.1:6379")
REDIS_URL = env("REDIS_URL", default=f"redis://{_REDIS_ADDRESS}/{_BROKER_DB}")
CELERY_BROKER_URL = REDIS_URL
_base, _, _db = REDIS_URL.rpartition("/")
CACHES = caches_config(env.cache("CACHE_URL", default=f"{_base}/{_CACHE_DB}" if _db == str(_BROKER_DB) else REDIS_URL))
# Most tests run tasks in-process; the end-to-end tests start real workers, which are told
# otherwise through the environment (tests/workers/).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if env("EMAIL_FILE_PATH", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
# The real workers of tests/workers may send texts as e-mails to read them (EmailBackend).
RECALL_SMS_BACKEND = env("RECALL_SMS_BACKEND", default="recall.notifications.sms.LocmemBackend")
RECALL_SMS_EMAIL_TO = env("RECALL_SMS_EMAIL_TO", default="sms@example.kz")
# The in-process tier of the public cache is off here (real workers are other processes; tests
# that exercise it turn it on): tests/web/test_public_cache.py.
RECALL_PUBLIC_LOCAL_SECONDS = 0
RECALL_IIN_KEY = "test-iin-key"
RECALL_LEDGER_SIGNING_KEY = "PRIVATE+KEY+recall.test/ledger+164fe12c+AToApOWMhTeHXejQtGKWa/++eYO2h69WnzK9qLpkGLhP"
RECALL_LEDGER_HOST = "recall.test"
RECALL_BEACON = "stand-in"  # tests/ledger: the stand-in chain's key is passed to the verifier
RECALL_BEACON_STAND_IN_SEED = "test stand-in beacon"
RECALL_SAMPLE_REVEAL_SECONDS = 60
RECALL_SAMPLE_REVEAL_MARGIN_SECONDS = 5
RECALL_ENCRYPTION_KEYS = ["dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0hISE="]
RECALL_WEBHOOK_ALLOW_HTTP = True
RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the tests' receivers listen on 127.0.0.1
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="1000/minute"),
        "client": env("API_CLIENT_RATE", default="1000/minute"),
    },
}
RECALL_API_KEY_CACHE_SECONDS = 0  # revocations take effect at once in tests
