"""The API's rate limits (per key for partners, per address for the public) and the brief
memory of verified keys. Time is frozen inside one window of the fixed-window counters
(recall.ratelimit), so a window boundary cannot split a test's requests."""

import time_machine

from accounts.authentication import forget_verified_keys
from tests.factories import api_key
from tests.helpers import inside_one_window, partner_client


def test_partners_are_throttled_per_key(partner, collecting, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "client": "2/minute"},
    }
    with time_machine.travel(inside_one_window(60), tick=False):
        codes = [partner.get("/api/v1/petitions/").status_code for _ in range(3)]
        limited = partner.get("/api/v1/petitions/")
        other = partner_client(scopes=("read",)).get("/api/v1/petitions/")
    assert codes == [200, 200, 429]
    assert limited.json()["code"] == "throttled" and limited.json()["retry_after"] == 30  # the window's second half
    assert other.status_code == 200


def test_the_public_is_throttled_per_address(api, collecting, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "client": "1000/minute"},
    }
    with time_machine.travel(inside_one_window(60), tick=False):
        codes = [api.get("/api/v1/districts/").status_code for _ in range(2)]
        elsewhere = api.get("/api/v1/districts/", REMOTE_ADDR="192.0.2.7").status_code
    assert (codes, elsewhere) == ([200, 429], 200)


def test_a_verified_key_is_remembered_briefly(api, collecting, voters, settings):
    settings.RECALL_API_KEY_CACHE_SECONDS = 60
    key, raw = api_key()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert api.get("/api/v1/signatures/NOPE/").status_code == 404  # authenticated
    key.revoke()
    assert api.get("/api/v1/signatures/NOPE/").status_code == 404  # within the cache period
    forget_verified_keys()
    assert api.get("/api/v1/signatures/NOPE/").json()["code"] == "invalid_api_key"
