"""The sign page offers only the channels the level's policy accepts; a direct POST to a refused
one is refused; the petition page says which channels are accepted and how the valid signatures
were identified, in each language."""

import pytest

from recall.models import RecallPolicy, Signature
from recall.notifications import sms
from recall.services import verification
from tests.factories import SignatureFactory
from tests.helpers import form_of


def set_policy(petition, **values):
    RecallPolicy.objects.filter(level=petition.district.level).update(**values)


def test_the_text_message_form_is_not_offered_when_refused(client, collecting):
    set_policy(collecting, accept_web=False)
    html = client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()
    assert 'name="iin"' not in html
    assert "does not accept signatures on this site" in html


def test_a_direct_post_to_a_refused_channel_is_refused(client, collecting, voters):
    set_policy(collecting, accept_web=False)
    response = client.post(f"/en/petitions/{collecting.pk}/sign/", form_of(voters[10]))
    assert response.status_code == 403
    assert 'data-testid="channel-refused"' in response.content.decode()
    assert not sms.outbox and not Signature.objects.exists()


def test_the_sign_page_offers_the_form_by_default(client, collecting):
    assert 'name="iin"' in client.get(f"/en/petitions/{collecting.pk}/sign/").content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "paper signature sheets of the initiative group"),
        ("ru", "бумажные подписные листы инициативной группы"),
        ("kk", "бастамашыл топтың қағаз қол қою парақтары"),
    ],
)
def test_the_petition_page_names_the_accepted_channels(client, collecting, language, words):
    set_policy(collecting, accept_web=False, accept_eds=False, accept_egov_mobile=False, accept_partner=False)
    html = client.get(f"/{language}/petitions/{collecting.pk}/").content.decode()
    accepted = html.split('data-testid="accepted-channels">')[1].split("</p>")[0]
    assert words in accepted
    assert "EDS" not in accepted and "ЭЦП" not in accepted


def test_the_petition_page_counts_valid_signatures_by_identity(client, collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[10], channel="web")
    SignatureFactory(petition=collecting, voter_row=voters[11], channel="paper", sheet_number=1, sheet_line=1)
    verification.verify_all()
    html = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    shown = html.split('data-testid="by-identity">')[1].split("</p>")[0]
    assert "phone number (text-message code): 1" in shown
    assert "handwritten signature on a sheet: 1" in shown


def test_the_petition_page_lists_eds_only_where_the_site_can_verify_it(client, collecting, settings):
    settings.RECALL_EDS_BACKEND = ""
    html = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    accepted = html.split('data-testid="accepted-channels">')[1].split("</p>")[0]
    assert "EDS" not in accepted and "eGov Mobile" not in accepted
    assert "a code by text message on this site" in accepted and "paper signature sheets" in accepted
