import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from recall import crypto


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
