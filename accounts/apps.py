from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Officials and API clients")


class AxesConfig(AxesAppConfig):
    """django-axes, named in the official's language on the admin's pages (the library's app
    has no translated name)."""

    verbose_name = _("Login throttling")
