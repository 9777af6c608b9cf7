"""Rules that guard against subtle failures: late windows, repeats, drift, imports, exports."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse

from recall.errors import IllegalTransition
from recall.models import JobState, PaperImport, Petition, PetitionState, Signature, Voter, WebhookDelivery
from recall.services import counts, jobs, lifecycle, paper_import, review, verification, webhooks
from recall.services.register_import import ImportRejected, import_register

from .factories import ApiClientFactory, SignatureFactory, VoterFactory, make_iin


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_window_ending_with_signatures_unchecked_does_not_expire_yet(collecting, voters):
    for voter in voters[10:25]:
        SignatureFactory(petition=collecting, voter_row=voter)  # received, not yet verified
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        assert lifecycle.close_due_windows() == 0
        verification.verify_all()  # the workers catch up: threshold reached after the window
        lifecycle.close_due_windows()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.SUBMITTED


def test_a_window_short_even_with_every_review_waits_only_if_reviews_could_reach(collecting, voters, bob):
    for voter in voters[10:18]:
        SignatureFactory(petition=collecting, voter_row=voter)
    for voter in voters[18:20]:
        SignatureFactory(petition=collecting, voter_row=voter, full_name="Typo")
    verification.verify_all()  # 8 valid + 2 in review of 10 required
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        assert lifecycle.close_due_windows() == 0  # the officials' decisions could still reach it
        review.decide(Signature.objects.filter(state="review").first().pk, actor=bob, valid=False, ground="forgery")
        assert lifecycle.close_due_windows() == 1
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.EXPIRED


def test_reconciliation_finds_a_counter_corrupted_to_zero(collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    Petition.objects.filter(pk=collecting.pk).update(received_count=0, valid_count=0)
    assert counts.reconcile() == {collecting.pk: {"received_count": (0, 1), "valid_count": (0, 1)}}


def test_a_repeat_can_never_be_made_valid(collecting, voters, bob):
    first = SignatureFactory(petition=collecting, voter_row=voters[10])
    repeat = SignatureFactory(petition=collecting, voter_row=voters[10], channel="partner", duplicate_of=first)
    verification.verify_all()
    with pytest.raises(IllegalTransition, match="repeat cannot be valid"):
        review.decide(repeat.pk, actor=bob, valid=True, note="looks fine")
    assert Petition.objects.get(pk=collecting.pk).valid_count == 1


def test_paper_lines_without_an_iin_are_incomplete_not_repeats(collecting, voters):
    content = "sheet,line,iin,full_name,birth_date,address,signed_on\n" + "".join(
        f"1,{n},,Someone {n},1980-01-01,addr,{dt.date.today().isoformat()}\n" for n in (1, 2, 3)
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    paper_import.run_job(job.pk)
    verification.verify_all()
    assert set(Signature.objects.values_list("ground", flat=True)) == {"incomplete"}


def test_an_uploaded_file_is_deleted_once_imported(collecting, voters, tmp_path):
    content = "sheet,line,iin,full_name,birth_date,address,signed_on\n" + (
        f"1,1,{voters[10].personal['iin']},x,1980-01-01,addr,{dt.date.today().isoformat()}\n"
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    stored = tmp_path / job.file.name
    assert stored.exists()
    job = paper_import.run_job(job.pk)
    assert not stored.exists() and job.file.name == "" and job.source_name.endswith(".csv")


def test_a_transient_database_error_leaves_the_job_for_the_retry(collecting):
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", b"x"))

    def failing(job, stream, progress):
        raise OperationalError("connection lost")

    with pytest.raises(OperationalError):
        jobs.run(PaperImport, job.pk, failing)
    job.refresh_from_db()
    assert job.state == JobState.PENDING and job.file.name  # the retry finds it and its file


def test_an_official_cannot_update_voters_of_another_jurisdiction(karaganda, almaty, bob):
    stranger = VoterFactory(district=almaty)
    line = f"{stranger.personal['iin']},Name,{stranger.personal['birth_date']},addr,K-1,deceased\n"
    with pytest.raises(ImportRejected, match="outside your jurisdiction"):
        import_register(io.BytesIO(("iin,full_name,birth_date,address,district,status\n" + line).encode()), actor=bob)
    stranger.refresh_from_db()
    assert (stranger.district, stranger.status) == (almaty, "active")


def test_iin_digits_against_the_registers_sex_send_signatures_to_an_official(collecting, karaganda):
    number = make_iin(4321, dt.date(1980, 5, 17), sex="M")
    data = f"iin,full_name,birth_date,address,district,sex\n{number},Aigul,1980-05-17,addr,K-1,F\n"
    import_register(io.BytesIO(data.encode()))
    voter = Voter.objects.get(iin_data_mismatch=True)
    signature = SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    signature.refresh_from_db()
    assert (signature.state, signature.review_reasons) == ("review", ["iin_data_mismatch"])


def test_queued_signatures_are_shown_as_awaiting(collecting, voters, client):
    for voter in voters[10:13]:
        SignatureFactory(petition=collecting, voter_row=voter)
    assert counts.refresh_queued() == 3
    data = client.get(f"/api/v1/petitions/{collecting.pk}/").json()["counts"]
    assert (data["received"], data["awaiting"]) == (3, 3)
    verification.verify_all()
    data = client.get(f"/api/v1/petitions/{collecting.pk}/").json()["counts"]
    assert (data["received"], data["awaiting"], data["valid"]) == (3, 0, 3)


def test_editing_a_petition_in_the_admin_keeps_the_workers_counts(client, bob, collecting, voters):
    client.force_login(bob)
    url = reverse("admin:recall_petition_change", args=[collecting.pk])
    form = client.get(url).context["adminform"].form
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()  # the workers write while the official edits
    data = {
        **form.initial,
        "deputy_answer": "My answer.",
        "contact_email": "",
        "initiative_group-TOTAL_FORMS": 0,
        "initiative_group-INITIAL_FORMS": 0,
        "transitions-TOTAL_FORMS": 0,
        "transitions-INITIAL_FORMS": 0,
    }
    data = {k: v for k, v in data.items() if v is not None}
    client.post(url, data)
    collecting.refresh_from_db()
    assert collecting.deputy_answer == "My answer." and collecting.answer_published_at is not None
    assert collecting.valid_count == 1
    assert collecting.audit_entries.filter(action="petition.details_changed", actor=bob).exists()


def test_csv_cells_cannot_run_as_formulas(client, bob, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10], full_name='=HYPERLINK("http://x")')
    client.force_login(bob)
    text = b"".join(client.get(reverse("admin:recall_petition_export_csv", args=[collecting.pk])).streaming_content)
    assert "'=HYPERLINK" in text.decode()


def test_a_webhook_to_a_local_address_is_refused_at_delivery(applied, settings):
    endpoint = webhooks.create_endpoint(
        client_id=ApiClientFactory().pk, url="http://localhost:9/hook", events=["petition.state_changed"]
    )
    settings.RECALL_WEBHOOK_ALLOW_HTTP = False  # production: the name now points at a local address
    lifecycle.refuse(applied, actor=None, reason="late")
    assert webhooks.deliver(WebhookDelivery.objects.get(endpoint=endpoint).pk).state == "failed"
    assert "refused" in WebhookDelivery.objects.get().attempt_log.get().error
