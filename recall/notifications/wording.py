"""Phrases shared by the text messages and e-mails the service sends."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Petition


def petition_short(petition: Petition) -> str:
    """The petition in a text message: its number, the deputy and the district, in the active language."""
    return _("petition No. %(id)s to recall %(deputy)s (%(district)s)") % {
        "id": petition.pk,
        "deputy": petition.deputy.name_as_object,
        "district": petition.district.name_local,
    }
