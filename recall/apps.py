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
        # Every admin's date-and-time fields get inputs with accessible names (officials' and
        # partners' admins alike: Django's defaults table is the one place they all read).
        from django.contrib.admin import options
        from django.db import models

        from . import checks, tasks  # noqa: F401
        from .admin.widgets import LabelledSplitDateTime

        options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateTimeField]["widget"] = LabelledSplitDateTime
