"""Signatures in the officials' admin: IINs masked, found by receipt."""

from django.urls import reverse

from recall.services import lifecycle
from tests.factories import SignatureFactory
from tests.helpers import application


def test_signatures_show_the_iin_masked(client, alice, karaganda, voters, policy):
    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)
    signature = SignatureFactory(petition=petition, voter_row=voters[20])
    client.force_login(alice)
    plain = voters[20].personal["iin"]
    for url in [
        reverse("admin:recall_signature_changelist"),
        reverse("admin:recall_signature_change", args=[signature.pk]),
    ]:
        html = client.get(url).content.decode()
        assert plain not in html
        assert "••••••••" + plain[-4:] in html


def test_officials_find_a_signature_by_its_receipt_as_printed(client, bob, collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], receipt="7KQ2M9XD3FRA")
    client.force_login(bob)
    found = client.get(reverse("admin:recall_signature_changelist") + "?q=7kq2-m9xd-3fra").context["cl"].result_list
    assert list(found) == [signature]
