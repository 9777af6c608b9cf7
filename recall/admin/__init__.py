"""The officials' admin, one module per concern; importing them registers the pages."""

from . import audit, deputies, paper, partners, petitions, places, register, review, samples, signatures  # noqa: F401
