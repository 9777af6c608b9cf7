"""Retention in the admin: each petition's purge date (or that it is not final yet, or when its
data was destroyed), and the editable retention policy."""

import datetime as dt

from django.urls import reverse
from django.utils import formats, timezone

from recall.models import Petition
from recall.services import lifecycle
from recall.services.privacy import retention


def _column(client, user):
    client.force_login(user)
    page = client.get(reverse("admin:recall_petition_changelist")).content.decode()
    return page


def test_the_list_and_the_page_show_the_purge_date_once_final(client, alice, collecting):
    assert "to be destroyed on" not in _column(client, alice)  # not final: no purge date yet
    lifecycle.withdraw(Petition.objects.get(pk=collecting.pk), actor=alice, reason="The group withdrew.")
    day = timezone.localdate() + dt.timedelta(days=30 + 365)
    expected = f"to be destroyed on {formats.date_format(day)}"
    assert f'title="{expected}">{formats.date_format(day, "SHORT_DATE_FORMAT")}<' in _column(client, alice)
    page = client.get(reverse("admin:recall_petition_change", args=[collecting.pk])).content.decode()
    assert expected in page


def test_after_a_purge_the_admin_says_when(client, alice, collecting):
    lifecycle.withdraw(Petition.objects.get(pk=collecting.pk), actor=alice, reason="The group withdrew.")
    retention.purge(collecting.pk, as_of=timezone.localdate() + dt.timedelta(days=400))
    today = timezone.localdate()
    assert (
        f'title="destroyed on {formats.date_format(today)}">✓ {formats.date_format(today, "SHORT_DATE_FORMAT")}<'
        in (_column(client, alice))
    )
    page = client.get(reverse("admin:recall_petition_change", args=[collecting.pk])).content.decode()
    assert f"destroyed on {formats.date_format(timezone.localdate())}" in page


def test_the_central_commission_edits_the_retention_policy(client, alice, policy):
    client.force_login(alice)
    page = client.get(reverse("admin:recall_recallpolicy_change", args=[policy.pk])).content.decode()
    assert 'name="retention_days"' in page and 'name="appeal_days"' in page
    assert "On Personal Data and their Protection" in page
