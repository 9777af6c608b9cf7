"""The ledger on the public pages: the check page's entry with its proof, the petition page's witnesses."""

import re

from recall.ledger import note
from recall.models import LedgerCheckpoint, LedgerCosignature
from recall.services import ledger, verification
from recall.services.ledger import witnesses
from tests.factories import ApiClientFactory
from tests.helpers import body_of, partner_client, sign_url


def check_page(client, receipt, voter):
    return client.post("/en/check/", {"receipt": receipt, "iin": voter.personal["iin"]}).content.decode()


def test_the_check_page_names_the_ledger_entry_with_its_proof_checked(client, collecting, voters):
    receipt = partner_client().post(sign_url(collecting), body_of(voters[10]), format="json").json()["receipt"]
    assert "not in the public ledger yet" in check_page(client, receipt, voters[10])
    verification.verify_all()
    assert "the next signed checkpoint will include it" in check_page(client, receipt, voters[10])
    ledger.sign_due_checkpoints()
    page = check_page(client, receipt, voters[10])
    match = re.search(r"Your signature is entry (\d+) of the public ledger; its inclusion proof was checked", page)
    assert match, page
    size = LedgerCheckpoint.objects.filter(petition=collecting).latest("size").size
    assert f"signed checkpoint of {size} entries" in page
    assert ledger.entries_between(collecting.pk, int(match.group(1)), int(match.group(1)) + 1)[0][1].startswith(
        b'{"channel":"partner"'
    )


def test_the_petition_page_counts_the_independent_witnesses_of_the_latest_checkpoint(client, collecting):
    assert (
        "No independent witness has confirmed it yet." in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    )
    latest = LedgerCheckpoint.objects.filter(petition=collecting).latest("size")
    body = note.parse_note(latest.note).text
    for name in ("witness.test/a", "witness.test/b"):
        signer = note.Signer.generate(name, note.ALG_COSIGNATURE_V1)
        client_row = ApiClientFactory(witness_vkey=signer.vkey)
        witnesses.cosign(
            collecting,
            client_row,
            size=latest.size,
            root_hash=bytes(latest.root_hash),
            line=note.cosign(body, signer, 1),
        )
    assert LedgerCosignature.objects.count() == 2
    page = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "2 independent witnesses have confirmed its latest state" in page
    # The page says it in plain words; the command is one link away, on the guide's page.
    assert "verify_ledger.py" not in page and f'href="/en/petitions/{collecting.pk}/verify/"' in page
    guide = client.get(f"/en/petitions/{collecting.pk}/verify/").content.decode()
    assert f"tools/verify_ledger.py http://testserver {collecting.pk}" in guide
    assert "2 independent witnesses have confirmed its latest state" in guide
