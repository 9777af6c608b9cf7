from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as reset_login_attempts
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_api_key.models import APIKey

from recall.admin.base import AuditedChanges, CentralCommissionOnly, is_central
from recall.services import audit

from . import two_factor
from .models import ApiClient, ApiKey, Commission, Role, Scope, User


class CentralAdmin(CentralCommissionOnly, AuditedChanges, admin.ModelAdmin):
    """Commissions, officials and partners are managed by the central commission; every
    change is in the audit log."""


@admin.register(Commission)
class CommissionAdmin(CentralAdmin):
    list_display = ["name", "is_central", "email", "district_count"]
    search_fields = ["name"]
    filter_horizontal = ["districts"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(district_total=Count("districts"))

    @admin.display(description=_("districts"))
    def district_count(self, obj: Commission) -> str:
        return str(_("all")) if obj.is_central else str(obj.district_total)


@admin.register(User)
class UserAdmin(CentralAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "commission", "role", "is_active"]
    list_filter = ["role", "commission", "is_active"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        (_("Commission"), {"fields": ["commission", "role", "is_active", "is_staff"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2", "commission", "role"]}),
    ]

    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset the second factor (a lost phone)"))
    def reset_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        # A deputy's second factor is reset from the deputy's account page, which tells the deputy.
        chosen = [u for u in queryset if self.has_change_permission(request, u) and not u.is_deputy]
        for user in chosen:
            two_factor.reset(user, actor=request.user)
        messages.success(
            request,
            _("Second factor reset for %(n)s officials: they set it up again at their next sign-in.")
            % {"n": len(chosen)},
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.is_superuser:
            fieldsets = [*fieldsets, (_("Superuser"), {"fields": ["is_superuser"]})]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Only a superuser grants or takes away the right to sign in to the admin.
        fields = [] if request.user.is_superuser else ["is_staff"]
        if obj is not None and obj.is_deputy:
            # A deputy's account is made from the deputy's page and stays a deputy's: no
            # commission, no admin (the database refuses it too: user_deputy_iff_deputy_role).
            fields += ["commission", "role", "is_staff"]
            # Its address and password change only through the deputy's account page: an address
            # takes effect once a second, central official confirms it, and the deputy is told
            # of each change (recall.services.groups.deputies).
            fields += ["email"]
        return list(dict.fromkeys(fields))

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            kwargs["choices"] = [(value, label) for value, label in Role.choices if value != Role.DEPUTY]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Only a superuser may change a superuser: otherwise an official of the central
        commission could set the superuser's password (Django's password form asks this too)
        and take the account over."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:  # noqa: A002 - Django passes it by name
        """No official sets a deputy's password: the deputy does, from the link sent to the
        address a second official confirmed."""
        if User.objects.filter(pk=id if str(id).isdigit() else None, role=Role.DEPUTY).exists():
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not request.user.is_superuser and {"is_staff", "is_superuser"} & set(form.changed_data):
            raise PermissionDenied
        if not change:
            obj.is_staff = True  # every member of a commission signs into the admin
        super().save_model(request, obj, form, change)


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiKey
        fields = ["client", "name", "scopes", "expiry_date"]


@admin.register(ApiKey)
class ApiKeyAdmin(CentralAdmin):
    form = ApiKeyForm
    list_display = ["prefix", "name", "client", "scopes", "created", "expiry_date", "revoked", "revoked_at"]
    list_filter = ["revoked", "client"]
    search_fields = ["prefix", "name", "client__name"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["client", "prefix", "created", "revoked", "revoked_at"]

    def audit_subject(self, obj: ApiKey) -> dict[str, Any]:
        return {"key": obj.prefix, "client": obj.client_id}

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = ApiKey.objects.assign_key(obj)
        obj.save()
        messages.warning(
            request,
            _("The new key is %(key)s — copy it now: it is stored hashed and will not be shown again.") % {"key": key},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        chosen = list(queryset.filter(revoked=False))
        revoked = queryset.filter(pk__in=[k.pk for k in chosen]).update(revoked=True, revoked_at=timezone.now())
        for key in chosen:
            audit.record("api_key.revoked", actor=request.user, key=key.prefix, client=key.client_id)
        messages.success(request, _("Revoked %(n)s keys.") % {"n": revoked})


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "name", "scopes", "created", "expiry_date", "revoked"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(CentralAdmin):
    list_display = ["name", "contact_email", "is_active", "created_at"]
    search_fields = ["name"]
    inlines = [ApiKeyInline]


@admin.register(AccessAttempt)
class FailedLoginAdmin(admin.ModelAdmin):
    """Failed sign-ins counted by django-axes, per account and per address. The central
    commission unlocks an account or an address here; nobody edits or deletes the records."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time"]
    readonly_fields = fields
    actions = ["unlock"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_central(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_central(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        return super().get_actions(request) if is_central(request) and request.user.can_act else {}

    @admin.action(description=_("Unlock the selected accounts and addresses"))
    def unlock(self, request: HttpRequest, queryset: Any) -> None:
        unlocked = 0
        for attempt in queryset:
            unlocked += reset_login_attempts(username=attempt.username) if attempt.username else 0
            unlocked += reset_login_attempts(ip=attempt.ip_address) if attempt.ip_address else 0
            audit.record(
                "login.unlocked", actor=request.user, username=attempt.username or "", address=attempt.ip_address or ""
            )
        messages.success(request, _("Unlocked: %(n)s records of failed sign-ins removed.") % {"n": unlocked})


# The libraries' own admins duplicate the project's and would edit secrets by hand: API keys
# are managed under API clients above (created hashed, revoked with an audit entry), second
# factors by the officials' own setup page and the "reset" action on users, never by editing a
# TOTP key in a form.
for _model in (APIKey, StaticDevice, TOTPDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
