"""Production: every secret comes from the environment, no defaults."""

from config.cache import caches_config

from .base import *  # noqa: F403
from .base import REDIS_SENTINELS, env, with_prepared_statements, with_replicas

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES = with_prepared_statements(with_replicas(DATABASES))
if not REDIS_SENTINELS:  # else base.py has set both from the Sentinels
    CELERY_BROKER_URL = env("REDIS_URL")
    CACHES = caches_config(env.cache("CACHE_URL", default=env("REDIS_URL")))
RECALL_IIN_KEY = env("RECALL_IIN_KEY")
RECALL_ENCRYPTION_KEYS = env.list("RECALL_ENCRYPTION_KEYS")
RECALL_LEDGER_SIGNING_KEY = env("RECALL_LEDGER_SIGNING_KEY")
# The certified summary is issued only signed and timestamped (checks: recall.checks).
RECALL_SUMMARY_REQUIRE_SIGNATURE = env.bool("RECALL_SUMMARY_REQUIRE_SIGNATURE", default=True)

# EDS is on unless switched off explicitly (RECALL_EDS_BACKEND=off): NCANode verifies GOST and
# RSA with the NCA's certificates (README, "Two ways to sign"); "builtin" needs
# RECALL_EDS_TRUST_ROOTS, or the deploy check refuses to start (recall.E009).
RECALL_EDS_BACKEND = env("RECALL_EDS_BACKEND", default="ncanode")
if RECALL_EDS_BACKEND.lower() in ("off", "none"):
    RECALL_EDS_BACKEND = ""

# Text messages carry one-time codes: production names its gateway backend explicitly.
RECALL_SMS_BACKEND = env("RECALL_SMS_BACKEND")
RECALL_ADMIN_TWO_FACTOR = env.bool("RECALL_ADMIN_TWO_FACTOR", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
