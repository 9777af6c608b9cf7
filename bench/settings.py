"""Settings for the benchmarks: production-like (DEBUG off, PostgreSQL, Redis broker and cache,
persistent connections), a database of their own, throttling out of the way."""

from config.cache import caches_config
from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK, env, with_prepared_statements, with_replicas

DEBUG = False
SECRET_KEY = "benchmark-only"
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": env.db("BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/recall_bench")}
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # as config.settings.production
# DATABASE_REPLICA_URLS: public reads on streaming replicas (bench/replica.py starts one).
DATABASES = with_prepared_statements(with_replicas(DATABASES))
CACHES = caches_config(env.cache("BENCH_CACHE_URL", default="redis://127.0.0.1:6379/12"))
CELERY_BROKER_URL = env("BENCH_REDIS_URL", default="redis://127.0.0.1:6379/11")
CELERY_TASK_ALWAYS_EAGER = False
RECALL_IIN_KEY = "benchmark-iin-key"
RECALL_ENCRYPTION_KEYS = ["YmVuY2htYXJrLWJlbmNobWFyay1iZW5jaG1hcmstMTI="]
RECALL_SMS_BACKEND = env("RECALL_SMS_BACKEND", default="recall.notifications.sms.LocmemBackend")
RECALL_LEDGER_SIGNING_KEY = "PRIVATE+KEY+recall.bench/ledger+988628b3+AR/3s08akyMjjsHTzYLN+4IWVE7bbBcCR61OBGqwabwh"
RECALL_LEDGER_HOST = "recall.bench"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000000/minute", "client": "10000000/minute"}}
ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
