"""Letters: issuing the confirmation letter, new versions, recording that one was sent, and
downloads.

Issuing runs the issuing checks on the letter's context (`cases.letter_checks`: due dates, the
address in the envelope window, glyphs, the leak guard) and renders the PDF, outside any
transaction (`cases.letters.render_final`), after the same workflow check the write will make.
A failed check refuses with every problem named and an Event of the decision, and nothing else
is stored; then `case_confirm_agreements` (or
`letter_regenerate`) locks the case, checks the version, runs the check that the letter's data
did not change while it was rendered, stores the bytes under their sha256 and commits the
Letter, the transition and the Events together. A failure anywhere leaves the case as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import documents, letter_checks, letters
from cases.errors import InvalidStateError, ServiceError
from cases.events import record_event
from cases.letters import LetterCheck
from cases.models import Case, EventKind, Letter, LetterCase, SentVia
from cases.services import bundles
from cases.services.base import Errors, Write, case_write, clean_text, ensure_allowed
from cases.types import Actor

REGENERATE_REASON_MAX = 500


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


def _checked_data(letter: Letter) -> dict[str, Any]:
    return {**letter_checks.decision_data([]), "letter_number": letter.number}


def _issuing_checks(
    case: Case, actor: Actor
) -> Callable[[letters.ConfirmationLetter, dt.date], None]:
    """The checks `render_final` runs on the letter's context before rendering: a failure is
    an Event of the decision (written on its own) and a refusal naming every problem."""

    def run(letter: letters.ConfirmationLetter, today: dt.date) -> None:
        problems = letter_checks.issuing_problems(case, letter, today=today)
        if problems:
            letter_checks.record_refusal(case, actor, problems)
            raise letter_checks.LetterChecksError(problems)

    return run


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
    checks_passed: bool = False,
) -> Letter:
    """employer_called → agreements_confirmed, issuing the final letter.

    `letter_pdf` is rendered by the caller *before* this is called (never inside the write
    transaction); `check_letter` (if given) confirms under the lock that the letter's data
    still match what was rendered. `checks_passed`: the issuing checks passed on the rendered
    letter; their decision is written as an Event with the letter.
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
        if checks_passed:
            write.also(EventKind.LETTER_CHECKED, _checked_data(letter))
        # Bundled handling: the letter covers every attached case, and they are confirmed.
        covered = bundles.follow(write)
        for member in covered:
            member.transition()
            member.data.update(_letter_data(letter))
        _cover(letter, covered)
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
    checks_passed: bool = False,
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
        if checks_passed:
            write.also(EventKind.LETTER_CHECKED, _checked_data(letter))
        covered = bundles.follow(write)
        for member in covered:
            member.data.update(_generated_data(letter))
        _cover(letter, covered)
    return letter


def _cover(letter: Letter, writes: list[Write]) -> None:
    """`letter` (of a bundle's lead) covers the cases handled together with the lead."""
    LetterCase.objects.bulk_create(LetterCase(letter=letter, case=w.case) for w in writes)


def issue_confirmation_letter(*, case: Case | int, actor: Actor, version: int | None) -> Letter:
    """Confirm the agreements of `case` and issue the final letter (version 1, or the next
    version if the case was confirmed before and reopened).

    A refused request is refused before anything is rendered; the write checks everything
    again under the lock.
    """
    current = letters.load_case(case)
    ensure_allowed("letter_confirm", current, actor)
    pdf, check = letters.render_final(current, before_render=_issuing_checks(current, actor))
    return case_confirm_agreements(
        case=current.pk,
        actor=actor,
        version=version,
        letter_pdf=pdf,
        template_version=letters.TEMPLATE_VERSION,
        check_letter=check,
        checks_passed=True,
    )


def regenerate_confirmation_letter(
    *, case: Case | int, actor: Actor, version: int | None, reason: str
) -> Letter:
    """Supervisor only: a new version of the letter (with a reason); old versions stay as
    they are. Renders before the lock, like `issue_confirmation_letter`."""
    current = letters.load_case(case)
    ensure_allowed("letter_regenerate", current, actor)
    clean_text(reason, "reason", required=True, max_length=REGENERATE_REASON_MAX)
    pdf, check = letters.render_final(current, before_render=_issuing_checks(current, actor))
    return letter_regenerate(
        case=current.pk,
        actor=actor,
        version=version,
        reason=reason,
        letter_pdf=pdf,
        template_version=letters.TEMPLATE_VERSION,
        check_letter=check,
        checks_passed=True,
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
