"""Which channels a petition accepts, and what each proves about the signer.

The level's policy (``RecallPolicy.accept_<channel>``, ``confirm_<channel>``, edited by the
commission in the admin) names the accepted channels. Every way in asks here before it does any
work, and the sign path's guarded INSERT (``signatures._insert``) checks the same columns in its
one statement, so a policy changed while a voter signs is obeyed at the INSERT. A petition
whose level has no policy row yet takes the defaults: every channel, none confirmed.

A channel that needs an official's confirmation is not refused: the verification batch sends
each of its signatures the machine finds valid to the review queue
(``ReviewReason.CHANNEL_CONFIRMATION``, recall.services.verification.batches).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from ...errors import ChannelNotAccepted
from ...models import CHANNEL_ORDER, STRENGTH_OF_CHANNEL, Channel, IdentityStrength, RecallPolicy, accept_column


def refusing_policies(channel: str) -> Exists:
    """True, for a petition row, when its level's policy refuses ``channel``."""
    return Exists(RecallPolicy.objects.filter(level=OuterRef("district__level"), **{accept_column(channel): False}))


def accept_sql(channel_sql: str, alias: str = "pol") -> str:
    """SQL true when the policy row ``alias`` accepts the channel ``channel_sql`` (an SQL
    expression: a column or a parameter)."""
    whens = " ".join(f"WHEN '{c}' THEN {alias}.accept_{c}" for c in CHANNEL_ORDER)
    return f"(CASE {channel_sql} {whens} ELSE FALSE END)"


def confirm_sql(channel_sql: str, alias: str = "pol") -> str:
    """SQL true when the policy row ``alias`` has an official confirm the channel; false
    without a policy row."""
    whens = " ".join(f"WHEN '{c}' THEN {alias}.confirm_{c}" for c in CHANNEL_ORDER)
    return f"COALESCE(CASE {channel_sql} {whens} END, FALSE)"


def check_accepted(refused: bool) -> None:
    if refused:
        raise ChannelNotAccepted()


def strength_of(channel: str, *, phone_of_iin: bool = False) -> str:
    """The identity a signature of ``channel`` proves; a text-message code proves the number is
    the IIN's only when the phone ownership backend said so (recall.phone_ownership)."""
    if channel == Channel.WEB and phone_of_iin:
        return IdentityStrength.PHONE_OF_IIN
    return STRENGTH_OF_CHANNEL[Channel(channel)]
