"""The change form's title in good grammar. Django builds "Change %s" from the model's
verbose name in the nominative ("Изменить петиция"); Russian and Kazakh need the accusative
("Изменить петицию", "петицияны өзгерту"). Each model's accusative is a translation of its
own (context "accusative"); a model without one keeps Django's title."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACCUSATIVE: dict[str, Promise] = {
    "accounts.apiclient": pgettext_lazy("accusative", "API client"),
    "accounts.apikey": pgettext_lazy("accusative", "API key"),
    "accounts.commission": pgettext_lazy("accusative", "commission"),
    "accounts.user": pgettext_lazy("accusative", "user"),
    "auth.group": pgettext_lazy("accusative", "group"),
    "axes.accessattempt": pgettext_lazy("accusative", "access attempt"),
    "recall.auditentry": pgettext_lazy("accusative", "audit log entry"),
    "recall.deputy": pgettext_lazy("accusative", "deputy"),
    "recall.district": pgettext_lazy("accusative", "electoral district"),
    "recall.paperimport": pgettext_lazy("accusative", "paper sheet import"),
    "recall.petitionjob": pgettext_lazy("accusative", "background job"),
    "recall.petition": pgettext_lazy("accusative", "petition"),
    "recall.petitiontransition": pgettext_lazy("accusative", "state change"),
    "recall.publicholiday": pgettext_lazy("accusative", "public holiday"),
    "recall.recallpolicy": pgettext_lazy("accusative", "recall policy"),
    "recall.recallvote": pgettext_lazy("accusative", "recall vote"),
    "recall.registerimport": pgettext_lazy("accusative", "register import"),
    "recall.reviewqueue": pgettext_lazy("accusative", "signature awaiting review"),
    "recall.samplerun": pgettext_lazy("accusative", "random sample"),
    "recall.signature": pgettext_lazy("accusative", "signature"),
    "recall.voter": pgettext_lazy("accusative", "voter"),
    "recall.webhookdelivery": pgettext_lazy("accusative", "webhook delivery"),
    "recall.webhookendpoint": pgettext_lazy("accusative", "webhook endpoint"),
}
ADD = _("Add %(object)s")
CHANGE = _("Change %(object)s")
VIEW = _("View %(object)s")


def form_title(context: dict[str, Any]) -> str:
    """What Django's change form would call itself, with the model in the accusative."""
    opts = context.get("opts")
    accusative = ACCUSATIVE.get(opts.label_lower) if opts is not None else None
    if accusative is None:
        return str(context.get("title", ""))
    if context.get("add"):
        template = ADD
    elif context.get("has_change_permission"):
        template = CHANGE
    else:
        template = VIEW
    text = str(template) % {"object": accusative}
    return text[:1].upper() + text[1:]
