"""Settings shared by every environment.

Every value that differs between machines comes from an environment variable
(documented in README.md). ``local`` and ``test`` give safe defaults; ``production``
refuses to start without the secrets.
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.cache import caches_config, sentinel_settings
from recall import task_names

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"  # the 403 page in the visitor's language, saying why

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # django.contrib.admin with accounts.two_factor.RecallAdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    "accounts.apps.AxesConfig",  # django-axes under a translated name
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "recall",
]

MIDDLEWARE = [
    # First: the request id (in the answer, every log line and the tasks queued) and the
    # request's count and time by view and status (config.metrics, Prometheus at /metrics).
    "config.metrics.Observe",
    # What no view marked public is stored by no cache (a voter's own data, receipts, forms).
    "config.middleware.PrivateByDefault",
    "config.middleware.ClientOrigin",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicy",
    "config.middleware.RejectNullCharacters",
    "config.errors.DatabaseUnavailable",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # config.middleware.site_only: Django's, stepping aside under /api/ (API keys, no cookies);
    # CSRF and the frame header keep Django's own names (the deploy checks look for them).
    "config.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.AuthenticationMiddleware",
    "config.middleware.OTPMiddleware",
    "config.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it answers a locked-out login with its page.
    "axes.middleware.AxesMiddleware",
]

# --- Officials' logins ----------------------------------------------------------------------
# django-axes counts failed logins per account and per address (separately: a guesser trying
# many accounts from one address is stopped, and so is one account tried from many addresses)
# and refuses further tries for the cool-off period. The central commission unlocks an account
# or an address in the admin (Failed logins); `manage.py axes_reset_username NAME` does it too.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("RECALL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("RECALL_LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "recall.web.ratelimit.client_address"
AXES_ENABLE_ADMIN = False  # the central commission's own admin (accounts.admin) lists them
AXES_VERBOSE = False
# A second factor (TOTP and recovery codes, accounts.two_factor) for every official; on in
# production.
RECALL_ADMIN_TWO_FACTOR = env.bool("RECALL_ADMIN_TWO_FACTOR", default=False)
OTP_TOTP_ISSUER = "Recall petitions"
# Officials' sessions end after this much idle time (each request renews it), at most 8 hours.
SESSION_COOKIE_AGE = env.int("RECALL_SESSION_IDLE_MINUTES", default=120) * 60
SESSION_SAVE_EVERY_REQUEST = True

# Content-Security-Policy on every response: scripts, styles and images only from this site,
# nothing inline (the voters' pages and the admin need none). The API documentation relaxes
# styles for Swagger UI (config/urls.py). NCALayer, the desktop app that signs with a voter's
# EDS key, listens on the voter's own machine.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", "wss://127.0.0.1:13579"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL streaming replicas for the public reads (config.db_router), e.g.
# postgres://reader@10.0.0.7:5432/recall,postgres://reader@10.0.0.8:5432/recall
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
# A replica further behind than this (seconds of replay lag) is not read until it catches up;
# each process looks at most every RECALL_REPLICA_CHECK_SECONDS.
RECALL_REPLICA_MAX_LAG_SECONDS = env.float("RECALL_REPLICA_MAX_LAG_SECONDS", default=5.0)
RECALL_REPLICA_CHECK_SECONDS = env.float("RECALL_REPLICA_CHECK_SECONDS", default=2.0)


def with_replicas(databases: dict) -> dict:
    """``databases`` plus ``replica1``, ``replica2``... from DATABASE_REPLICA_URLS."""
    for n, url in enumerate(DATABASE_REPLICA_URLS, start=1):
        replica = env.db_url_config(url)
        replica["CONN_MAX_AGE"] = databases["default"].get("CONN_MAX_AGE", 60)
        replica["CONN_HEALTH_CHECKS"] = True
        # Fail over fast: a replica that does not answer in 2 s is left for the primary.
        replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
        replica["TEST"] = {"MIRROR": "default"}
        databases[f"replica{n}"] = replica
    return databases


# The sign path's guarded INSERT is prepared once per connection (recall.services.signing.
# signatures): Django leaves psycopg's prepared statements off so that a transaction-mode pooler
# older than PgBouncer 1.21 keeps working. Turn this off behind such a pooler.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)


def with_prepared_statements(databases: dict) -> dict:
    """The primary's connections may prepare statements (psycopg's threshold: after five uses of
    a server-binding cursor's statement; Django's own cursors bind on the client and never do)."""
    primary = databases["default"]
    if DATABASE_PREPARED_STATEMENTS and primary["ENGINE"].endswith("postgresql"):
        primary.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    return databases


DATABASES = with_prepared_statements(with_replicas(DATABASES))
DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Kazakh is the state language; Russian and English are offered beside it.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="kk")  # also the language of notices to officials
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Kazakh and Russian dates on a 24-hour clock (Django has no Kazakh formats): config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Almaty"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Register files of a million voters are uploaded through the admin.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest file an official may upload, in megabytes: paper sheets, and the voter register
# (the national register of 12 million voters is about 1.6 GB of CSV; the import streams it).
RECALL_UPLOAD_MAX_MB = env.int("RECALL_UPLOAD_MAX_MB", default=50)
RECALL_REGISTER_UPLOAD_MAX_MB = env.int("RECALL_REGISTER_UPLOAD_MAX_MB", default=2048)
# A register import commits its progress every this many lines: a killed import goes on from
# the last commit (recall.services.jobs.register_import).
RECALL_IMPORT_COMMIT_LINES = env.int("RECALL_IMPORT_COMMIT_LINES", default=100_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CACHES = caches_config(env.cache("CACHE_URL", default="locmemcache://"))

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="recall@localhost")
# Public base address used in e-mails and webhook payloads.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# LOG_FORMAT=json: one JSON object a line (python-json-logger), for a log collector; every line
# carries the request id of the web request, or of the request that queued the task.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # No IIN in any log line: every 12-digit run is masked on its way out (an IIN names a person).
    "filters": {
        "mask_iin": {"()": "recall.logmask.MaskIIN"},
        "request_id": {"()": "config.metrics.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "mask_iin"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # a line per sign-in otherwise; lockouts are warnings
    },
}

# --- Operations (config.metrics) ---------------------------------------------------------------
# /metrics answers only with "Authorization: Bearer <token>" when set.
RECALL_METRICS_TOKEN = env("RECALL_METRICS_TOKEN", default="")
# A Celery worker serves its Prometheus figures on this port (0: not served).
RECALL_WORKER_METRICS_PORT = env.int("RECALL_WORKER_METRICS_PORT", default=0)

# --- Personal data --------------------------------------------------------------------------
# HMAC key for IIN digests (lookups and duplicate checks). Deliberately not SECRET_KEY:
# rotating the session secret must never orphan the register.
RECALL_IIN_KEY = env("RECALL_IIN_KEY", default=None)
# Fernet keys, newest first; older keys still decrypt (MultiFernet rotation).
RECALL_ENCRYPTION_KEYS = env.list("RECALL_ENCRYPTION_KEYS", default=[])

# --- The public signature ledger (recall.services.ledger.log, recall/ledger/API.md) -----------------
# The log's Ed25519 key in signer-key format (PRIVATE+KEY+<host>/ledger+<id>+...), its own key:
# not SECRET_KEY, not the EDS or PDF certificate. Production refuses to start without it.
RECALL_LEDGER_SIGNING_KEY = env("RECALL_LEDGER_SIGNING_KEY", default=None)
# The host named in each petition's log origin, "<host>/petitions/<id>".
RECALL_LEDGER_HOST = env("RECALL_LEDGER_HOST", default="recall.example.kz")
# The ledger has no off switch: every signature and every step is in it, in every environment
# (bench/ledger.py measures what it costs with a comparison of its own). An environment that
# still asks for it off is refused at start-up rather than silently ignored.
if not env.bool("RECALL_LEDGER_ENABLED", default=True):
    raise ImproperlyConfigured("RECALL_LEDGER_ENABLED=False: the public ledger cannot be switched off; unset it.")

# Accredited witnesses (C2SP tlog-witness): "<verifier key>|<submission URL>" items, comma-separated,
# e.g. "witness.example.org/recall+1a2b3c4d+BA...|https://witness.example.org/recall". Each new
# checkpoint is pushed to every one (add-checkpoint); only their cosignatures are counted on the
# public pages, and the list is published (GET /api/v1/ledger/witnesses/). A witness without a
# URL is accredited but cosigns by posting to the API (scope "witness").
RECALL_LEDGER_WITNESSES = env.list("RECALL_LEDGER_WITNESSES", default=[])
RECALL_LEDGER_WITNESS_TIMEOUT_SECONDS = env.float("RECALL_LEDGER_WITNESS_TIMEOUT_SECONDS", default=5.0)
# A petition's latest checkpoint is pushed again when its newest cosignature is older than this,
# so its witnesses vouch that it is still the latest (a verifier's --max-age).
RECALL_LEDGER_WITNESS_REFRESH_SECONDS = env.int("RECALL_LEDGER_WITNESS_REFRESH_SECONDS", default=3600)

# The sample's seed takes a public randomness beacon round (recall.ledger.beacon): "drand" (the
# League of Entropy's quicknet, read from RECALL_BEACON_URLS and verified with its pinned key) or
# "stand-in" (a chain of our own key: development and tests only, a verifier refuses it).
RECALL_BEACON = env("RECALL_BEACON", default="drand")
RECALL_BEACON_URLS = env.list(
    "RECALL_BEACON_URLS",
    default=["https://api.drand.sh", "https://api2.drand.sh", "https://api3.drand.sh", "https://drand.cloudflare.com"],
)
RECALL_BEACON_STAND_IN_SEED = env("RECALL_BEACON_STAND_IN_SEED", default="development stand-in beacon")
RECALL_BEACON_TIMEOUT_SECONDS = env.float("RECALL_BEACON_TIMEOUT_SECONDS", default=10.0)
# Time the parties have to reveal once the commitments are closed: the round fixed is the first
# one after it. Reveals are taken until RECALL_SAMPLE_REVEAL_MARGIN_SECONDS before the round.
RECALL_SAMPLE_REVEAL_SECONDS = env.int("RECALL_SAMPLE_REVEAL_SECONDS", default=1800)
RECALL_SAMPLE_REVEAL_MARGIN_SECONDS = env.int("RECALL_SAMPLE_REVEAL_MARGIN_SECONDS", default=30)

# Confirmation messages sent to one address (e-mail or phone) in a day, whoever asks to follow.
RECALL_FOLLOW_MESSAGES_PER_DAY = env.int("RECALL_FOLLOW_MESSAGES_PER_DAY", default=5)
# How long the valid signatures' count by polling station (a join with the register) is reused.
RECALL_STATION_COUNTS_SECONDS = env.int("RECALL_STATION_COUNTS_SECONDS", default=300)
# Sign a checkpoint right after each transaction that grows a ledger, in that process: for the
# embedded default, which has no beat to sign them every few seconds (config/settings/local.py).
RECALL_LEDGER_CHECKPOINT_AFTER_COMMIT = env.bool("RECALL_LEDGER_CHECKPOINT_AFTER_COMMIT", default=False)

# The certified summary PDF is signed (PAdES) under the commission's certificate: PEM files.
# Production requires them (RECALL_SUMMARY_REQUIRE_SIGNATURE; `check --deploy` says so).
RECALL_SUMMARY_REQUIRE_SIGNATURE = env.bool("RECALL_SUMMARY_REQUIRE_SIGNATURE", default=False)
RECALL_SUMMARY_SIGNING_CERT = env("RECALL_SUMMARY_SIGNING_CERT", default="")
RECALL_SUMMARY_SIGNING_KEY = env("RECALL_SUMMARY_SIGNING_KEY", default="")
RECALL_SUMMARY_SIGNING_PASSPHRASE = env("RECALL_SUMMARY_SIGNING_PASSPHRASE", default="")
RECALL_SUMMARY_SIGNING_CHAIN = env.list("RECALL_SUMMARY_SIGNING_CHAIN", default=[])
RECALL_SUMMARY_SIGNING_LOCATION = env("RECALL_SUMMARY_SIGNING_LOCATION", default="")
# The RFC 3161 timestamp authority the summary's signature is timestamped by (PAdES B-T), its
# policy OID (asked for in the request, e.g. the NCA's), basic-auth user and password if needed.
RECALL_TSA_URL = env("RECALL_TSA_URL", default="")
RECALL_TSA_POLICY = env("RECALL_TSA_POLICY", default="")
RECALL_TSA_USERNAME = env("RECALL_TSA_USERNAME", default="")
RECALL_TSA_PASSWORD = env("RECALL_TSA_PASSWORD", default="")
RECALL_TSA_TIMEOUT_SECONDS = env.int("RECALL_TSA_TIMEOUT_SECONDS", default=10)

# --- Voters' one-time codes -----------------------------------------------------------------
# Celery keeps the LOGGING above (and its filter) instead of putting its own handlers on root.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
RECALL_SMS_BACKEND = env("RECALL_SMS_BACKEND", default="recall.notifications.sms.ConsoleBackend")
RECALL_SMS_GATEWAY_URL = env("RECALL_SMS_GATEWAY_URL", default="")
RECALL_SMS_GATEWAY_TOKEN = env("RECALL_SMS_GATEWAY_TOKEN", default="")
RECALL_SMS_EMAIL_TO = env("RECALL_SMS_EMAIL_TO", default="sms@localhost")
RECALL_OTP_TTL_SECONDS = env.int("RECALL_OTP_TTL_SECONDS", default=300)
RECALL_OTP_MAX_ATTEMPTS = env.int("RECALL_OTP_MAX_ATTEMPTS", default=5)
RECALL_OTP_MAX_RESENDS = env.int("RECALL_OTP_MAX_RESENDS", default=3)
RECALL_OTP_RESEND_INTERVAL_SECONDS = env.int("RECALL_OTP_RESEND_INTERVAL_SECONDS", default=60)
# Texted codes to one phone number: from one client address, and from all addresses together
# (recall.services.signing.codes.phone_limits): nobody else's requests spend a voter's own.
RECALL_OTP_PHONE_RATE_PER_ADDRESS = env("RECALL_OTP_PHONE_RATE_PER_ADDRESS", default="3/hour")
RECALL_OTP_PHONE_RATE = env("RECALL_OTP_PHONE_RATE", default="8/hour")
# Per IIN and number pair, never per IIN alone (a stranger could lock the voter out).
RECALL_OTP_PER_PAIR_PER_DAY = env.int("RECALL_OTP_PER_PAIR_PER_DAY", default=5)
# A running upload job's lease (renewed by its worker every third of it) and how many runs it
# gets when its worker dies before beat fails it (recall.services.jobs.uploads).
RECALL_JOB_LEASE_SECONDS = env.int("RECALL_JOB_LEASE_SECONDS", default=90)
RECALL_JOB_ATTEMPTS = env.int("RECALL_JOB_ATTEMPTS", default=2)
# An initiative group's application never submitted is deleted (members' phones, invitations,
# codes) this many days after it was started.
RECALL_GROUP_DRAFT_DAYS = env.int("RECALL_GROUP_DRAFT_DAYS", default=30)
# How long an initiative group's invitation link stays valid (recall.services.groups.initiative).
RECALL_GROUP_INVITATION_HOURS = env.int("RECALL_GROUP_INVITATION_HOURS", default=72)
# Sign/check/withdraw forms accepted per client address per hour.
RECALL_WEB_FORM_RATE = env("RECALL_WEB_FORM_RATE", default="30/hour")
# Behind a reverse proxy that appends the client's address to X-Forwarded-For.
RECALL_BEHIND_PROXY = env.bool("RECALL_BEHIND_PROXY", default=False)

# Whether a typed phone belongs to the IIN (recall.phone_ownership): "" asks nothing (a code then
# proves only the phone); else the dotted path of a backend class, made with the keyword
# arguments of RECALL_PHONE_OWNERSHIP_OPTIONS (a JSON object). See README, "Phone ownership".
RECALL_PHONE_OWNERSHIP_BACKEND = env("RECALL_PHONE_OWNERSHIP_BACKEND", default="")
RECALL_PHONE_OWNERSHIP_OPTIONS = env.json("RECALL_PHONE_OWNERSHIP_OPTIONS", default={})

# --- Signing with EDS (NCALayer on the voter's machine, verified here) -------------------------
# "" hides the EDS path; "builtin" verifies RSA/ECDSA in-process against RECALL_EDS_TRUST_ROOTS
# (development, tests, any RSA CA); "ncanode" asks NCANode (GOST and RSA, the NCA's own SDK)
# at RECALL_EDS_NCANODE_URL. See README, "Two ways to sign".
RECALL_EDS_BACKEND = env("RECALL_EDS_BACKEND", default="")
RECALL_EDS_NCANODE_URL = env("RECALL_EDS_NCANODE_URL", default="http://127.0.0.1:14579")
# Built-in backend: PEM/DER files of the NCA root(s), and intermediates a CMS may omit.
RECALL_EDS_TRUST_ROOTS = env.list("RECALL_EDS_TRUST_ROOTS", default=[])
RECALL_EDS_INTERMEDIATES = env.list("RECALL_EDS_INTERMEDIATES", default=[])
# Off only on a development machine without OCSP/CRL access: revocation is then not checked.
RECALL_EDS_CHECK_REVOCATION = env.bool("RECALL_EDS_CHECK_REVOCATION", default=True)
RECALL_EDS_TIMEOUT_SECONDS = env.float("RECALL_EDS_TIMEOUT_SECONDS", default=10.0)
# Revocation answers (recall.eds.revocation): each OCSP/CRL request waits at most this long; an
# answer is kept until its nextUpdate (at most the max age); a responder that did not answer is
# skipped by every process for the down period, and signatures are then held for the worker.
RECALL_EDS_REVOCATION_TIMEOUT_SECONDS = env.float("RECALL_EDS_REVOCATION_TIMEOUT_SECONDS", default=2.0)
RECALL_EDS_REVOCATION_MAX_AGE_SECONDS = env.float("RECALL_EDS_REVOCATION_MAX_AGE_SECONDS", default=3600.0)
RECALL_EDS_RESPONDER_DOWN_SECONDS = env.float("RECALL_EDS_RESPONDER_DOWN_SECONDS", default=30.0)
# How long an issued statement can be signed: the voter reads it and picks a key in NCALayer.
# The demo of `make run` (config.settings.local): a CA made by load_demo, its voters' keys, and a
# dialog that plays NCALayer on the EDS page. Served only when DEBUG is on too; never in production.
RECALL_DEMO = env.bool("RECALL_DEMO", default=False)
RECALL_DEMO_CA_DIR = env("RECALL_DEMO_CA_DIR", default=str(BASE_DIR / "var" / "demo-ca"))
RECALL_EDS_CHALLENGE_TTL_SECONDS = env.int("RECALL_EDS_CHALLENGE_TTL_SECONDS", default=900)

# --- Signing with eGov Mobile (QR code or deep link), verified as EDS -----------------------
# "" hides it; "sigex" registers each signing with SIGEX's public eGov QR API at
# RECALL_MOBILE_SIGN_SIGEX_URL (recall/eds/egov_qr.py). The CMS that comes back goes through the
# EDS backend above, so it needs RECALL_EDS_BACKEND too. Each request to SIGEX waits at most
# RECALL_MOBILE_SIGN_TIMEOUT_SECONDS: the page polls, a worker is never held for long.
RECALL_MOBILE_SIGN_BACKEND = env("RECALL_MOBILE_SIGN_BACKEND", default="")
RECALL_MOBILE_SIGN_SIGEX_URL = env("RECALL_MOBILE_SIGN_SIGEX_URL", default="https://sigex.kz")
RECALL_MOBILE_SIGN_TIMEOUT_SECONDS = env.float("RECALL_MOBILE_SIGN_TIMEOUT_SECONDS", default=3.0)

# --- Verification and webhooks --------------------------------------------------------------
# Seconds the public petition page, home page and API petition detail are shared from the cache
# (recall/services/public/public_cache.py); also their Cache-Control max-age. 0 builds every answer.
RECALL_PUBLIC_CACHE_SECONDS = env.int("RECALL_PUBLIC_CACHE_SECONDS", default=5)
# Each process also keeps the answers it read for this long, in memory (0: off).
RECALL_PUBLIC_LOCAL_SECONDS = env.float("RECALL_PUBLIC_LOCAL_SECONDS", default=1.0)
# The parts of a petition's page and API detail that change only with its content (grounds,
# answers, history, sample, vote) are kept per process, keyed by the content's versions; this
# bounds a change that no version announces.
RECALL_PUBLIC_FRAGMENT_SECONDS = env.int("RECALL_PUBLIC_FRAGMENT_SECONDS", default=300)
RECALL_VERIFY_BATCH_SIZE = env.int("RECALL_VERIFY_BATCH_SIZE", default=5000)
# A signature still "received" this long after it was stored is queued again by beat
# (for example when it arrived while the broker was down).
RECALL_REQUEUE_AFTER_SECONDS = env.int("RECALL_REQUEUE_AFTER_SECONDS", default=15)
RECALL_WEBHOOK_TIMEOUT_SECONDS = env.float("RECALL_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
RECALL_WEBHOOK_MAX_ATTEMPTS = env.int("RECALL_WEBHOOK_MAX_ATTEMPTS", default=8)
# The notice outbox (recall.services.notices.outbox): a worker holds a notice or a message this
# long (one that died is taken over after it); a message failing this many times is given up.
RECALL_NOTICE_LEASE_SECONDS = env.int("RECALL_NOTICE_LEASE_SECONDS", default=120)
RECALL_NOTICE_MAX_ATTEMPTS = env.int("RECALL_NOTICE_MAX_ATTEMPTS", default=8)
# Webhook targets must be HTTPS to public addresses. Development may allow plain HTTP, and
# separately private addresses (its own receiver on localhost); production allows neither.
RECALL_WEBHOOK_ALLOW_HTTP = env.bool("RECALL_WEBHOOK_ALLOW_HTTP", default=False)
RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
RECALL_WEBHOOK_MAX_ENDPOINTS = env.int("RECALL_WEBHOOK_MAX_ENDPOINTS", default=10)

# --- Exports ------------------------------------------------------------------------------
# A TrueType font with Cyrillic and Kazakh letters for the PDF exports (Debian: fonts-dejavu-core).
RECALL_PDF_FONT = env("RECALL_PDF_FONT", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
RECALL_PDF_FONT_BOLD = env("RECALL_PDF_FONT_BOLD", default="/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# --- REST API -------------------------------------------------------------------------------
# How long a process trusts a verified API key before checking it again (revocation delay).
RECALL_API_KEY_CACHE_SECONDS = env.int("RECALL_API_KEY_CACHE_SECONDS", default=10)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["recall.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="120/minute"),
        "client": env("API_CLIENT_RATE", default="6000/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["recall.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "recall.api.errors.exception_handler",
    # Addresses for throttling: REMOTE_ADDR, or behind one trusted proxy the address it appended.
    "NUM_PROXIES": 1 if RECALL_BEHIND_PROXY else 0,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Deputy recall petitions API",
    "DESCRIPTION": (BASE_DIR / "recall" / "api" / "DESCRIPTION.md").read_text(),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The ``id`` converter (config.converters): a database id of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "recall.api.schema.add_common_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PetitionStateEnum": "recall.models.PetitionState",
        "SignatureStateEnum": "recall.models.SignatureState",
    },
}

# The worker touches this file every RECALL_WORKER_HEARTBEAT_SECONDS from its event loop
# (config.celery_patches.Heartbeat); ``manage.py worker_alive`` is the supervisor's probe. Empty: off.
RECALL_WORKER_HEARTBEAT_FILE = env("RECALL_WORKER_HEARTBEAT_FILE", default="")
RECALL_WORKER_HEARTBEAT_SECONDS = env.int("RECALL_WORKER_HEARTBEAT_SECONDS", default=10)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    task_names.VERIFY_SIGNATURES: {"queue": "verification"},
    task_names.IMPORT_PAPER_SHEET: {"queue": "verification"},
    task_names.IMPORT_REGISTER_FILE: {"queue": "verification"},
    task_names.RUN_PETITION_JOB: {"queue": "verification"},
    "recall.tasks.send_*": {"queue": "notifications"},
    task_names.DELIVER_WEBHOOK: {"queue": "notifications"},
}
# A signature is stored even when the broker is down: publishing must fail fast, not hang
# the request while kombu retries.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# max_retries 0: a publisher whose broker refuses the connection fails at once (kombu's
# default retries for the whole connection timeout, 2 s, on every publish that finds the
# connection closed). Workers reconnect with their own retry policy (broker_connection_retry).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A Sentinel-managed Redis for the broker and the cache (config.cache.sentinel_settings):
# REDIS_SENTINELS=host:26379,host:26379 and REDIS_SENTINEL_MASTER; the databases' numbers.
REDIS_SENTINELS = env.list("REDIS_SENTINELS", default=[])
if REDIS_SENTINELS:
    _sentinel = sentinel_settings(
        REDIS_SENTINELS,
        env("REDIS_SENTINEL_MASTER", default="recall"),
        broker_db=env.int("REDIS_SENTINEL_BROKER_DB", default=0),
        cache_db=env.int("REDIS_SENTINEL_CACHE_DB", default=1),
    )
    CELERY_BROKER_URL = _sentinel["broker_url"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, **_sentinel["transport_options"]}
    CELERY_BROKER_TRANSPORT_OPTIONS.pop("max_retries")  # the sentinel transport looks for a new master
    CACHES = {**CACHES, "default": _sentinel["cache"]}
# A petition with more signatures than this has its signatures' PDF made by a worker, with
# progress and a cancel button (recall.services.jobs.petition_jobs); bulk invalidations always are.
RECALL_SYNC_EXPORT_MAX_SIGNATURES = env.int("RECALL_SYNC_EXPORT_MAX_SIGNATURES", default=2000)
CELERY_BEAT_SCHEDULE = {
    "advance-windows": {"task": task_names.ADVANCE_WINDOWS, "schedule": 60.0},
    # Every 15 s: after a broker outage, what was stored meanwhile is verified within a minute.
    "requeue-unverified": {"task": task_names.REQUEUE_UNVERIFIED, "schedule": 15.0},
    "retry-webhooks": {"task": task_names.RETRY_WEBHOOKS, "schedule": 60.0},
    # Every 15 s: notices written while the broker was down, or held by a worker that died.
    "sweep-notices": {"task": task_names.SWEEP_NOTICES, "schedule": 15.0},
    "recover-jobs": {"task": task_names.RECOVER_JOBS, "schedule": 60.0},
    "decide-held-signatures": {"task": task_names.DECIDE_HELD_SIGNATURES, "schedule": 60.0},
    "refresh-crls": {"task": task_names.REFRESH_CRLS, "schedule": 600.0},
    "reconcile-counts": {"task": task_names.RECONCILE_COUNTS, "schedule": crontab(hour=3, minute=15)},
    "purge-expired": {"task": task_names.PURGE_EXPIRED, "schedule": crontab(hour=4, minute=0)},
    # Petitions past their retention period (recall.services.privacy.retention).
    "purge-personal-data": {"task": task_names.PURGE_PERSONAL_DATA, "schedule": crontab(hour=4, minute=30)},
    # Every 10 s: a grown ledger gets a signed checkpoint within seconds of the batch.
    "sign-ledger-checkpoints": {"task": task_names.SIGN_LEDGER_CHECKPOINTS, "schedule": 10.0},
    # Every minute: checkpoints a witness has not cosigned yet, and latest ones to refresh.
    "push-ledger-witnesses": {"task": task_names.PUSH_LEDGER_WITNESSES, "schedule": 60.0},
    # Every 15 s: a sample whose beacon round now exists is drawn (no official chooses when).
    "draw-due-samples": {"task": task_names.DRAW_DUE_SAMPLES, "schedule": 15.0},
    # Hourly in office hours: a reminder goes once per deadline (recall.services.lifecycle.deadlines).
    "send-deadline-reminders": {
        "task": task_names.SEND_DEADLINE_REMINDERS,
        "schedule": crontab(hour="8-18", minute=5),
    },
}
