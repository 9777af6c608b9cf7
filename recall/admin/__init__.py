"""The officials' admin, one module per concern; importing them registers the pages."""

from . import audit, partners, petitions, places, register, signatures  # noqa: F401
