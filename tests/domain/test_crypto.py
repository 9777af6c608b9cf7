"""Encryption of personal data at rest, the digests that stand in for it, and key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from recall import crypto
from recall.models import Voter
from tests.factories import SignatureFactory


def test_personal_data_round_trips_and_is_not_readable_at_rest():
    token = crypto.encrypt({"iin": "791028302728", "full_name": "Ахметов Ерлан"})
    assert "791028302728" not in token and "Ахметов" not in token
    assert crypto.decrypt(token) == {"iin": "791028302728", "full_name": "Ахметов Ерлан"}


def test_a_new_key_still_reads_data_written_under_the_old_one(settings):
    token = crypto.encrypt({"v": 1})
    old = settings.RECALL_ENCRYPTION_KEYS[0]
    settings.RECALL_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert crypto.decrypt(token) == {"v": 1}
    rotated = crypto.rotate(token)
    settings.RECALL_ENCRYPTION_KEYS = settings.RECALL_ENCRYPTION_KEYS[:1]
    assert crypto.decrypt(rotated) == {"v": 1}
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_digests_depend_on_the_iin_key_not_on_secret_key(settings):
    before = crypto.iin_digest("791028302728")
    settings.SECRET_KEY = "another-secret"
    assert crypto.iin_digest("791028302728") == before
    settings.RECALL_IIN_KEY = "another-iin-key"
    assert crypto.iin_digest("791028302728") != before


def test_names_match_whatever_the_case_spacing_and_yo():
    assert crypto.name_digest("АХМЕТОВ  Ерлан-Серікұлы") == crypto.name_digest("ахметов ерлан серікұлы")
    assert crypto.name_digest("Алёна Петрова") == crypto.name_digest("Алена Петрова")
    assert crypto.name_digest("Алена Петрова") != crypto.name_digest("Алина Петрова")


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
