from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecallConfig(AppConfig):
    name = "recall"
    verbose_name = _("Recall petitions")

    def ready(self) -> None:
        # checks registers the system checks. tasks registers the Celery tasks in every process,
        # not only in workers: the services hand work over by name (recall.task_names), and a
        # task run in-process (the embedded default, or a code when the broker is down) is
        # looked up by that name.
        from config import sqlite  # noqa: F401  (SQLite's LIKE ignores case in every script)

        from . import checks, crypto, tasks  # noqa: F401
        from .services.privacy import keys

        crypto.use_data_keys(keys.data_key)
