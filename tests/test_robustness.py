"""Odd input gets a clear 4xx, never a server error (found by exploratory testing)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from recall.errors import InvalidInput
from recall.models import JobState, PaperImport, Signature
from recall.services import challenges, paper_import, sampling, verification, webhooks
from recall.services.register_import import import_register

from .factories import SignatureFactory, api_key


@pytest.fixture
def partner(db):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key(scopes=('read', 'sign', 'webhooks'))[1]}")
    return client


def body_of(voter, **changes):
    return {**{k: voter.personal[k] for k in ("iin", "full_name", "birth_date", "address")}, **changes}


@pytest.mark.parametrize("signed_at", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+05:00", "1850-01-01T00:00:00Z"])
def test_an_impossible_signing_time_is_a_400(partner, collecting, voters, signed_at):
    response = partner.post(
        f"/api/v1/petitions/{collecting.pk}/signatures/", body_of(voters[10], signed_at=signed_at), format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["signed_at"][0]["code"] in ("invalid", "overflow")


def test_ids_too_large_for_the_database_are_404(partner, client, collecting, voters):
    huge = "9" * 23
    assert partner.post(f"/api/v1/petitions/{huge}/signatures/", body_of(voters[10]), format="json").status_code == 404
    assert client.get(f"/en/petitions/{huge}/").status_code == 404
    assert partner.get(f"/api/v1/petitions/?deputy={huge}").status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/en/?q=%00", "/en/?region=%00", "/api/v1/signatures/%00/", "/en/confirm/%00/", "/api/v1/petitions/?region=a%00b"],
)
def test_null_characters_are_refused(partner, url):
    assert partner.get(url).status_code in (400, 404)


@pytest.mark.parametrize("url", ["https://example.com:99999/h", "https://" + "ж" * 70 + ".com/h", "https:///h"])
def test_malformed_webhook_urls_are_invalid(partner, settings, url):
    settings.RECALL_WEBHOOK_ALLOW_HTTP = False
    response = partner.post("/api/v1/webhooks/", {"url": url, "events": ["petition.state_changed"]}, format="json")
    assert response.status_code == 400 and response.json()["code"] in ("invalid", "invalid_url")


def test_list_field_errors_are_flat_and_coded(partner):
    data = partner.post("/api/v1/webhooks/", {"url": "https://example.com/h", "events": ["nope"]}, format="json").json()
    assert data["fields"]["events"] == [{"code": "invalid_choice", "message": '"nope" is not a valid choice.'}]


def test_an_oversized_body_is_a_json_413(partner, collecting, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = partner.post(f"/api/v1/petitions/{collecting.pk}/signatures/", {"address": "x" * 500}, format="json")
    assert response.status_code in (400, 413) and response["Content-Type"] == "application/json"


def test_the_check_page_hides_what_the_partner_api_hides(
    partner, client, collecting, voters, django_capture_on_commit_callbacks
):
    from recall.services import signing

    signing.sign_on_web(
        collecting.pk,
        signing.check_signer(
            iin=voters[10].personal["iin"],
            full_name=voters[10].personal["full_name"],
            birth_date=dt.date.fromisoformat(voters[10].personal["birth_date"]),
            address="x",
            phone="+77011234567",
        ),
    )
    receipt = partner.post(f"/api/v1/petitions/{collecting.pk}/signatures/", body_of(voters[10]), format="json").json()[
        "receipt"
    ]
    verification.verify_all()
    page = client.post("/en/check/", {"receipt": receipt, "iin": voters[10].personal["iin"]}).content.decode()
    assert "signed more than once" not in page and "not counted" in page


def test_an_expired_code_can_be_sent_again(collecting, voters, django_capture_on_commit_callbacks):
    import time_machine

    from recall.services import signing

    signer = signing.check_signer(
        iin=voters[10].personal["iin"],
        full_name="x",
        birth_date=dt.date(1980, 1, 1),
        address="x",
        phone="+77011234567",
    )
    started = challenges.start_signing(collecting.pk, signer)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)):
        assert challenges.resend(started.token).token == started.token


@pytest.mark.parametrize("phone", ["+7 701 555 00 4٠", "+７７０１５５５００４０"])
def test_digits_of_other_scripts_are_not_phone_numbers(phone):
    with pytest.raises(InvalidInput):
        challenges.normalize_phone(phone)


def test_windows_1251_files_are_read(karaganda):
    from .factories import make_iin

    number = make_iin(1, dt.date(1980, 5, 17))
    data = f"iin,full_name,birth_date,address,district\n{number},Ахметов Ерлан,1980-05-17,Абая 1,K-1\n"
    assert import_register(io.BytesIO(data.encode("cp1251"))).created == 1


def test_paper_sheet_numbers_beyond_reason_are_bad_lines(collecting, voters, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = (
        "sheet,line,iin,full_name,birth_date,address,signed_on\n"
        f"99999999999999999999,1,{voters[10].personal['iin']},x,9999-12-31,a,{dt.date.today().isoformat()}\n"
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    job = paper_import.run_job(job.pk)
    assert job.state == JobState.FAILED and "1 to 100000" in job.errors[0]["error"]


def test_an_impossible_birth_date_on_paper_is_incomplete(collecting, voters, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = (
        "sheet,line,iin,full_name,birth_date,address,signed_on\n"
        f"1,1,{voters[10].personal['iin']},x,9999-12-31,a,{dt.date.today().isoformat()}\n"
    )
    job = PaperImport.objects.create(petition=collecting, file=SimpleUploadedFile("s.csv", content.encode()))
    paper_import.run_job(job.pk)
    verification.verify_all()
    assert Signature.objects.get().ground == "incomplete"


def test_a_changed_sample_finding_needs_a_reason(collecting, voters, bob, policy):
    from recall.models import Petition

    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    Petition.objects.filter(pk=collecting.pk).update(state="verifying")
    collecting.refresh_from_db()
    item = sampling.start_sample(collecting, actor=bob).items.get()
    sampling.decide_item(item.pk, actor=bob, valid=False, ground="forgery", note="erasures")
    with pytest.raises(InvalidInput, match="why"):
        sampling.decide_item(item.pk, actor=bob, valid=True)


def test_admin_pages_with_odd_parameters_do_not_fail(client, alice, collecting, voters):
    client.force_login(alice)
    assert client.get("/admin/recall/petition/abc/change/").status_code in (302, 404)
    signature = SignatureFactory(petition=collecting, voter_row=voters[10])
    for value in ("abc", "1.5", "9" * 30):
        url = reverse("admin:recall_signature_decide", args=[signature.pk]) + f"?sample_item={value}"
        assert client.get(url).status_code == 200
    page = client.post(
        reverse("admin:recall_petition_invalidate", args=[collecting.pk]),
        {"ground": "forgery", "note": "x", "received_from": "0001-01-01 00:00"},
    )
    assert page.status_code == 200 and "between 2000 and 2100" in page.content.decode()


def test_webhook_urls_resolving_nowhere_are_invalid(settings):
    settings.RECALL_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(InvalidInput):
        webhooks.validate_url("https://no-such-host.invalid/h")
