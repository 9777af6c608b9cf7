"""Public reads on replicas (config.db_router): lag bounded, a replica behind or down is left
out, a signer's own reads and every write stay on the primary."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.http import HttpResponse

from config import db_router
from recall.models import Petition
from recall.services.public import public_cache


@pytest.fixture
def replica(settings, monkeypatch):
    """One replica whose lag the test sets (``replica.lag``: seconds, or an exception)."""
    settings.RECALL_REPLICA_MAX_LAG_SECONDS = 5.0
    settings.RECALL_REPLICA_CHECK_SECONDS = 0.0
    state = mock.Mock(lag=0.0)

    def lag(alias):
        if isinstance(state.lag, Exception):
            raise state.lag
        return state.lag

    monkeypatch.setattr(db_router, "replicas", lambda: ["replica1"])
    monkeypatch.setattr(db_router, "lag_seconds", lag)
    db_router.forget()
    yield state
    db_router.forget()


router = db_router.PrimaryReplicaRouter()


def test_public_reads_go_to_a_replica_that_keeps_up(db, replica):
    with db_router.public_reads():
        assert router.db_for_read(Petition) == "replica1"
    assert router.db_for_read(Petition) == "default"  # any other read: the primary
    assert router.db_for_write(Petition) == "default"


@pytest.mark.parametrize("lag", [30.0, OperationalError("connection refused")])
def test_a_replica_behind_or_down_is_left_for_the_primary(db, replica, lag):
    replica.lag = lag
    with db_router.public_reads():
        assert router.db_for_read(Petition) == "default"
    replica.lag = 0.5  # caught up: used again at the next check
    with db_router.public_reads():
        assert router.db_for_read(Petition) == "replica1"


def test_a_replica_failing_during_a_build_is_marked_down_and_the_answer_built_on_the_primary(db, replica):
    used = []

    def build():
        used.append(router.db_for_read(Petition))
        if used[-1] == "replica1":
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("built")

    assert public_cache._build_public(build).content == b"built"
    assert used == ["replica1", "default"]


def test_the_petition_page_is_built_through_the_router(client, collecting, replica, monkeypatch):
    seen = []
    original = db_router.PrimaryReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = original(self, model, **hints)
        seen.append(alias)
        return "default"  # the test database has no replica connection; record what was chosen

    monkeypatch.setattr(db_router.PrimaryReplicaRouter, "db_for_read", spy)
    assert client.get(f"/en/petitions/{collecting.pk}/").status_code == 200
    assert "replica1" in seen


def test_sentinels_give_the_broker_and_the_cache_the_master_they_name():
    from redis.sentinel import SentinelConnectionPool

    from config.cache import SentinelRedisCache, sentinel_settings

    found = sentinel_settings(["10.0.0.11:26379", "10.0.0.12:26379"], "recall", broker_db=0, cache_db=1)
    assert found["broker_url"] == "sentinel://10.0.0.11:26379/0;sentinel://10.0.0.12:26379/0"
    assert found["transport_options"] == {"master_name": "recall"}
    cache = SentinelRedisCache(found["cache"]["LOCATION"], {"OPTIONS": found["cache"]["OPTIONS"]})
    pool = cache._cache._get_connection_pool(write=True)  # built without connecting
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "recall"
