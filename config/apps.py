from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The officials' admin site asks for a second factor (accounts.two_factor)."""

    default_site = "accounts.two_factor.RecallAdminSite"

    def ready(self) -> None:
        # Every admin's date-and-time inputs get accessible names (recall.admin.widgets). Set
        # before autodiscovery: each ModelAdmin copies Django's defaults when it is registered.
        from django.contrib.admin import options
        from django.db import models

        from recall.admin.widgets import LabelledSplitDateTime

        options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateTimeField]["widget"] = LabelledSplitDateTime
        super().ready()
