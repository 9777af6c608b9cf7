"""Texts of django-axes shown in the officials' admin, which the library does not translate
into Kazakh. Listed here so that `make messages` keeps them in the project's catalogues, which
take precedence over the library's own (LOCALE_PATHS)."""

from django.utils.translation import gettext_noop

AXES_MESSAGES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Username"),
    gettext_noop("IP Address"),
    gettext_noop("User Agent"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Failed Logins"),
)
