"""The officials' admin, one module per concern; importing them registers the pages."""

from . import (  # noqa: F401
    audit,
    deputies,
    paper,
    partners,
    petition_jobs,
    petitions,
    places,
    register,
    review,
    samples,
    signatures,
)
