"""Findings for many sampled signatures at once (recall/admin/samples.py: findings_view,
recall.services.ledger.sampling.decide_items), and the note when the sample is the whole population."""

import pytest
from django.urls import reverse
from django.utils import translation

from recall.models import AuditEntry, SampleDecision, SampleRun, SignatureState
from recall.services import verification
from recall.services.ledger import sampling
from tests.factories import SignatureFactory
from tests.helpers import draw_sample, under_verification


def _run(collecting, voters, policy, signatures=6, by=None) -> SampleRun:
    for voter in voters[10 : 10 + signatures]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    return draw_sample(under_verification(collecting), by)


def _url(run):
    return reverse("admin:recall_samplerun_findings", args=[run.pk])


def test_findings_for_every_sampled_signature_are_saved_at_once(
    client, alice, bob, samples_of_3, collecting, voters, policy
):
    run = _run(collecting, voters, policy, by=alice)
    first, second, third = run.items.order_by("position")
    client.force_login(bob)
    page = client.get(_url(run)).content.decode()
    assert page.count("<select") == 3 and 'accesskey="s"' in page
    assert f'<label for="id_item_{first.pk}" class="visually-hidden">' in page
    response = client.post(
        _url(run), {f"item_{first.pk}": "valid", f"item_{second.pk}": "invalid:forgery", f"item_{third.pk}": ""}
    )
    assert response.status_code == 302
    decided = {i.pk: (i.decision, i.ground) for i in run.items.all()}
    assert decided == {
        first.pk: (SampleDecision.VALID, ""),
        second.pk: (SampleDecision.INVALID, "forgery"),
        third.pk: ("", ""),
    }
    second.signature.refresh_from_db()
    assert second.signature.state == SignatureState.INVALID
    # One action of the official, one entry in the audit log, with each finding in it.
    assert not AuditEntry.objects.filter(action="sample.decided").exists()
    entry = AuditEntry.objects.get(action="sample.findings_recorded", actor=bob)
    assert (entry.details["count"], entry.details["valid"], entry.details["invalid"]) == (2, 1, 1)
    assert [(f["position"], f["valid"], f["ground"]) for f in entry.details["findings"]] == [
        (first.position, True, ""),
        (second.position, False, "forgery"),
    ]
    assert entry.reason == ""  # nothing the official did not write, in no language


def test_the_audit_log_reads_one_sentence_for_many_findings_in_the_officials_language(
    client, alice, bob, samples_of_3, collecting, voters, policy
):
    run = _run(collecting, voters, policy, by=alice)
    findings = [sampling.Finding(item.pk, valid=True) for item in run.items.all()]
    with translation.override("kk"):  # recorded from a Kazakh page ...
        sampling.decide_items(run.pk, findings, actor=bob)
    client.force_login(bob)
    page = client.get(reverse("admin:recall_auditentry_changelist"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # ... and read on a Russian one: one row, in Russian, with the count.
    assert f"записал(а) заключения по 3 подписям из выборки петиции № {collecting.pk}" in page
    assert "кездейсоқ" not in page.lower()


def test_one_refused_finding_saves_none(client, alice, bob, samples_of_3, collecting, voters, policy):
    run = _run(collecting, voters, policy, by=alice)
    first, second, _third = run.items.order_by("position")
    sampling.decide_item(second.pk, actor=bob, valid=True)
    client.force_login(bob)
    # Changing an earlier finding needs a note: refused, and the first row is not saved either.
    response = client.post(_url(run), {f"item_{first.pk}": "valid", f"item_{second.pk}": "invalid:pencil"})
    assert response.status_code == 200
    assert f"position {second.position}" in response.content.decode()
    first.refresh_from_db()
    assert first.decision == ""
    response = client.post(
        _url(run),
        {f"item_{first.pk}": "valid", f"item_{second.pk}": "invalid:pencil", "note": "The sheet shows pencil."},
    )
    assert response.status_code == 302
    assert run.items.filter(decision__gt="").count() == 2


def test_a_row_left_as_recorded_is_not_recorded_again(client, alice, bob, samples_of_3, collecting, voters, policy):
    run = _run(collecting, voters, policy, by=alice)
    first = run.items.order_by("position").first()
    sampling.decide_item(first.pk, actor=bob, valid=True)
    before = AuditEntry.objects.filter(action__startswith="sample.").count()
    client.force_login(bob)
    page = client.get(_url(run)).content.decode()
    assert 'value="valid" selected' in page  # the recorded finding is shown
    client.post(_url(run), {f"item_{first.pk}": "valid"})
    assert AuditEntry.objects.filter(action__startswith="sample.").count() == before


def test_a_finding_outside_the_sample_is_refused(alice, bob, samples_of_3, collecting, voters, policy):
    run = _run(collecting, voters, policy, by=alice)
    with pytest.raises(sampling.InvalidInput, match="not in this sample"):
        sampling.decide_items(run.pk, [sampling.Finding(999_999, valid=True)], actor=bob)


def test_an_observer_and_another_commission_cannot_record_findings(
    client, alice, olga, charlie, samples_of_3, collecting, voters, policy
):
    run = _run(collecting, voters, policy, by=alice)
    item = run.items.first()
    for user in (olga, charlie):
        client.force_login(user)
        response = client.post(_url(run), {f"item_{item.pk}": "valid"})
        assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == ""


def test_the_page_says_when_the_sample_is_the_whole_population(client, alice, bob, collecting, voters, policy):
    run = _run(collecting, voters, policy, signatures=4, by=alice)
    assert run.sample_size == run.population_size == 4
    client.force_login(bob)
    note = "The sample is the whole population"
    assert note in client.get(_url(run)).content.decode()
    assert note in client.get(reverse("admin:recall_samplerun_change", args=[run.pk])).content.decode()


def test_a_partial_sample_has_no_whole_population_note(client, alice, bob, samples_of_3, collecting, voters, policy):
    run = _run(collecting, voters, policy, by=alice)
    client.force_login(bob)
    assert "whole population" not in client.get(_url(run)).content.decode()


def test_a_closed_samples_projection_reads_as_a_whole_number(
    client, alice, bob, samples_of_3, collecting, voters, policy
):
    run = _run(collecting, voters, policy, by=alice)
    for item in run.items.all():
        sampling.decide_item(item.pk, actor=bob, valid=True)
    run = sampling.close_sample(run.pk, actor=bob)
    assert run.projected_valid is not None
    client.force_login(bob)
    page = client.get(reverse("admin:recall_samplerun_change", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    text = page.content.decode()
    assert f"{run.projected_valid:.2f}".replace(".", ",") not in text
    assert f">{round(run.projected_valid)}<" in text.replace("\u00a0", "").replace(" ", "")


def test_the_exceptions_are_marked_and_the_rest_recorded_valid_in_one_save(
    client, alice, bob, samples_of_3, collecting, voters, policy
):
    run = _run(collecting, voters, policy, by=alice)
    first, second, third = run.items.order_by("position")
    client.force_login(bob)
    page = client.get(_url(run)).content.decode()
    assert 'name="rest_valid"' in page and page.index('name="rest_valid"') < page.index("<table")
    response = client.post(
        _url(run),
        {f"item_{first.pk}": "", f"item_{second.pk}": "invalid:forgery", f"item_{third.pk}": "", "rest_valid": "1"},
    )
    assert response.status_code == 302
    decided = {i.pk: (i.decision, i.ground) for i in run.items.all()}
    assert decided == {
        first.pk: (SampleDecision.VALID, ""),
        second.pk: (SampleDecision.INVALID, "forgery"),
        third.pk: (SampleDecision.VALID, ""),
    }
