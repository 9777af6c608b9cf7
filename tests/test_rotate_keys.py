from cryptography.fernet import Fernet
from django.core.management import call_command

from recall import crypto
from recall.models import Voter

from .factories import SignatureFactory


def test_rotation_rewrites_every_token_under_the_new_key(settings, collecting, voters, capsys):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    old = settings.RECALL_ENCRYPTION_KEYS[0]
    settings.RECALL_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    call_command("rotate_keys", "--batch", "7")
    assert "recall_voter.personal: 100 rows re-encrypted" in capsys.readouterr().out
    settings.RECALL_ENCRYPTION_KEYS = settings.RECALL_ENCRYPTION_KEYS[:1]  # the old key is gone
    assert Voter.objects.get(pk=voters[3].pk).personal == voters[3].personal
    assert crypto.decrypt(crypto.encrypt({"a": 1})) == {"a": 1}
    assert collecting.signatures.get().personal["iin"] == voters[10].personal["iin"]
