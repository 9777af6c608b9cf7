from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecallConfig(AppConfig):
    name = "recall"
    verbose_name = _("Recall petitions")

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
