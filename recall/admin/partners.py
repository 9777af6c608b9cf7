from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .base import CentralCommissionOnly, ScopedAdmin


class CentralOnly(CentralCommissionOnly, admin.ModelAdmin):
    """Partners are accredited nationally: the central commission manages them. Endpoints and
    deliveries are made through the API and by the workers, never added here."""

    addable = False
    formfield_overrides = ScopedAdmin.formfield_overrides


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(CentralOnly):
    list_display = ["url", "client", "events", "is_active", "created_at"]
    list_filter = ["is_active", "client"]
    fields = ["client", "url", "events", "is_active", "created_at"]
    readonly_fields = ["client", "url", "events", "created_at"]


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(CentralOnly):
    """Every delivery and each of its attempts, for partners' support questions."""

    list_display = ["id", "endpoint", "event", "state", "attempts", "created_at", "next_attempt_at", "delivered_at"]
    list_filter = ["state", "event"]
    list_select_related = ["endpoint"]
    inlines = [AttemptInline]
    readonly_fields = [
        "endpoint",
        "event",
        "payload",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "delivered_at",
    ]
    verbose_name = _("webhook delivery")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
