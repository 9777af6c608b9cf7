"""The OpenAPI schema as a contract: Schemathesis, every check, against a live server.

A bounded run (about a minute); bench/api_fuzz.py runs the same over 20,000 cases and more.
schemathesis.toml states the two operations whose rules OpenAPI cannot express.
"""

import os
import subprocess
import sys

import pytest

from recall.models import Mandate
from tests.factories import DeputyFactory, api_key
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unthrottled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "client": "1000000/minute"},
    }


@pytest.fixture
def eds_on(settings):
    """The EDS endpoints answer as in production: statements are issued, CMS verified."""
    from tests.eds.ca import TestCA

    settings.RECALL_EDS_BACKEND = "builtin"
    settings.RECALL_EDS_TRUST_ROOTS = [TestCA("http://127.0.0.1:9").root_pem()]


def test_the_api_keeps_its_schema_under_generated_requests(live_server, collecting, voters, unthrottled, eds_on):
    DeputyFactory(mandate=Mandate.PARTY_LIST, district=None)  # a deputy with no district in the lists
    _key, raw = api_key(scopes=("read", "sign", "webhooks"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            "all",
            "--header",
            f"Authorization: Api-Key {raw}",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "20261128",
            "--no-color",
        ],
        cwd=ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert " passed" in summary and "failure" not in summary, summary
