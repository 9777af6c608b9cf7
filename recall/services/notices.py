"""E-mails about a petition's progress, sent by the notification workers after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q

from accounts.models import Commission, User

from ..models import Petition

logger = logging.getLogger(__name__)


def officials_of(petition: Petition) -> list[str]:
    """Addresses of the commissions whose jurisdiction holds the district, and of their officials."""
    commissions = Commission.objects.filter(Q(is_central=True) | Q(districts=petition.district_id)).distinct()
    addresses = {c.email for c in commissions if c.email}
    addresses |= set(
        User.objects.filter(commission__in=commissions, is_active=True, role="official")
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(addresses)


def _url(petition: Petition) -> str:
    return f"{settings.SITE_URL}/admin/recall/petition/{petition.pk}/change/"


def send_threshold_notices(petition_id: int) -> int:
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    subject = f"Recall petition #{petition.pk} reached its threshold ({petition.district.code})"
    body = (
        f"The petition to recall {petition.deputy} ({petition.district}) has {petition.valid_count} valid "
        f"signatures of the {petition.required_signatures} required.\n\n"
        f"The collection window closes on {petition.window_end:%Y-%m-%d %H:%M}; the initiative group may "
        f"submit the signatures earlier.\n\n{_url(petition)}\n"
    )
    recipients = officials_of(petition)
    sent = 0
    if recipients:
        sent += send_mail(subject, body, None, recipients)
    if petition.contact_email:
        sent += send_mail(subject, body.replace(_url(petition), settings.SITE_URL), None, [petition.contact_email])
    logger.info("threshold notices for petition %s: %s e-mails", petition_id, sent)
    return sent


def send_milestone_notice(petition_id: int, percent: int) -> int:
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    if not petition.contact_email:
        return 0
    return send_mail(
        f"Recall petition #{petition.pk}: {percent}% of the required signatures",
        (
            f"The petition to recall {petition.deputy} has {petition.valid_count} valid signatures of the "
            f"{petition.required_signatures} required ({percent}%). The window closes on "
            f"{petition.window_end:%Y-%m-%d}.\n\n{settings.SITE_URL}\n"
        ),
        None,
        [petition.contact_email],
    )
