"""Each petition's data key: created on first use, unwrapped and cached per process for a short
while, re-wrapped when the master keys rotate, destroyed by the purge (crypto-shredding).

A petition's personal data is encrypted under its own Fernet key (``PetitionDataKey``), stored
wrapped by the master keys of RECALL_ENCRYPTION_KEYS (recall.crypto). ``recall.crypto`` reads
the keys through ``data_key``, registered there when the app is ready.
"""

from __future__ import annotations

import threading
import time

from cryptography.fernet import Fernet
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from ... import crypto
from ...crypto import DataKeyDestroyed, NoSuchPetition
from ...models import Petition, PetitionDataKey

# Unwrapped keys, per process, for a short while: the sign path asks for its petition's key on
# every request, and a purge elsewhere must stop this process using a key within the period.
DATA_KEY_CACHE_SECONDS = 60
_data_keys: dict[int, tuple[float, Fernet]] = {}
# Keys this process created in a transaction not yet committed: not cached until it commits,
# since a rollback would leave the cache with a key that exists nowhere else.
_uncommitted: dict[int, float] = {}
_data_keys_lock = threading.Lock()


def forget_data_keys() -> None:
    with _data_keys_lock:
        _data_keys.clear()
        _uncommitted.clear()


@receiver(setting_changed)
def _master_keys_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "RECALL_ENCRYPTION_KEYS":
        forget_data_keys()


def data_key(petition_id: int, create: bool = True) -> Fernet:
    """The petition's data key, unwrapped. Created on first use (by any number of processes at
    once: the INSERT ... ON CONFLICT DO NOTHING keeps the first, and everyone reads that one).
    Raises DataKeyDestroyed once the petition's personal data has been purged."""
    now = time.monotonic()
    cached = _data_keys.get(petition_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = PetitionDataKey.objects.filter(petition_id=petition_id).values_list("wrapped_key", "destroyed_at").first()
    created = None
    if row is None:
        if not create:
            raise DataKeyDestroyed(f"Petition {petition_id} has no data key.")
        created = crypto.wrap_new_key()
        with connection.cursor() as cursor:
            # Nothing for a petition that does not exist (its foreign key is checked only at commit).
            cursor.execute(
                f"INSERT INTO {PetitionDataKey._meta.db_table} (petition_id, wrapped_key, created_at) "
                f"SELECT id, %s, %s FROM {Petition._meta.db_table} WHERE id = %s ON CONFLICT DO NOTHING",
                [created, timezone.now(), petition_id],
            )
        row = PetitionDataKey.objects.filter(petition_id=petition_id).values_list("wrapped_key", "destroyed_at").first()
        if row is None:
            raise NoSuchPetition(petition_id)
    wrapped, destroyed_at = row
    if destroyed_at is not None or not wrapped:
        raise DataKeyDestroyed(f"The personal data of petition {petition_id} was destroyed.")
    fernet = crypto.unwrap(wrapped)

    ours = created is not None and bytes(wrapped) == created
    with _data_keys_lock:
        if ours and transaction.get_connection().in_atomic_block:
            # Read from the database again (a primary-key read) until it surely committed.
            _uncommitted[petition_id] = now + DATA_KEY_CACHE_SECONDS
        elif _uncommitted.get(petition_id, 0) <= now:
            _uncommitted.pop(petition_id, None)
            _data_keys[petition_id] = (now + DATA_KEY_CACHE_SECONDS, fernet)
    return fernet


def rewrap_data_keys() -> int:
    """Each live data key, unwrapped with whichever master key wrapped it and wrapped again
    under the newest; the key itself (and so every token made with it) does not change."""
    done = 0
    with transaction.atomic():
        keys = PetitionDataKey.objects.select_for_update().filter(destroyed_at__isnull=True)
        now = timezone.now()
        for key in keys:
            key.wrapped_key = crypto.rewrap(key.wrapped_key)
            key.rewrapped_at = now
            key.save(update_fields=["wrapped_key", "rewrapped_at"])
            done += 1
    return done
