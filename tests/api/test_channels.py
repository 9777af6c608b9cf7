"""The partner API and the open data with the level's channel policy and the identity each
signature proved."""

from recall.models import RecallPolicy, Signature
from recall.services import verification
from tests.factories import SignatureFactory
from tests.helpers import body_of, sign_url


def set_policy(petition, **values):
    RecallPolicy.objects.filter(level=petition.district.level).update(**values)


def test_a_refused_partner_channel_is_a_403_with_its_own_code(partner, collecting, voters):
    set_policy(collecting, accept_partner=False)
    response = partner.post(sign_url(collecting), body_of(voters[10]), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "channel_not_accepted"
    assert not Signature.objects.exists()


def test_the_schema_documents_the_refusal(api):
    schema = api.get("/api/schema/?format=json").content.decode()
    assert "channel_not_accepted" in schema


def test_the_petition_lists_accepted_channels_and_valid_signatures_by_identity(api, collecting, voters):
    set_policy(collecting, accept_paper=False)
    SignatureFactory(petition=collecting, voter_row=voters[10], channel="web")
    SignatureFactory(petition=collecting, voter_row=voters[11], channel="eds")
    verification.verify_all()
    data = api.get(f"/api/v1/petitions/{collecting.pk}/").json()
    assert data["accepted_channels"] == ["eds", "egov_mobile", "web", "partner"]
    assert data["valid_by_identity"] == {"certificate": 1, "phone_of_iin": 0, "phone": 1, "partner": 0, "paper": 0}


def test_open_data_counts_each_petitions_valid_signatures_by_identity(api, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10], channel="web")
    SignatureFactory(petition=collecting, voter_row=voters[11], channel="web", identity_strength="phone_of_iin")
    verification.verify_all()
    row = api.get("/api/v1/open-data/petitions.json").json()["rows"][0]
    assert (row["valid"], row["valid_phone"], row["valid_phone_of_iin"], row["valid_certificate"]) == (2, 1, 1, 0)
    header = api.get("/api/v1/open-data/petitions.csv").content.decode().splitlines()[0]
    assert header.endswith("valid_certificate,valid_phone_of_iin,valid_phone,valid_partner,valid_paper")
