"""Domain errors. Services raise them; the admin shows the message, the API maps ``code``
and ``status`` to a JSON error (recall.api.errors), the web pages show it beside the form."""

from __future__ import annotations

from typing import Any

import psycopg
from django import db
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message = _("The request cannot be carried out.")

    def __init__(self, message: str | None = None, *, field: str | None = None, code: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        if code:
            self.code = code
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409
    default_message = _("This step is not allowed in the petition's current state.")


class PolicyViolation(DomainError):
    code = "policy_violation"
    status = 409


class PetitionNotCollecting(DomainError):
    code = "petition_not_collecting"
    status = 409
    default_message = _("This petition is not collecting signatures.")


class ChannelNotAccepted(DomainError):
    """The petition's level does not accept signatures through this channel (its policy,
    recall.models.policy.RecallPolicy.accept_<channel>): nothing was stored."""

    code = "channel_not_accepted"
    status = 403
    default_message = _("The election commission does not accept signatures made this way for this petition.")


class AlreadySigned(DomainError):
    code = "already_signed"
    status = 409
    default_message = _("This voter's signature was already submitted.")


class OutsideJurisdiction(DomainError):
    code = "outside_jurisdiction"
    status = 403
    default_message = _("This record is outside your commission's jurisdiction.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class ImportRejected(DomainError):
    code = "import_rejected"
    status = 400

    def __init__(self, errors: list[dict[str, Any]], error_count: int) -> None:
        self.errors = errors
        self.error_count = error_count
        shown = "; ".join(
            gettext_now("line %(n)s: %(error)s") % {"n": e["line"], "error": e["error"]} for e in errors[:5]
        )
        super().__init__(
            gettext_now("The file was not imported: %(n)s lines have errors (%(shown)s).")
            % {"n": error_count, "shown": shown}
        )


class RootMismatch(DomainError):
    """A witness saw another root for a size this log signed: a split view, or a forged checkpoint."""

    code = "root_mismatch"
    status = 409
    default_message = _("The checkpoint of that size has another root hash.")


class InvalidCosignature(DomainError):
    code = "invalid_cosignature"
    status = 422
    default_message = _("The cosignature does not verify with the registered witness key.")


class MissingScope(DomainError):
    code = "missing_scope"
    status = 403
    default_message = _("This client has no registered witness key.")


# The database's transient errors, wherever they arise: Django's (the ORM) and psycopg's own
# (a raw cursor or a COPY raises psycopg.errors.AdminShutdown and the like unwrapped). A task
# retries on them; a job goes back to pending for that retry.
TRANSIENT_DATABASE_ERRORS = (
    db.OperationalError,
    db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
