"""EDS under the level's channel policy: refused at the door when the commission does not accept
it (site and partner API), refused at the INSERT when it stopped accepting it after the
statement was issued, and stored with the identity a certificate proves."""

from __future__ import annotations

import base64

import pytest

from recall.errors import ChannelNotAccepted
from recall.models import RecallPolicy, Signature
from recall.services.signing import eds
from tests.helpers import partner_client

from .ca import sign_cms

ADDRESS = "Karaganda, Abai street 12, apt. 5"


def set_policy(petition, **values):
    RecallPolicy.objects.filter(level=petition.district.level).update(**values)


def test_the_sign_page_does_not_offer_eds_when_refused(client, collecting):
    set_policy(collecting, accept_eds=False)
    page = client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()
    assert "Sign with EDS" not in page and 'name="phone"' in page


def test_a_direct_post_for_a_statement_is_refused(client, collecting):
    set_policy(collecting, accept_eds=False)
    response = client.post(f"/en/petitions/{collecting.pk}/sign/eds/")
    assert response.status_code == 403
    assert "does not accept signatures made this way" in response.content.decode()


def test_a_partner_asking_for_a_statement_gets_channel_not_accepted(collecting):
    set_policy(collecting, accept_eds=False)
    partner = partner_client()
    response = partner.post(f"/api/v1/petitions/{collecting.pk}/eds-statements/", {"language": "ru"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "channel_not_accepted")


def test_a_statement_issued_before_the_refusal_is_refused_at_the_insert(collecting, certs):
    issued = eds.issue(collecting)
    set_policy(collecting, accept_eds=False)
    cms = base64.b64encode(sign_cms(issued.statement.encode(), certs["rsa"])).decode()
    with pytest.raises(ChannelNotAccepted):
        eds.sign_with_eds(issued.challenge, cms, petition_id=collecting.pk, address=ADDRESS)
    assert not Signature.objects.exists()


def test_an_eds_signature_proves_a_certificate(collecting, certs):
    issued = eds.issue(collecting)
    cms = base64.b64encode(sign_cms(issued.statement.encode(), certs["rsa"])).decode()
    signature = eds.sign_with_eds(issued.challenge, cms, petition_id=collecting.pk, address=ADDRESS)
    assert Signature.objects.get(pk=signature.pk).identity_strength == "certificate"
