"""Letters: issuing the confirmation letter, new versions, recording that one was sent, and
downloads.

Issuing renders the PDF first, outside any transaction (`cases.letters.render_final`), after
the same workflow check the write will make; then `case_confirm_agreements` (or
`letter_regenerate`) locks the case, checks the version, runs the check that the letter's data
did not change while it was rendered, stores the bytes under their sha256 and commits the
Letter, the transition and the Events together. A failure anywhere leaves the case as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import documents, letters
from cases.errors import InvalidStateError, ServiceError
from cases.events import record_event
from cases.letters import LetterCheck
from cases.models import Agreement, Call, Case, EventKind, Letter, SentVia
from cases.services.base import Errors, case_write, clean_text, ensure_allowed
from cases.types import Actor

REGENERATE_REASON_MAX = 500


@dataclass(frozen=True)
class IssuingProblem:
    """An issuing check that fails for a letter: which check, the field to correct ("" if
    none) and the Dutch message. Never holds melder data."""

    check: str
    field: str
    message: str


def issuing_problems(case: Case, rendered: bytes) -> list[IssuingProblem]:
    """The checks a letter must pass to be issued, run on the case and the bytes rendered
    for it; [] when it may be issued. `manage.py letter_draft` prints them for a draft.

    Data checks only (the workflow's state and permission checks stay with the services)."""
    problems: list[IssuingProblem] = []
    if not rendered.startswith(b"%PDF-"):
        problems.append(
            IssuingProblem("pdf", "", _("The letter could not be generated; try again."))
        )
    if not Call.objects.filter(case_id=case.pk, reached=True).exists():
        problems.append(
            IssuingProblem(
                "call",
                "contact_surname",
                _(
                    "The letter can only be generated once a call with the employer has been "
                    "recorded."
                ),
            )
        )
    if not Agreement.objects.filter(case_id=case.pk).exists():
        problems.append(
            IssuingProblem(
                "agreements",
                "description",
                _("Record at least one agreement with a due date before you confirm."),
            )
        )
    return problems


def _check_pdf(letter_pdf: bytes) -> None:
    if not letter_pdf or not letter_pdf.startswith(b"%PDF-"):
        raise ServiceError(_("The letter could not be generated; try again."))


def _store_letter(
    case: Case,
    actor: Actor,
    *,
    letter_pdf: bytes,
    template_version: str,
    at: dt.datetime,
    reason: str = "",
    failure: str,
) -> Letter:
    """Store the bytes under their sha256 and create the next Letter version. Inside the
    caller's transaction, with the case row locked."""
    try:
        sha256 = documents.store(letter_pdf)
    except OSError as exc:
        raise ServiceError(failure) from exc
    return Letter.objects.create(
        case=case,
        number=case.letters.count() + 1,
        sha256=sha256,
        size=len(letter_pdf),
        template_version=template_version,
        generated_by=actor,
        generated_at=at,
        reason=reason,
    )


def _letter_data(letter: Letter) -> dict[str, Any]:
    return {
        "letter_id": letter.pk,
        "letter_number": letter.number,
        "sha256": letter.sha256,
        "template_version": letter.template_version,
    }


def _generated_data(letter: Letter) -> dict[str, Any]:
    # Every generated letter is an Event of its own (PRODUCT.md, "Event").
    return {**_letter_data(letter), **({"reason": letter.reason} if letter.reason else {})}


def case_confirm_agreements(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    letter_pdf: bytes,
    template_version: str,
    check_letter: LetterCheck | None = None,
) -> Letter:
    """employer_called → agreements_confirmed, issuing the final letter.

    `letter_pdf` is rendered by the caller *before* this is called (never inside the write
    transaction); `check_letter` (if given) confirms under the lock that the letter's data
    still match what was rendered.
    """
    _check_pdf(letter_pdf)
    with case_write(case, action="letter_confirm", actor=actor, version=version) as write:
        if check_letter is not None:
            check_letter(write.case)
        write.transition()
        letter = _store_letter(
            write.case,
            actor,
            letter_pdf=letter_pdf,
            template_version=template_version,
            at=write.at,
            failure=_("The letter could not be stored. The case has not been changed."),
        )
        write.data = _letter_data(letter)
        write.also(EventKind.LETTER_GENERATED, _generated_data(letter))
    return letter


def letter_regenerate(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    reason: str,
    letter_pdf: bytes,
    template_version: str,
    check_letter: LetterCheck | None = None,
) -> Letter:
    """Supervisor only: store a new version of the confirmation letter, with a reason.

    Earlier versions (their rows and stored bytes) stay exactly as they are. Like
    `case_confirm_agreements`, the PDF is rendered before this is called.
    """
    _check_pdf(letter_pdf)
    with case_write(case, action="letter_regenerate", actor=actor, version=version) as write:
        reason = clean_text(reason, "reason", required=True, max_length=REGENERATE_REASON_MAX)
        if check_letter is not None:
            check_letter(write.case)
        letter = _store_letter(
            write.case,
            actor,
            letter_pdf=letter_pdf,
            template_version=template_version,
            at=write.at,
            reason=reason,
            failure=_("The letter could not be stored. Nothing has been changed."),
        )
        write.data = _generated_data(letter)
    return letter


def issue_confirmation_letter(*, case: Case | int, actor: Actor, version: int | None) -> Letter:
    """Confirm the agreements of `case` and issue the final letter (version 1, or the next
    version if the case was confirmed before and reopened).

    A refused request is refused before anything is rendered; the write checks everything
    again under the lock.
    """
    current = letters.load_case(case)
    ensure_allowed("letter_confirm", current, actor)
    pdf, check = letters.render_final(current)
    return case_confirm_agreements(
        case=current.pk,
        actor=actor,
        version=version,
        letter_pdf=pdf,
        template_version=letters.TEMPLATE_VERSION,
        check_letter=check,
    )


def regenerate_confirmation_letter(
    *, case: Case | int, actor: Actor, version: int | None, reason: str
) -> Letter:
    """Supervisor only: a new version of the letter (with a reason); old versions stay as
    they are. Renders before the lock, like `issue_confirmation_letter`."""
    current = letters.load_case(case)
    ensure_allowed("letter_regenerate", current, actor)
    clean_text(reason, "reason", required=True, max_length=REGENERATE_REASON_MAX)
    pdf, check = letters.render_final(current)
    return letter_regenerate(
        case=current.pk,
        actor=actor,
        version=version,
        reason=reason,
        letter_pdf=pdf,
        template_version=letters.TEMPLATE_VERSION,
        check_letter=check,
    )


def letter_mark_sent(
    *,
    letter: Letter | int,
    actor: Actor,
    version: int | None,
    sent_at: dt.date | None,
    sent_via: str,
    case: Case | int | None = None,
) -> Letter:
    """Record when and how `letter` was sent (once). With `case`, the letter must be one of
    that case's."""
    pk = letter.pk if isinstance(letter, Letter) else letter
    found = Letter.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    case_id = case.pk if isinstance(case, Case) else case
    if found is None or (case_id is not None and found != case_id):
        raise ServiceError(_("This letter does not exist."), code="not_found")
    with case_write(found, action="letter_mark_sent", actor=actor, version=version) as write:
        item = Letter.objects.select_for_update().get(pk=pk)
        errors = Errors()
        if sent_via not in SentVia.values:
            errors.add("sent_via", _("Choose how the letter was sent."))
        if sent_at is None:
            errors.add("sent_at", _("Fill in the date it was sent."))
        elif sent_at > timezone.localdate():
            errors.add("sent_at", _("The date sent is in the future."))
        elif sent_at < timezone.localdate(item.generated_at):
            errors.add("sent_at", _("The date sent is before the date of the letter."))
        errors.raise_any()
        if item.sent_at is not None:
            raise InvalidStateError(_("This letter has already been recorded as sent."))
        item.sent_at = sent_at
        item.sent_via = sent_via
        item.save(update_fields=["sent_at", "sent_via"])
        write.data = {
            "letter_id": item.pk,
            "letter_number": item.number,
            "sent_at": sent_at.isoformat() if sent_at else None,
            "sent_via": sent_via,
        }
    return item


def letter_download(*, letter: Letter, actor: Actor) -> bytes:
    """The stored bytes of `letter` for `actor`; each download is an Event.

    The checksum is verified on reading; the Event is written only when the bytes were read.
    """
    case = letter.case
    ensure_allowed("letter_download", case, actor)
    try:
        content = documents.read(letter.sha256)
    except (OSError, ValueError) as exc:
        raise ServiceError(
            _("The letter could not be read. Contact the functional administrator."),
            code="unreadable",
        ) from exc
    record_event(
        kind=EventKind.LETTER_DOWNLOADED,
        actor=actor,
        case=case,
        data={"letter_id": letter.pk, "letter_number": letter.number, "sha256": letter.sha256},
    )
    return content
