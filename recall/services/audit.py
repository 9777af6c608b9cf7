from __future__ import annotations

from typing import Any

from django.db import models

from ..models import AuditEntry

SYSTEM = "system"


def actor_fields(actor: Any | None, system_label: str = SYSTEM) -> dict[str, Any]:
    """Who did it: an official, or a named part of the system (worker, beat, voter, partner)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": ""}
    return {"actor": None, "actor_label": system_label}


def record(
    action: str,
    *,
    actor: Any | None = None,
    system_label: str = SYSTEM,
    petition_id: int | None = None,
    obj: models.Model | None = None,
    reason: str = "",
    **details: Any,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        petition_id=petition_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        reason=reason,
        details=details,
        **actor_fields(actor, system_label),
    )
