from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The officials' admin site asks for a second factor (accounts.two_factor)."""

    default_site = "accounts.two_factor.RecallAdminSite"
