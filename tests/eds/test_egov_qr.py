"""The SIGEX eGov QR client (recall/eds/egov_qr.py) against the stand-in shaped after SIGEX's API."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from recall.eds.egov_qr import Pending, QrSigningError, SigexQrClient
from recall.eds.parse import parse_cms

STATEMENT = "Петиция об отзыве депутата\nОдноразовый код: abc".encode()


@pytest.fixture
def client(sigex):
    return SigexQrClient(sigex.url, timeout=0.5)


def send(client, procedure):
    client.send_data(procedure.data_url, names=["Заявление"], data=STATEMENT, meta=[{"name": "a", "value": "b"}])


def test_it_registers_a_procedure_with_a_qr_code_and_links(client, sigex):
    procedure = client.register("Отзыв депутата")
    assert base64.b64decode(procedure.qr_code).startswith(b"\x89PNG")
    assert procedure.mobile_link.startswith("https://mgovsign.page.link/")
    assert procedure.business_link.startswith("https://egovbusiness.page.link/")
    assert procedure.data_url.endswith("/data") and procedure.sign_url.endswith("/sign")
    assert procedure.expire_at > dt.datetime.now(dt.UTC)
    assert sigex.requests == [("POST", "/api/egovQr")]


def test_it_sends_the_data_attached_and_gets_the_cms_over_it(client, sigex):
    procedure = client.register("Отзыв депутата")
    send(client, procedure)
    [sent] = next(iter(sigex.procedures.values())).documents
    assert base64.b64decode(sent["document"]["file"]["data"]) == STATEMENT
    assert sent["nameRu"] == sent["nameKz"] == sent["nameEn"] == "Заявление"
    assert next(iter(sigex.procedures.values())).sign_method == "CMS_WITH_DATA"
    [cms] = client.signatures(procedure.sign_url)
    assert parse_cms(base64.b64decode(cms)).content == STATEMENT


def test_a_phone_that_has_not_scanned_yet_is_pending_within_the_timeout(client, sigex):
    sigex.phone = "hold"
    procedure = client.register("Отзыв депутата")
    with pytest.raises(Pending):
        send(client, procedure)


def test_signatures_not_made_yet_are_pending(client, sigex):
    procedure = client.register("Отзыв депутата")
    with pytest.raises(Pending):
        client.signatures(procedure.sign_url)


def test_a_cancelled_signing_is_sigex_s_message(client, sigex):
    sigex.phone = "cancel"
    procedure = client.register("Отзыв депутата")
    with pytest.raises(QrSigningError) as caught:
        send(client, procedure)
    assert caught.value.message == "Подписание отклонено пользователем" and not caught.value.unavailable


def test_an_expired_procedure_is_refused(client, sigex):
    sigex.phone = "expire"
    procedure = client.register("Отзыв депутата")
    assert procedure.expire_at < dt.datetime.now(dt.UTC)
    with pytest.raises(QrSigningError, match="истек"):
        send(client, procedure)


def test_the_same_procedure_takes_data_once(client, sigex):
    procedure = client.register("Отзыв депутата")
    send(client, procedure)
    with pytest.raises(QrSigningError):
        send(client, procedure)


def test_an_unreachable_service_is_unavailable(sigex):
    with pytest.raises(QrSigningError) as caught:
        SigexQrClient("http://127.0.0.1:9", timeout=0.5).register("x")
    assert caught.value.unavailable


def test_an_unknown_procedure_is_an_http_error(client, sigex):
    with pytest.raises(QrSigningError) as caught:
        client.signatures(f"{sigex.url}/api/egovQr/nope/sign")
    assert caught.value.unavailable


def test_the_deploy_check_wants_an_eds_backend_behind_egov_mobile(settings):
    from recall.checks import mobile_signing_is_verified

    settings.RECALL_MOBILE_SIGN_BACKEND = "sigex"
    settings.RECALL_EDS_BACKEND = ""
    assert [error.id for error in mobile_signing_is_verified()] == ["recall.E010"]
    settings.RECALL_EDS_BACKEND = "ncanode"
    assert mobile_signing_is_verified() == []
    settings.RECALL_MOBILE_SIGN_BACKEND = "sigexx"
    assert [error.id for error in mobile_signing_is_verified()] == ["recall.E010"]
