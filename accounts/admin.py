from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recall.admin.base import is_central

from .models import ApiClient, ApiKey, Commission, Scope, User


class CentralAdmin(admin.ModelAdmin):
    """Commissions, officials and partners are managed by the central commission."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_central(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_central(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_central(request) and request.user.can_act

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
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
        revoked = queryset.filter(revoked=False).update(revoked=True, revoked_at=timezone.now())
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
