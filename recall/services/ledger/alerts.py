"""Alarms about the ledger: written to the audit log and the error log, and e-mailed to the
commission of the petition's district (and the central commission) at once. A ledger alarm is
evidence of tampering or a fork, never routine: it must reach people, not only a log file."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from ...models import Petition
from .. import audit
from ..notices.progress import officials_of

logger = logging.getLogger(__name__)


def raise_alarm(petition_id: int, action: str, summary: str, **details: Any) -> None:
    """Record ``action`` (an audit action, e.g. ``ledger.counts_differ``) and tell the commission."""
    logger.error("ledger alarm for petition %s: %s %s", petition_id, summary, details)
    audit.record(action, system_label="ledger", petition_id=petition_id, summary=summary, **details)
    petition = Petition.objects.select_related("district").filter(pk=petition_id).first()
    if petition is None:
        return
    recipients = officials_of(petition)
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Public ledger alarm: petition No. %(id)s") % {"id": petition_id}
        body = _(
            "%(summary)s\n\nThe audit log holds the details. The public ledger, its witnesses and "
            "tools/verify_ledger.py show what the public sees; investigate before anything is certified.\n\n%(details)s\n"
        ) % {"summary": summary, "details": json.dumps(details, indent=1, sort_keys=True, default=str)}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)
