"""The deadlines in the admin: the petition list's column and filter, the change page, the
public holidays page, and change-form titles in the accusative."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from recall.models import Petition, PublicHoliday


def _list(client, user, query="", language="en"):
    client.force_login(user)
    response = client.get(reverse("admin:recall_petition_changelist") + query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def test_an_overdue_application_is_red_and_filtered(client, bob, applied):
    Petition.objects.filter(pk=applied.pk).update(registration_due=timezone.localdate() - dt.timedelta(days=2))
    html = _list(client, bob, language="ru").content.decode()
    assert 'class="deadline-overdue"' in html and "просрочено" in html
    overdue = _list(client, bob, "?deadline=overdue").context["cl"].result_list
    assert [p.pk for p in overdue] == [applied.pk]
    assert not _list(client, bob, "?deadline=soon").context["cl"].result_list


def test_a_deadline_within_three_days_is_due_soon(client, bob, applied):
    Petition.objects.filter(pk=applied.pk).update(registration_due=timezone.localdate() + dt.timedelta(days=2))
    assert [p.pk for p in _list(client, bob, "?deadline=soon").context["cl"].result_list] == [applied.pk]
    page = client.get(reverse("admin:recall_petition_change", args=[applied.pk])).content.decode()
    assert "commission&#x27;s deadline" in page.lower() or "commission's deadline" in page.lower()


def test_the_dashboard_counts_and_links_the_overdue(client, bob, applied):
    Petition.objects.filter(pk=applied.pk).update(registration_due=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(bob)
    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "У 1 петиции истёк срок комиссии." in html
    assert reverse("admin:recall_petition_changelist") + "?deadline=overdue" in html


def test_every_official_reads_the_holidays_and_the_central_commission_edits_them(client, alice, bob):
    url = reverse("admin:recall_publicholiday_changelist")
    client.force_login(bob)
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:recall_publicholiday_add")).status_code == 403
    client.force_login(alice)
    response = client.post(
        reverse("admin:recall_publicholiday_add"),
        {"day": "2026-12-31", "name": "Decree: day off moved", "is_day_off": "on"},
    )
    assert response.status_code == 302
    added = PublicHoliday.objects.get(day=dt.date(2026, 12, 31))
    assert added.source == PublicHoliday.Source.OFFICIAL


@pytest.mark.parametrize(
    ("language", "title"),
    [("ru", "Изменить петицию"), ("kk", "Петицияны өзгерту"), ("en", "Change petition")],
)
def test_the_change_form_names_the_record_in_the_accusative(client, alice, applied, language, title):
    client.force_login(alice)
    page = client.get(reverse("admin:recall_petition_change", args=[applied.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert f"<h1>{title}</h1>" in page.content.decode()


def test_an_observer_sees_view_in_the_accusative(client, olga, applied):
    client.force_login(olga)
    page = client.get(reverse("admin:recall_petition_change", args=[applied.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    assert "<h1>Просмотреть петицию</h1>" in page.content.decode()


def test_date_and_time_inputs_are_named(client, alice):
    client.force_login(alice)
    page = client.get(reverse("admin:accounts_user_change", args=[alice.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    html = page.content.decode()
    assert 'name="date_joined_0"' in html and 'aria-label="Дата"' in html and 'aria-label="Время"' in html
