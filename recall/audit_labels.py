"""What the audit log's codes mean in the official's language. The log stores stable codes
(``petition.state_changed``, ``verification``) so that exports and queries do not depend on the
language; the admin shows these names instead."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, Promise] = {
    "admin.added": _("record added in the admin"),
    "admin.changed": _("record changed in the admin"),
    "api_key.revoked": _("API key revoked"),
    "by_election.scheduled": _("by-election scheduled after a recall"),
    "counts.repaired": _("counts repaired"),
    "deputy.account_created": _("deputy's account created"),
    "deputy.access_reset": _("deputy's access reset, new link sent"),
    "deputy_answer.published": _("deputy's answer published"),
    "ledger.root_mismatch": _("ledger root mismatch"),
    "login.unlocked": _("login unlocked"),
    "paper.imported": _("paper signatures imported"),
    "petition.applied": _("application filed"),
    "petition.details_changed": _("petition details changed"),
    "petition.milestone": _("milestone reached"),
    "petition.personal_data_purged": _("personal data destroyed"),
    "petition.state_changed": _("petition state changed"),
    "recall_vote.recorded": _("recall vote result recorded"),
    "register.imported": _("voter register imported"),
    "sample.closed": _("sample closed"),
    "sample.decided": _("finding on a sampled signature"),
    "sample.seed_committed": _("sample seed committed"),
    "sample.seed_revealed": _("sample seed revealed"),
    "sample.started": _("sample drawn"),
    "signature.decided": _("signature decided"),
    "signature.withdrawn": _("signature withdrawn"),
    "signatures.bulk_invalidated": _("signatures invalidated in bulk"),
    "two_factor.enrolled": _("second factor enrolled"),
    "two_factor.recovery_code_used": _("recovery code used"),
    "two_factor.reset": _("second factor reset"),
}

SYSTEM_ACTORS: dict[str, Promise] = {
    "system": _("the system"),
    "beat": _("the nightly job"),
    "purge_personal_data": _("the purge command"),
    "reconciliation": _("count reconciliation"),
    "signer": _("the signer"),
    "verification": _("signature verification"),
    "witness": _("a ledger witness"),
}


def action_name(code: str) -> str:
    """The action's name, or its code if a newer code has no name yet (never an empty cell)."""
    return str(ACTIONS.get(code, code))


def actor_name(label: str) -> str:
    return str(SYSTEM_ACTORS.get(label, label))
