import os

from celery import Celery, signals
from django.conf import settings

from config import celery_patches, metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# A worker must outlive its broker (config.celery_patches says why this is needed).
celery_patches.apply()

app = Celery("recall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["consumer"].add(celery_patches.Heartbeat)


# --- Request ids and metrics in the workers (config.metrics) ---------------------------------------
# A task carries the id of the request that queued it in its message headers; the worker puts it
# back in the log context while the task runs, so one id follows a signature from the request
# through its verification.


@signals.before_task_publish.connect
def _carry_request_id(headers: dict | None = None, **kwargs: object) -> None:
    rid = metrics.request_id.get()
    if rid and headers is not None:
        headers.setdefault("request_id", rid)


@signals.task_prerun.connect
def _restore_request_id(task: object = None, **kwargs: object) -> None:
    rid = getattr(getattr(task, "request", None), "request_id", None) or ""
    metrics.request_id.set(rid)


@signals.task_postrun.connect
def _clear_request_id(**kwargs: object) -> None:
    metrics.request_id.set("")


@signals.worker_init.connect
def _serve_metrics(**kwargs: object) -> None:
    if settings.RECALL_WORKER_METRICS_PORT:
        metrics.serve_worker_metrics(settings.RECALL_WORKER_METRICS_PORT)
