"""The embedded default: SQLite, tasks in-process, console e-mail and SMS. No server needed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-secret")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
RECALL_IIN_KEY = env("RECALL_IIN_KEY", default="local-development-iin-key")
RECALL_ENCRYPTION_KEYS = env.list("RECALL_ENCRYPTION_KEYS", default=["bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ="])
# A development key, public in this repository: never a deployment's.
RECALL_LEDGER_SIGNING_KEY = env(
    "RECALL_LEDGER_SIGNING_KEY",
    default="PRIVATE+KEY+recall.local/ledger+eb3299b0+Aa2zP8NgFnpbJMKPZIirJtLDbyPlXsrJO7yj4oCkh08L",
)
RECALL_LEDGER_HOST = env("RECALL_LEDGER_HOST", default="recall.local")
# Offline development: a stand-in beacon (not drand), and a minute for the parties to reveal.
RECALL_BEACON = env("RECALL_BEACON", default="stand-in")
RECALL_SAMPLE_REVEAL_SECONDS = env.int("RECALL_SAMPLE_REVEAL_SECONDS", default=60)
RECALL_SAMPLE_REVEAL_MARGIN_SECONDS = env.int("RECALL_SAMPLE_REVEAL_MARGIN_SECONDS", default=5)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# No beat runs here: what it signs every few seconds is signed as the ledger grows.
RECALL_LEDGER_CHECKPOINT_AFTER_COMMIT = env.bool("RECALL_LEDGER_CHECKPOINT_AFTER_COMMIT", default=True)
RECALL_WEBHOOK_ALLOW_HTTP = env.bool("RECALL_WEBHOOK_ALLOW_HTTP", default=True)
RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("RECALL_WEBHOOK_ALLOW_PRIVATE_TARGETS", default=True)
# The demo's strong path: EDS verified in-process against the CA that load_demo makes, whose
# voters' keys a dialog on the EDS page uses in place of NCALayer. No OCSP responder runs here.
RECALL_DEMO = env.bool("RECALL_DEMO", default=True)
RECALL_DEMO_CA_DIR = env("RECALL_DEMO_CA_DIR", default=str(BASE_DIR / "var" / "demo-ca"))  # noqa: F405
RECALL_EDS_BACKEND = env("RECALL_EDS_BACKEND", default="builtin")
RECALL_EDS_TRUST_ROOTS = env.list("RECALL_EDS_TRUST_ROOTS", default=[f"{RECALL_DEMO_CA_DIR}/root.pem"])
RECALL_EDS_INTERMEDIATES = env.list("RECALL_EDS_INTERMEDIATES", default=[f"{RECALL_DEMO_CA_DIR}/intermediate.pem"])
RECALL_EDS_CHECK_REVOCATION = env.bool("RECALL_EDS_CHECK_REVOCATION", default=False)
# eGov Mobile in the demo: the stand-in for SIGEX's API and the phone served by this very server
# (recall/demo/sigex.py, DEBUG and RECALL_DEMO only), at `make run`'s address.
RECALL_MOBILE_SIGN_BACKEND = env("RECALL_MOBILE_SIGN_BACKEND", default="sigex")
RECALL_MOBILE_SIGN_SIGEX_URL = env("RECALL_MOBILE_SIGN_SIGEX_URL", default="http://127.0.0.1:8000/demo/sigex")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
