"""The jurisdiction rule, in one place: who may see and act on which district's records.

An official belongs to a commission whose jurisdiction is a set of districts; the central
commission's (and a superuser's) is every district. An observer sees what an official of the
same commission sees and changes nothing. The admin scopes its lists and forms with
``scope``, every service that acts for a person calls ``authorize`` itself, and the API's
partner endpoints never act for an official. See docs/domain.md, "Who may do what".
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from .errors import OutsideJurisdiction
from .models import District


def is_member(user: Any) -> bool:
    """A staff account of a commission (or a superuser): may open the officials' workspace."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and (user.is_superuser or getattr(user, "commission_id", None))
    )


def sees_everything(user: Any) -> bool:
    return bool(is_member(user) and (user.is_superuser or user.commission.is_central))


def can_act(user: Any) -> bool:
    """May change records (inside the jurisdiction); observers only look."""
    return bool(is_member(user) and not user.is_observer)


def district_scope(user: Any) -> models.QuerySet | None:
    """The districts this user may see and act on; None means all of them."""
    if sees_everything(user):
        return None
    if not is_member(user):
        return District.objects.none()
    return District.objects.filter(commissions=user.commission_id)


def covers(user: Any, district_id: int) -> bool:
    scope = district_scope(user)
    return scope is None or scope.filter(id=district_id).exists()


def scope(queryset: models.QuerySet, user: Any, district_path: str) -> models.QuerySet:
    """``queryset`` limited to the user's districts; ``district_path`` leads from the model to
    its District (``"district"``, ``"petition__district"``; ``""`` for District itself)."""
    if not is_member(user):
        return queryset.none()
    districts = district_scope(user)
    if districts is None:
        return queryset
    lookup = f"{district_path}__in" if district_path else "pk__in"
    return queryset.filter(**{lookup: districts.values("pk")})


def authorize(actor: Any | None, district_id: int) -> None:
    """Raise unless ``actor`` may act on the district. None is the system (workers, beat,
    a voter confirmed by a one-time code): the service itself decides what it may do."""
    if actor is None:
        return
    if not can_act(actor):
        raise OutsideJurisdiction(_("Your account may look at records but not change them."))
    if not covers(actor, district_id):
        raise OutsideJurisdiction()
