"""Bulk work on letters: print batches for the mailroom and regenerating letters by filter.

A print batch fixes the unsent current letters a filter selects; its combined PDF is joined
from their stored bytes (`cases.pdf_join`), and recording it as sent records every letter
with `letters.letter_mark_sent` (the same checks and Event as one letter), all or nothing.

A regeneration job fixes the same kind of letters (of cases whose agreements are confirmed)
with one reason, and is worked off in the background (`cases.tasks`), a chunk of items per
task. `regenerate_item` is idempotent: it renders outside any transaction, then in one
transaction locks the item, skips it when it is done already, makes the new version through
`letters.letter_regenerate` and marks the item done. A worker stopped halfway leaves its item
undone; `regeneration_resume` (run by `manage.py resume_letter_batches` before the workers
start, or from the job's page) enqueues the chunks that still have work.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import documents, letters, permissions
from cases.batch_selectors import regenerable_letters, unsent_letters
from cases.errors import InvalidStateError, NotPermittedError, ServiceError, StaleVersionError
from cases.events import record_event
from cases.filters import filtered_cases
from cases.models import (
    BatchKind,
    Case,
    EventKind,
    Letter,
    LetterBatch,
    LetterBatchItem,
    SentVia,
)
from cases.pdf_join import Joined, JoinError, join_for_duplex
from cases.services.base import Errors, clean_text, ensure_allowed
from cases.services.letters import REGENERATE_REASON_MAX, letter_mark_sent, letter_regenerate
from cases.types import Actor

logger = logging.getLogger("cases.services")

# A print batch is one PDF for one print run; more letters than this: narrow the filter.
PRINT_BATCH_MAX = 1000
REGENERATION_MAX = 5000
# Items one background task works off; workers recycle after a few tasks (README).
CHUNK_SIZE = 25
# Attempts for one item when the case changed between rendering and writing.
ITEM_ATTEMPTS = 3
SHOWN_REFERENCES = 10


def _ensure_may(actor: Actor) -> None:
    if not permissions.can_run_letter_batches(actor):
        raise NotPermittedError(_("Only a team leader may work on letters in bulk."))


def _filtered(actor: Actor, params: QueryDict) -> Any:
    case_filter, cases = filtered_cases(actor, params)
    if case_filter.errors:
        raise ValidationError(_("One or more filters are invalid; correct them first."))
    return cases


def _references(refs: list[str]) -> str:
    shown = ", ".join(refs[:SHOWN_REFERENCES])
    more = len(refs) - SHOWN_REFERENCES
    return shown + (_(" and {count} more").format(count=more) if more > 0 else "")


def _create_batch(
    *,
    actor: Actor,
    kind: str,
    params: QueryDict,
    chosen: list[Letter],
    reason: str = "",
    chunk_size: int = CHUNK_SIZE,
) -> LetterBatch:
    at = timezone.now()
    batch = LetterBatch.objects.create(
        kind=kind,
        created_at=at,
        created_by=actor,
        filter_query=params.urlencode()[:4000],
        reason=reason,
    )
    LetterBatchItem.objects.bulk_create(
        LetterBatchItem(
            batch=batch,
            case_id=letter.case_id,
            letter=letter,
            position=position,
            chunk=position // chunk_size,
        )
        for position, letter in enumerate(chosen)
    )
    record_event(
        kind=EventKind.LETTER_BATCH,
        actor=actor,
        at=at,
        data={
            "batch_id": batch.pk,
            "kind": kind,
            "filter": batch.filter_query,
            "rows": len(chosen),
            **({"reason": reason} if reason else {}),
        },
    )
    return batch


# ---------------------------------------------------------------------------
# Print batches


def print_batch_create(*, actor: Actor, params: QueryDict) -> LetterBatch:
    """A print batch of the unsent current letters of the cases `params` selects."""
    _ensure_may(actor)
    chosen = list(unsent_letters(_filtered(actor, params))[: PRINT_BATCH_MAX + 1])
    if not chosen:
        raise InvalidStateError(_("No unsent letters match this filter."))
    if len(chosen) > PRINT_BATCH_MAX:
        raise InvalidStateError(
            _(
                "More than {max} unsent letters match this filter. Narrow the filter (for "
                "example by period) and make several print batches."
            ).format(max=PRINT_BATCH_MAX)
        )
    with transaction.atomic():
        return _create_batch(actor=actor, kind=BatchKind.PRINT, params=params, chosen=chosen)


def _print_batch(batch: LetterBatch | int) -> LetterBatch:
    pk = batch.pk if isinstance(batch, LetterBatch) else batch
    found = LetterBatch.objects.filter(pk=pk, kind=BatchKind.PRINT).first()
    if found is None:
        raise ServiceError(_("This print batch does not exist."), code="not_found")
    return found


def print_batch_pdf(*, batch: LetterBatch | int, actor: Actor) -> Joined:
    """The batch's letters joined into one PDF for duplex printing, from their stored bytes
    (checksums verified). Each letter in it counts as a download (an Event per letter)."""
    _ensure_may(actor)
    found = _print_batch(batch)
    items = list(
        LetterBatchItem.objects.filter(batch=found)
        .select_related("case", "letter")
        .order_by("position")
    )

    def contents() -> Any:
        for item in items:
            try:
                yield documents.read(item.letter.sha256)
            except (OSError, ValueError) as exc:
                raise ServiceError(
                    _(
                        "Letter {number} of {reference} could not be read. Contact the "
                        "functional administrator."
                    ).format(number=item.letter.number, reference=item.case.reference),
                    code="unreadable",
                ) from exc

    try:
        joined = join_for_duplex(contents())
    except JoinError as exc:
        item = items[exc.index]
        raise ServiceError(
            _("Letter {number} of {reference} is not a readable PDF.").format(
                number=item.letter.number, reference=item.case.reference
            ),
            code="unreadable",
        ) from exc
    with transaction.atomic():
        for item in items:
            record_event(
                kind=EventKind.LETTER_DOWNLOADED,
                actor=actor,
                case=item.case,
                data={
                    "letter_id": item.letter.pk,
                    "letter_number": item.letter.number,
                    "sha256": item.letter.sha256,
                    "batch_id": found.pk,
                },
            )
    return joined


def print_batch_mark_sent(
    *, batch: LetterBatch | int, actor: Actor, sent_at: dt.date | None
) -> LetterBatch:
    """Record every letter of the batch as sent by post on `sent_at`: each through
    `letter_mark_sent` (the case's lock and version, its checks, its Event), in one
    transaction. Any refusal refuses the whole batch and changes nothing."""
    _ensure_may(actor)
    found = _print_batch(batch)
    errors = Errors()
    if sent_at is None:
        errors.add("sent_at", _("Fill in the date it was sent."))
    elif sent_at > timezone.localdate():
        errors.add("sent_at", _("The date sent is in the future."))
    else:
        latest = Letter.objects.filter(
            pk__in=LetterBatchItem.objects.filter(batch=found).values("letter_id")
        ).aggregate(latest=Max("generated_at"))["latest"]
        if latest is not None and sent_at < timezone.localdate(latest):
            errors.add(
                "sent_at",
                _(
                    "The date sent is before the date of the newest letter in the batch ({date})."
                ).format(date=timezone.localdate(latest).strftime("%d-%m-%Y")),
            )
    errors.raise_any()
    if sent_at is None:  # for the type checker: the errors above refused it
        raise ValidationError({"sent_at": _("Fill in the date it was sent.")})
    with transaction.atomic():
        locked = LetterBatch.objects.select_for_update().get(pk=found.pk)
        if locked.sent_at is not None:
            raise InvalidStateError(_("This print batch has already been recorded as sent."))
        items = list(
            LetterBatchItem.objects.filter(batch=locked)
            .select_related("case", "letter")
            .order_by("position")
        )
        _refuse_changed_letters(items)
        for item in items:
            version = Case.objects.filter(pk=item.case_id).values_list("version", flat=True)[0]
            try:
                letter_mark_sent(
                    letter=item.letter_id,
                    actor=actor,
                    version=version,
                    sent_at=sent_at,
                    sent_via=SentVia.POST,
                    case=item.case_id,
                )
            except ServiceError as exc:
                raise type(exc)(f"{item.case.reference}: {exc.message}") from exc
        locked.sent_at = sent_at
        locked.sent_recorded_by = actor
        locked.save(update_fields=["sent_at", "sent_recorded_by"])
    return locked


def _refuse_changed_letters(items: list[LetterBatchItem]) -> None:
    """Refuse a batch in which a letter was sent since, or replaced by a newer version."""
    sent = [i.case.reference for i in items if i.letter.sent_at is not None]
    newest = dict(
        Letter.objects.filter(case_id__in=[i.case_id for i in items])
        .values("case_id")
        .annotate(latest=Max("number"))
        .values_list("case_id", "latest")
    )
    replaced = [i.case.reference for i in items if newest.get(i.case_id) != i.letter.number]
    if sent:
        raise InvalidStateError(
            _(
                "Some letters in this batch have been recorded as sent in the meantime: "
                "{references}. Nothing has been recorded; make a new print batch."
            ).format(references=_references(sent))
        )
    if replaced:
        raise InvalidStateError(
            _(
                "A newer version has been made of some letters in this batch: {references}. "
                "Nothing has been recorded; make a new print batch and print that."
            ).format(references=_references(replaced))
        )


# ---------------------------------------------------------------------------
# Bulk regeneration


def regeneration_create(
    *, actor: Actor, params: QueryDict, reason: str, chunk_size: int = CHUNK_SIZE
) -> LetterBatch:
    """A job that makes a new version, with `reason`, of every unsent current letter of the
    cases `params` selects whose agreements are confirmed; its chunks are enqueued once the
    job is committed."""
    _ensure_may(actor)
    reason = clean_text(reason, "reason", required=True, max_length=REGENERATE_REASON_MAX)
    chosen = list(regenerable_letters(_filtered(actor, params))[: REGENERATION_MAX + 1])
    if not chosen:
        raise InvalidStateError(
            _("No unsent letters of cases with confirmed agreements match this filter.")
        )
    if len(chosen) > REGENERATION_MAX:
        raise InvalidStateError(
            _("More than {max} letters match this filter. Narrow the filter.").format(
                max=REGENERATION_MAX
            )
        )
    with transaction.atomic():
        batch = _create_batch(
            actor=actor,
            kind=BatchKind.REGENERATE,
            params=params,
            chosen=chosen,
            reason=reason,
            chunk_size=chunk_size,
        )
        chunks = sorted({position // chunk_size for position in range(len(chosen))})
        transaction.on_commit(lambda: _enqueue(batch.pk, chunks))
    return batch


def _enqueue(batch_id: int, chunks: list[int]) -> None:
    from cases.tasks import regenerate_letters_task

    for chunk in chunks:
        regenerate_letters_task.enqueue(batch_id, chunk)


def pending_chunks(batch: LetterBatch) -> list[int]:
    return sorted(
        set(
            LetterBatchItem.objects.filter(batch=batch, done_at__isnull=True).values_list(
                "chunk", flat=True
            )
        )
    )


def regeneration_resume(*, batch: LetterBatch | int) -> int:
    """Enqueue again every chunk of the job that still has undone items (after a worker was
    stopped halfway); returns how many. Items done meanwhile are skipped when the chunk
    runs, so resuming a job that is still running doubles nothing."""
    pk = batch.pk if isinstance(batch, LetterBatch) else batch
    found = LetterBatch.objects.get(pk=pk, kind=BatchKind.REGENERATE)
    queued = _queued_chunks(found.pk)
    chunks = [chunk for chunk in pending_chunks(found) if chunk not in queued]
    if chunks:
        transaction.on_commit(lambda: _enqueue(found.pk, chunks))
    return len(chunks)


def _queued_chunks(batch_id: int) -> set[int]:
    """The chunks of the job that wait in the task queue (not yet picked up by a worker)."""
    from django_tasks_db.models import DBTaskResult

    from cases.tasks import regenerate_letters_task

    waiting = DBTaskResult.objects.ready().filter(task_path=regenerate_letters_task.module_path)
    return {
        args[1]
        for args in (row["args"] for row in waiting.values_list("args_kwargs", flat=True))
        if len(args) == 2 and args[0] == batch_id
    }


def unfinished_regenerations() -> list[LetterBatch]:
    return list(
        LetterBatch.objects.filter(kind=BatchKind.REGENERATE, finished_at__isnull=True).order_by(
            "pk"
        )
    )


def regeneration_run_chunk(batch_id: int, chunk: int) -> int:
    """Work off the undone items of one chunk; returns how many new versions it made."""
    made = 0
    pending = LetterBatchItem.objects.filter(
        batch_id=batch_id, chunk=chunk, done_at__isnull=True
    ).order_by("position")
    for item_pk in list(pending.values_list("pk", flat=True)):
        made += regenerate_item(item_pk)
    _finish_if_done(batch_id)
    return made


def regenerate_item(item_pk: int) -> bool:
    """Make the new version of one item's letter, at most once. True when it made one; an
    item that cannot be done is marked with the Dutch reason (shown on the job's page)."""
    item = LetterBatchItem.objects.select_related("batch", "batch__created_by").get(pk=item_pk)
    if item.done_at is not None:
        return False
    for attempt in range(ITEM_ATTEMPTS):
        try:
            return _regenerate_once(item)
        except StaleVersionError:
            if attempt == ITEM_ATTEMPTS - 1:
                return _fail(item, _("The case kept changing; try again later."))
        except ServiceError as exc:
            return _fail(item, exc.message)
        except ValidationError as exc:
            return _fail(item, " ".join(exc.messages))
    return False  # pragma: no cover - the loop always returns


def _regenerate_once(item: LetterBatchItem) -> bool:
    batch = item.batch
    actor = batch.created_by
    current = letters.load_case(item.case_id)
    ensure_allowed("letter_regenerate", current, actor)
    _ensure_current_and_unsent(item)
    pdf, check = letters.render_final(current)

    def check_letter(locked: Case) -> None:
        check(locked)
        _ensure_current_and_unsent(item)

    with transaction.atomic():
        locked = LetterBatchItem.objects.select_for_update().get(pk=item.pk)
        if locked.done_at is not None:
            return False
        letter = letter_regenerate(
            case=current.pk,
            actor=actor,
            version=current.version,
            reason=batch.reason,
            letter_pdf=pdf,
            template_version=letters.TEMPLATE_VERSION,
            check_letter=check_letter,
        )
        locked.new_letter = letter
        locked.done_at = timezone.now()
        locked.save(update_fields=["new_letter", "done_at"])
    return True


def _ensure_current_and_unsent(item: LetterBatchItem) -> None:
    latest = (
        Letter.objects.filter(case_id=item.case_id)
        .order_by("-number")
        .values("pk", "sent_at")
        .first()
    )
    if latest is None or latest["pk"] != item.letter_id:
        raise InvalidStateError(_("A newer version of this letter was made in the meantime."))
    if latest["sent_at"] is not None:
        raise InvalidStateError(_("This letter has been recorded as sent in the meantime."))


def _fail(item: LetterBatchItem, message: str) -> bool:
    with transaction.atomic():
        updated = LetterBatchItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
            done_at=timezone.now(), error=message[:500]
        )
    if updated:
        logger.info("letter batch %s: item %s not regenerated", item.batch_id, item.position)
    return False


def _finish_if_done(batch_id: int) -> None:
    with transaction.atomic():
        if not LetterBatchItem.objects.filter(batch_id=batch_id, done_at__isnull=True).exists():
            LetterBatch.objects.filter(pk=batch_id, finished_at__isnull=True).update(
                finished_at=timezone.now()
            )
