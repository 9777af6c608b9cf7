"""The ledger on the public pages: the check page's entry with its proof, the petition page's witnesses."""

import html
import re

from recall.ledger import note
from recall.models import LedgerCheckpoint, LedgerCosignature, LedgerEntry
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
    entry = ledger.entries_between(collecting.pk, int(match.group(1)), int(match.group(1)) + 1)[0][1]
    assert entry.startswith(b'{"channel":"withheld"')  # one partner signature that day: its channel withheld
    assert html.escape(entry.decode()) in page  # the entry's bytes, as served


def test_the_check_page_proves_from_the_entrys_bytes_not_the_stored_hash(client, collecting, voters):
    receipt = partner_client().post(sign_url(collecting), body_of(voters[10]), format="json").json()["receipt"]
    verification.verify_all()
    ledger.sign_due_checkpoints()
    index = int(re.search(r"entry (\d+) of the public ledger", check_page(client, receipt, voters[10])).group(1))
    # Only the bytes change (the stored leaf hash still matches the signed root).
    data = bytes(LedgerEntry.objects.get(petition_id=collecting.pk, index=index).data)
    LedgerEntry.objects.filter(petition_id=collecting.pk, index=index).update(
        data=data.replace(b'"counted":true', b'"counted":false')
    )
    page = check_page(client, receipt, voters[10])
    assert "proof was checked" not in page
    assert "does not prove its place in the signed checkpoint" in page


def cosign_through_api(petition, signer):
    latest = LedgerCheckpoint.objects.filter(petition=petition).latest("size")
    body = note.parse_note(latest.note).text
    witnesses.cosign(
        petition,
        ApiClientFactory(witness_vkey=signer.vkey),
        size=latest.size,
        root_hash=bytes(latest.root_hash),
        line=note.cosign(body, signer, 1),
    )


def test_the_petition_page_counts_only_accredited_witnesses_and_publishes_their_keys(client, collecting, settings):
    accredited = note.Signer.generate("witness.test/a", note.ALG_COSIGNATURE_V1)
    settings.RECALL_LEDGER_WITNESSES = [f"{accredited.vkey}|https://witness.test/a"]
    page = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "0 accredited witnesses have cosigned" in page and accredited.vkey in page
    # An insider registers "witnesses" in the database, one under the accredited one's name.
    for name in ("witness.test/b", "witness.test/a"):
        cosign_through_api(collecting, note.Signer.generate(name, note.ALG_COSIGNATURE_V1))
    assert LedgerCosignature.objects.count() == 2
    page = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "0 accredited witnesses have cosigned" in page
    LedgerCosignature.objects.all().delete()
    cosign_through_api(collecting, accredited)
    page = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "1 accredited witness has cosigned its latest checkpoint. (witness.test/a)" in page
    # The page says it in plain words; the command is one link away, on the guide's page.
    assert "verify_ledger.py" not in page and f'href="/en/petitions/{collecting.pk}/verify/"' in page
    guide = client.get(f"/en/petitions/{collecting.pk}/verify/").content.decode()
    assert f"tools/verify_ledger.py http://testserver {collecting.pk} --state" in guide
    assert f"--witness witness.test/a={accredited.vkey}" in guide
    assert "1 accredited witness has cosigned its latest checkpoint" in guide


def test_the_petition_page_names_every_accredited_witness_that_cosigned(client, collecting, settings):
    signers = [note.Signer.generate(f"witness.test/{name}", note.ALG_COSIGNATURE_V1) for name in ("b", "a")]
    settings.RECALL_LEDGER_WITNESSES = [f"{signer.vkey}|https://witness.test/{i}" for i, signer in enumerate(signers)]
    for signer in signers:
        cosign_through_api(collecting, signer)
    page = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "2 accredited witnesses have cosigned its latest checkpoint. (witness.test/a, witness.test/b)" in page
