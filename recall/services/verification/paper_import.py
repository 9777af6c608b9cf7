"""Paper signature sheets, imported from CSV in the background.

Columns (header row required, comma or semicolon): ``sheet, line, iin, full_name, birth_date,
address, signed_on`` and optionally ``collector``. Each line becomes a signature of channel
"paper" that goes through the same verification as web ones; what the machine can judge from
the sheet is kept as facts on the row (IIN checksum failed, voter data incomplete), so the
workers record those lines as invalid with the commission's grounds.

A *bad line* is one that cannot be a signature of this petition at all: no sheet or line
number, a sheet and line already imported, no date of signing or a date that cannot be read,
too many fields. If any line is bad nothing is imported and every bad line is reported by its
number, as with the register. A repeat of a voter who already signed (on the web, through a
partner, or earlier on paper) is stored as a marked duplicate.

A paper signature has a date, not a time: it is placed at local noon of that day, clamped into
the window on the window's first and last days, so that the day decides.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import crypto, jurisdiction, task_names
from ... import iin as iin_module
from ...calendar import local_date, local_midnight
from ...constraints import violated
from ...errors import IllegalTransition, ImportRejected
from ...models import COUNTING_STATES, Channel, IdentityStrength, PaperImport, Petition, Signature, policy_for
from .. import audit, queue
from ..groups import sheets
from ..jobs import uploads
from ..jobs.csv_files import MAX_REPORTED_ERRORS, count_rows, csv_reader, open_text, parse_date

REQUIRED = ("sheet", "line", "iin", "full_name", "birth_date", "address", "signed_on")


def paper_signed_at(day: dt.date, petition: Petition) -> dt.datetime:
    noon = local_midnight(day) + dt.timedelta(hours=12)
    if local_date(petition.window_start) <= day <= local_date(petition.window_end):
        return min(max(noon, petition.window_start), petition.window_end - dt.timedelta(microseconds=1))
    return noon


def _positive(value: str) -> int:
    number = int(value)
    if not 0 < number <= 100_000:
        raise ValueError
    return number


def _build(
    record: dict,
    petition: Petition,
    import_id: int,
    seen: set[tuple[int, int]],
    now: dt.datetime,
    issued: dict[int, str] | None = None,
) -> Signature:
    if None in record:
        raise ValueError(_("too many fields"))
    v = {k: (record.get(k) or "").strip() for k in (*REQUIRED, "collector")}
    try:
        sheet, line = _positive(v["sheet"]), _positive(v["line"])
    except ValueError as exc:
        raise ValueError(_("sheet and line must be numbers from 1 to 100000")) from exc
    if (sheet, line) in seen:
        raise ValueError(_("sheet %(sheet)s line %(line)s appears twice") % {"sheet": sheet, "line": line})
    seen.add((sheet, line))
    if issued is not None:
        # The group issued numbered sheets (recall.services.groups.sheets): any other number is not one of them.
        if sheet not in issued:
            raise ValueError(_("sheet %(sheet)s was never issued to the initiative group") % {"sheet": sheet})
        v["collector"] = v["collector"] or issued[sheet]
    if not v["signed_on"]:
        raise ValueError(_("no date of signing"))
    try:
        signed_on = parse_date(v["signed_on"])
    except ValueError as exc:
        raise ValueError(_("unreadable date of signing %(value)r") % {"value": v["signed_on"]}) from exc
    if signed_on > now.date() + dt.timedelta(days=1):
        raise ValueError(_("date of signing in the future"))
    number = iin_module.normalize(v["iin"])
    checksum_ok = not number or iin_module.is_valid(number)  # a missing IIN is incomplete data
    try:
        birth = parse_date(v["birth_date"]) if v["birth_date"] else None
    except ValueError:
        birth = None
    if birth is not None and not dt.date(1900, 1, 1) <= birth <= now.date():
        birth = None  # an impossible date of birth is incomplete data
    complete = bool(number and v["full_name"] and birth and v["address"])
    # A line without a 12-digit IIN must not match the register or repeat another such line.
    readable = len(number) == 12 and number.isdigit()
    voter_digest = crypto.iin_digest(number if readable else f"unreadable:{import_id}:{sheet}:{line}")
    return Signature(
        petition_id=petition.pk,
        voter_id=voter_digest,
        channel=Channel.PAPER,
        identity_strength=IdentityStrength.PAPER,
        paper_import_id=import_id,
        sheet_number=sheet,
        sheet_line=line,
        collector=v["collector"][:200],
        signed_at=paper_signed_at(signed_on, petition),
        received_at=now,
        iin_checksum_ok=checksum_ok,
        data_complete=complete,
        iin_data_mismatch=bool(number and checksum_ok and birth and iin_module.data_warnings(number, birth_date=birth)),
        name_digest=crypto.name_digest(v["full_name"]),
        # Bound to the IIN as written (a wrong one cannot match the register's digests anyway).
        **crypto.typed_name_digests(v["full_name"], number).as_columns(),
        birth_digest=crypto.birth_digest(birth) if birth else "",
        personal={
            "iin": number,
            "full_name": v["full_name"],
            "birth_date": birth.isoformat() if birth else v["birth_date"],
            "address": v["address"],
        },
    )


def _check_accepts(petition: Petition, actor: Any | None) -> None:
    jurisdiction.authorize(actor, petition.district_id)
    if petition.state not in COUNTING_STATES:
        raise IllegalTransition(_("Paper sheets are accepted while the petition collects or is being verified."))


def create_job(*, petition: Petition, file: File, actor: Any | None) -> PaperImport:
    """An official uploads a file of paper sheets; a worker imports it after commit."""
    _check_accepts(petition, actor)
    with transaction.atomic():
        job = PaperImport.objects.create(petition=petition, file=file, uploaded_by=actor)
        queue.after_commit(task_names.IMPORT_PAPER_SHEET, job.pk)
    return job


def import_sheets(job: PaperImport, stream: IO[bytes], *, progress: Any = None) -> tuple[int, int]:
    """Import one file; returns (signatures stored, of which repeats). All or nothing.
    The uploader's jurisdiction is checked again: it may have changed since the upload."""
    petition = Petition.objects.select_related("district").get(pk=job.petition_id)
    _check_accepts(petition, job.uploaded_by)
    total = count_rows(stream)
    reader = csv_reader(open_text(stream), REQUIRED)
    now = timezone.now()
    taken = set(
        Signature.objects.filter(petition=petition, channel=Channel.PAPER).values_list("sheet_number", "sheet_line")
    )
    seen: set[tuple[int, int]] = set(taken)
    issued = sheets.issued_sheets(petition.pk)
    # The level's policy may not accept paper (RecallPolicy.accept_paper): then every line is
    # refused, with that reason, and nothing is imported.
    accepted = policy_for(petition.district.level).accepts(Channel.PAPER)
    rows: list[Signature] = []
    errors: list[dict] = []
    error_count = 0
    for record in reader:
        line = reader.line_num + 1
        try:
            if not accepted:
                raise ValueError(_("the election commission does not accept paper signatures for this petition"))
            rows.append(_build(record, petition, job.pk, seen, now, issued))
        except ValueError as exc:
            error_count += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.append({"line": line, "error": str(exc)})
        if progress and (len(rows) + error_count) % 2000 == 0:
            progress(len(rows) + error_count, total)
    if error_count:
        raise ImportRejected(errors, error_count)
    for attempt in range(3):
        try:
            repeats = _store(job, petition, rows)
            break
        except IntegrityError as error:
            # A voter of the file signed on the web meanwhile: mark the repeats again.
            if not violated(error, Signature, "one_signature_per_voter_per_petition") or attempt == 2:
                raise
            for signature in rows:
                signature.pk, signature.duplicate_of_id = None, None
    if progress:
        progress(total, total)
    return len(rows), repeats


def _store(job: PaperImport, petition: Petition, rows: list[Signature]) -> int:
    with transaction.atomic():
        first_of = dict(
            Signature.objects.filter(
                petition=petition, duplicate_of__isnull=True, voter_id__in={s.voter_id for s in rows}
            ).values_list("voter_id", "pk")
        )
        seen_digests: set[str] = set()
        fresh: list[Signature] = []
        later: list[Signature] = []
        for signature in rows:
            if signature.voter_id in first_of or signature.voter_id in seen_digests:
                later.append(signature)
            else:
                seen_digests.add(signature.voter_id)
                fresh.append(signature)
        Signature.objects.bulk_create(fresh, batch_size=2000)
        first_of.update({s.voter_id: s.pk for s in fresh})
        for signature in later:
            signature.duplicate_of_id = first_of[signature.voter_id]
        Signature.objects.bulk_create(later, batch_size=2000)
        audit.record(
            "paper.imported",
            actor=job.uploaded_by,
            petition_id=petition.pk,
            obj=job,
            signatures=len(rows),
            repeats=len(later),
        )
        queue.request_verification()
    return len(later)


def run_job(job_id: int) -> PaperImport | None:
    """Run an uploaded paper-sheet file once."""

    def work(job: PaperImport, stream: IO[bytes], progress: Any) -> dict[str, Any]:
        stored, repeats = import_sheets(job, stream, progress=progress)
        return {"total_rows": stored, "processed_rows": stored, "imported_count": stored, "duplicate_count": repeats}

    return uploads.run(PaperImport, job_id, work)


def recover_stale_jobs() -> dict[str, int]:
    """Beat: paper imports whose worker died are taken over or failed (uploads.recover_stale)."""
    return uploads.recover_stale(PaperImport, task_names.IMPORT_PAPER_SHEET)
