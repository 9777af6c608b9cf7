"""What the audit log's codes mean in the official's language. The log stores stable codes
(``petition.state_changed``, ``verification``) so that exports and queries do not depend on the
language; the admin shows these names instead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats
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
    "deputy.address_proposed": _("deputy's e-mail address proposed"),
    "deputy.address_confirmed": _("deputy's e-mail address confirmed by a second official"),
    "deputy.address_cancelled": _("proposed deputy's e-mail address cancelled"),
    "deputy.password_set": _("deputy set the password"),
    "deputy_answer.published": _("deputy's answer published"),
    "group.joined": _("member joined an initiative group"),
    "group.started": _("initiative group started on the web"),
    "job.cancelled": _("background job cancelled"),
    "ledger.counts_differ": _("counts differ from the public ledger"),
    "ledger.root_mismatch": _("ledger root mismatch"),
    "ledger.witness_ahead": _("a witness has cosigned a larger ledger"),
    "ledger.witness_refused": _("a witness refused a ledger checkpoint"),
    "summary.issued": _("certified summary issued"),
    "login.unlocked": _("login unlocked"),
    "paper.imported": _("paper signatures imported"),
    "places.imported": _("names of places imported"),
    "petition.applied": _("application filed"),
    "petition.details_changed": _("petition details changed"),
    "petition.milestone": _("milestone reached"),
    "petition.personal_data_purged": _("personal data destroyed"),
    "petition.state_changed": _("petition state changed"),
    "recall_vote.recorded": _("recall vote result recorded"),
    "register.imported": _("voter register imported"),
    "sample.closed": _("sample closed"),
    "sample.decided": _("finding on a sampled signature"),
    "sample.findings_recorded": _("findings on sampled signatures"),
    "sample.seed_committed": _("sample seed committed"),
    "sample.round_fixed": _("sample beacon round fixed"),
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
    "import": _("an import"),
    "ledger": _("the public ledger"),
    "sample": _("the random sample"),
    "purge_personal_data": _("the purge command"),
    "reconciliation": _("count reconciliation"),
    "signer": _("the signer"),
    "verification": _("signature verification"),
    "witness": _("a ledger witness"),
}


# Each entry as a sentence: who did what to which petition. The state changes are told by
# their step. Russian and Kazakh verbs agree with the actor's gender, which the log does not
# know: the translations use the neutral forms officials' documents use ("зарегистрировал(а)").
STEP_SENTENCES: dict[str, Promise] = {
    "register": _("%(who)s registered application No. %(petition)s"),
    "refuse": _("%(who)s refused application No. %(petition)s"),
    "withdraw": _("%(who)s recorded the withdrawal of petition No. %(petition)s"),
    "open_window": _("%(who)s opened the collection window of petition No. %(petition)s"),
    "reach_threshold": _("%(who)s recorded that petition No. %(petition)s reached the threshold"),
    "expire": _("%(who)s closed petition No. %(petition)s short of the threshold"),
    "submit": _("%(who)s recorded the submission of the signatures of petition No. %(petition)s"),
    "start_verification": _("%(who)s started verifying the signatures of petition No. %(petition)s"),
    "certify": _("%(who)s certified the result of verifying petition No. %(petition)s"),
    "schedule_vote": _("%(who)s called the recall vote on petition No. %(petition)s"),
    "record_vote": _("%(who)s entered the result of the recall vote on petition No. %(petition)s"),
    "end_mandate": _("%(who)s recorded that the mandate ended, closing petition No. %(petition)s"),
}
ACTION_SENTENCES: dict[str, Promise] = {
    "petition.applied": _("%(who)s recorded application No. %(petition)s"),
    "petition.details_changed": _("%(who)s changed the details of petition No. %(petition)s"),
    "petition.milestone": _("%(who)s recorded a milestone of petition No. %(petition)s"),
    "paper.imported": _("%(who)s imported paper signatures into petition No. %(petition)s"),
    "job.cancelled": _("%(who)s cancelled a background job on petition No. %(petition)s"),
    "deputy_answer.published": _("%(who)s published the deputy's answer to petition No. %(petition)s"),
    "by_election.scheduled": _("%(who)s recorded the by-election that follows the recall in petition No. %(petition)s"),
    "petition.personal_data_purged": _("%(who)s destroyed the personal data of petition No. %(petition)s"),
    "recall_vote.recorded": _("%(who)s entered the result of the recall vote on petition No. %(petition)s"),
    "sample.started": _("%(who)s drew a random sample of the signatures of petition No. %(petition)s"),
    "sample.decided": _("%(who)s recorded a finding on a sampled signature of petition No. %(petition)s"),
    "sample.findings_recorded": _(
        "%(who)s recorded findings on %(count)s sampled signatures of petition No. %(petition)s"
    ),
    "sample.closed": _("%(who)s closed the random sample of petition No. %(petition)s"),
    "signature.decided": _("%(who)s decided on a signature of petition No. %(petition)s"),
    "signature.withdrawn": _("%(who)s withdrew a signature from petition No. %(petition)s"),
    "signatures.bulk_invalidated": _("%(who)s invalidated signatures of petition No. %(petition)s in bulk"),
}
# Any other action, with or without a petition.
GENERIC_WITH_PETITION = _("%(who)s: %(action)s (petition No. %(petition)s)")
GENERIC = _("%(who)s: %(action)s")
LATE = _("after the due date %(due)s")


def official_name(user: Any) -> str:
    """An official as the log names them: surname and initial ("Иванов А."), else the login."""
    last, first = (user.last_name or "").strip(), (user.first_name or "").strip()
    if last:
        return f"{last} {first[0]}." if first else last
    return user.get_username()


def entry_actor(entry: Any) -> str:
    return official_name(entry.actor) if entry.actor_id else actor_name(entry.actor_label)


def sentence(entry: Any) -> str:
    """The entry as one sentence in the active language (the audit log's list, its CSV)."""
    details = entry.details or {}
    values = {
        "who": entry_actor(entry),
        "petition": entry.petition_id,
        "action": action_name(entry.action),
        "count": details.get("count", ""),
    }
    template: Promise | None = None
    if entry.petition_id is not None:
        if entry.action == "petition.state_changed":
            template = STEP_SENTENCES.get(details.get("step", ""))
        else:
            template = ACTION_SENTENCES.get(entry.action)
        template = template or GENERIC_WITH_PETITION
    else:
        template = GENERIC
    text = str(template) % values
    text = text[:1].upper() + text[1:]
    if details.get("late"):
        text += ", " + str(LATE) % {"due": _due(details.get("due"))}
    return text


def _due(value: Any) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return "—"


def action_name(code: str) -> str:
    """The action's name, or its code if a newer code has no name yet (never an empty cell)."""
    return str(ACTIONS.get(code, code))


def actor_name(label: str) -> str:
    return str(SYSTEM_ACTORS.get(label, label))
