"""E-mails about a petition's progress, sent by the notification workers after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Commission, User

from ...models import Petition
from ..groups import group_notices

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
    with translation.override(settings.LANGUAGE_CODE):
        return _threshold_notices(petition_id)


def _threshold_notices(petition_id: int) -> int:
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    subject = _("Recall petition No. %(id)s reached its threshold (%(district)s)") % {
        "id": petition.pk,
        "district": petition.district.code,
    }
    body = _(
        "The petition to recall %(deputy)s (%(district)s) has %(valid)s valid signatures of the %(required)s "
        "required.\n\nThe collection window closes on %(end)s; the initiative group may submit the "
        "signatures earlier.\n\n%(url)s\n"
    ) % {
        "deputy": petition.deputy.name_as_object,
        "district": petition.district,
        "valid": petition.valid_count,
        "required": petition.required_signatures,
        "end": f"{timezone.localtime(petition.window_end):%Y-%m-%d %H:%M}",
        "url": _url(petition),
    }
    recipients = officials_of(petition)
    sent = 0
    if recipients:
        sent += send_mail(subject, body, None, recipients)
    if petition.contact_email:
        sent += send_mail(subject, body.replace(_url(petition), settings.SITE_URL), None, [petition.contact_email])
    logger.info("threshold notices for petition %s: %s e-mails", petition_id, sent)
    return sent


def send_milestone_notice(petition_id: int, percent: int) -> int:
    texted = group_notices.milestone(petition_id, percent)
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    if not petition.contact_email:
        return texted
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "id": petition.pk,
            "percent": percent,
            "deputy": petition.deputy.name_as_object,
            "valid": petition.valid_count,
            "required": petition.required_signatures,
            "end": f"{timezone.localtime(petition.window_end):%Y-%m-%d}",
            "url": settings.SITE_URL,
        }
        subject = _("Recall petition No. %(id)s: %(percent)s%% of the required signatures") % values
        body = (
            _(
                "The petition to recall %(deputy)s has %(valid)s valid signatures of the %(required)s required "
                "(%(percent)s%%). The window closes on %(end)s.\n\n%(url)s\n"
            )
            % values
        )
    return send_mail(subject, body, None, [petition.contact_email])
