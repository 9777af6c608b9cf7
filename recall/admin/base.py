"""What every officials' admin page shares: the jurisdiction scope and the role rules.

Permissions come from the user's role and commission, not from Django's permission tables:
an official sees and acts on the records of the districts in the commission's jurisdiction
(the central commission's, all of them); an observer sees the same records and changes none.
Nothing is deleted from the admin: petitions, signatures and decisions are evidence.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .. import jurisdiction
from ..errors import DomainError
from ..services import audit


def is_member(request: HttpRequest) -> bool:
    return jurisdiction.is_member(request.user)


def is_central(request: HttpRequest) -> bool:
    return jurisdiction.sees_everything(request.user)


class NotFoundHere:
    """A record an official cannot open: nothing is ever deleted here, so say what is true (it
    is outside their commission's jurisdiction, or there is no such record), not Django's
    "doesn't exist. Perhaps it was deleted?"."""

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> HttpResponse:
        self.message_user(  # type: ignore[attr-defined]
            request,
            _("%(name)s No. %(key)s is outside your commission's jurisdiction, or there is no such record.")
            % {"name": capfirst(opts.verbose_name), "key": object_id},
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:index"))


class ScopedAdmin(NotFoundHere, admin.ModelAdmin):
    """Rows are limited to the districts of the user's jurisdiction."""

    # Path from the model to its District, e.g. "district" or "petition__district".
    district_path: str = "district"
    # Only the central commission may add or change these (reference data).
    central_only_changes = False
    # An address typed without a scheme is read as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return scope_queryset(super().get_queryset(request), request, self.district_path)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_member(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_member(request) and (obj is None or self.in_scope(request, obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not request.user.can_act or (self.central_only_changes and not is_central(request)):
            return False
        return obj is None or self.in_scope(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.can_act and (is_central(request) or not self.central_only_changes)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        return scope_queryset(self.model._default_manager.filter(pk=obj.pk), request, self.district_path).exists()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        path = _SCOPED_RELATIONS.get(db_field.related_model._meta.label)
        if path is not None:
            kwargs["queryset"] = scope_queryset(db_field.related_model._default_manager.all(), request, path)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """A domain rule refusing the save (checked in its transaction) is a message, not an error page."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            messages.error(request, str(error.message))
            return HttpResponseRedirect(request.get_full_path())

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not request.user.can_act:
            return {}
        return actions


# Choices in forms are scoped too: an official cannot pick another commission's deputy.
_SCOPED_RELATIONS = {
    "recall.District": "",
    "recall.Deputy": "district",
    "recall.Petition": "district",
}


def scope_queryset(queryset: models.QuerySet, request: HttpRequest, district_path: str) -> models.QuerySet:
    return jurisdiction.scope(queryset, request.user, district_path)


class CentralCommissionOnly(NotFoundHere):
    """Records the central commission alone adds and changes, never deletes (commissions,
    officials, partners, national rules), each change in the audit log where the admin says so.
    ``readable_by_members``: every official reads them too (the rules); otherwise the central
    commission alone sees them. ``addable``: new rows are added here (not made by the system)."""

    readable_by_members = False
    addable = True

    def _reads(self, request: HttpRequest) -> bool:
        return is_member(request) if self.readable_by_members else is_central(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._reads(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._reads(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_central(request) and request.user.can_act

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.addable and self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ScopedAdmin):
    """Records written only by the system (audit log, transitions, deliveries)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedChanges:
    """Every addition and change made through this admin goes to the application's audit log
    (who, what, which fields; never their values, such as a password hash), beside Django's
    own admin history. For users, commissions, API keys, policies, deputies and districts:
    the records whose change would alter who may do what."""

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        audit.record("admin.added", actor=request.user, **self.audit_subject(obj), change=_plain(message))
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        audit.record("admin.changed", actor=request.user, **self.audit_subject(obj), change=_plain(message))
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def audit_subject(self, obj: models.Model) -> dict[str, Any]:
        """How the audit entry names the record (an API key by its public prefix, not its id)."""
        return {"obj": obj}


def _plain(message: Any) -> Any:
    """Django's change message (field labels, possibly lazy) as plain JSON."""
    if isinstance(message, list | tuple):
        return [_plain(m) for m in message]
    if isinstance(message, dict):
        return {str(k): _plain(v) for k, v in message.items()}
    return str(message)
