from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from accounts.models import ApiKey


class HasScope(permissions.BasePermission):
    """An accredited partner's key with the view's ``required_scope``."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated(_("This endpoint needs an `Authorization: Api-Key <key>` header."))
        if not request.auth.has_scope(view.required_scope):
            raise exceptions.PermissionDenied(
                _("This key lacks the “%(scope)s” scope.") % {"scope": view.required_scope}, code="missing_scope"
            )
        return True
