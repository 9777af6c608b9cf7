"""E-mails about a petition's progress, written to the notice outbox with the change that
reached them (recall.services.notices.outbox) and sent by the notification workers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Commission, User

from ...models import Petition
from ..groups import group_notices
from .outbox import Outgoing

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


def threshold_messages(petition_id: int) -> list[Outgoing]:
    """The commissions' and officials' e-mails, and the group's, about the threshold reached."""
    with translation.override(settings.LANGUAGE_CODE):
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
    messages = [Outgoing("email", address, body, subject) for address in officials_of(petition)]
    if petition.contact_email:
        group_body = body.replace(_url(petition), settings.SITE_URL)
        messages.append(Outgoing("email", petition.contact_email, group_body, subject, recipient="group"))
    logger.info("threshold notices for petition %s: %s e-mails", petition_id, len(messages))
    return messages


def milestone_messages(petition_id: int, percent: int) -> list[Outgoing]:
    """The group's texts and the e-mail to its address about a 25/50/75 % milestone."""
    messages = group_notices.milestone(petition_id, percent)
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    if not petition.contact_email:
        return messages
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
    return [*messages, Outgoing("email", petition.contact_email, body, subject, recipient="group")]
