"""The officials' admin in Kazakh and Russian: Django's missing Kazakh texts, correct Russian
grammar, 24-hour local dates, the audit log's codes in words."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from recall.models import AuditEntry
from recall.services import lifecycle


def _page(client, user, url, language):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("text", ["Recent actions", "View site", "Skip to main content", "Toggle theme"])
def test_the_kazakh_admin_index_has_none_of_djangos_english(client, bob, text):
    assert text not in _page(client, bob, reverse("admin:index"), "kk")


def test_the_kazakh_admin_index_uses_the_projects_kazakh_for_what_django_lacks(client, bob):
    html = _page(client, bob, reverse("admin:index"), "kk")
    assert "Сайтты ашу" in html  # "View site"


def test_a_russian_list_is_titled_by_what_it_lists_in_good_grammar(client, bob, applied):
    html = _page(client, bob, reverse("admin:recall_petition_changelist"), "ru")
    assert "<h1>Петиции</h1>" in html
    assert "Выберите петиция" not in html and "Добавить петиция" not in html


@pytest.mark.parametrize(("count", "words"), [(1, "1 запись"), (3, "3 записи"), (46, "46 записей")])
def test_the_russian_list_counts_records_with_the_right_plural(client, alice, count, words):
    AuditEntry.objects.bulk_create([AuditEntry(action="counts.repaired", actor_label="reconciliation")] * count)
    html = _page(client, alice, reverse("admin:recall_auditentry_changelist"), "ru")
    assert re.search(rf"\b{words}\b", html)
    assert "журнал аудита\n" not in html.split('class="paginator"')[1]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_dates_are_local_and_on_a_24_hour_clock(language):
    evening = timezone.make_aware(dt.datetime(2026, 11, 28, 22, 58))
    with translation.override(language):
        assert formats.date_format(timezone.localtime(evening), "DATETIME_FORMAT") == "28.11.2026 22:58"
        assert formats.date_format(evening.date(), "SHORT_DATE_FORMAT") == "28.11.2026"


def test_the_audit_log_names_actions_and_system_actors_in_kazakh(client, bob, applied):
    lifecycle.register(applied, actor=None)
    html = _page(client, bob, reverse("admin:recall_auditentry_changelist"), "kk")
    assert "петицияның күйі өзгерді" in html  # petition.state_changed
    assert "жүйе" in html  # the system
    assert ">petition.state_changed<" not in html  # the code only in the filter's link


def test_the_audit_log_filters_by_the_named_action(client, bob, applied):
    lifecycle.register(applied, actor=None)
    AuditEntry.objects.create(action="counts.repaired", actor_label="reconciliation", petition=applied)
    client.force_login(bob)
    url = reverse("admin:recall_auditentry_changelist") + "?action__exact=counts.repaired"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert [e.action for e in response.context["cl"].result_list] == ["counts.repaired"]
    assert "сверка счётчиков" in response.content.decode()
