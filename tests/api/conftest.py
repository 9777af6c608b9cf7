import pytest
from rest_framework.test import APIClient

from tests.helpers import partner_client


@pytest.fixture
def api():
    """The public, without a key."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def partner(db):
    """An accredited partner with every scope."""
    return partner_client()
