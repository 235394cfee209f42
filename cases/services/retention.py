"""Retention: personal data goes once a case has been closed long enough.

A case closed longer than `settings.RETENTION_YEARS` (default 7) ago is anonymised: the
melder's name, e-mail address, phone number and relation to the employer, the melding's
description and the notes of its calls are emptied. The case itself, its employer, topics,
dates, outcome, agreements, letters and Events stay, so every count stays the same. Each
anonymised case gets one Event; a case already anonymised is left alone, so running this
again changes nothing.

Run daily: `manage.py anonymise_expired` (or `--enqueue`, for the django-tasks worker);
README, "Retention".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from cases.events import record_event
from cases.models import Call, Case, EventKind, Melder, State
from cases.services import base

logger = logging.getLogger("cases.retention")

BATCH = 200


def retention_cutoff(now: dt.datetime) -> dt.datetime:
    """Cases closed before this moment are past retention: RETENTION_YEARS before `now`."""
    years = settings.RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def expired_cases(now: dt.datetime) -> QuerySet[Case]:
    """Closed before the cut-off and not anonymised yet, oldest first."""
    return Case.objects.filter(
        state=State.CLOSED, closed_at__lt=retention_cutoff(now), anonymised_at__isnull=True
    ).order_by("closed_at", "pk")


@dataclass(frozen=True)
class Anonymised:
    """What was (or, in a dry run, would be) emptied in one case."""

    reference: str
    closed_at: dt.datetime | None  # set for every closed case
    melder: bool  # it had a melder row (not anonymous)
    call_notes: int  # calls whose notes were not empty


@dataclass
class RetentionRun:
    cutoff: dt.datetime
    dry_run: bool
    cases: list[Anonymised] = field(default_factory=list)


def _describe(cases: QuerySet[Case]) -> list[Anonymised]:
    rows = cases.annotate(
        notes=Count("calls", filter=~Q(calls__notes="")),
    ).values_list("reference", "closed_at", "melder", "notes")
    return [
        Anonymised(reference=ref, closed_at=closed, melder=melder is not None, call_notes=notes)
        for ref, closed, melder, notes in rows
    ]


def case_anonymise(*, case: Case | int, at: dt.datetime) -> Anonymised | None:
    """Anonymise one expired case (see the module docstring), in one transaction with its
    Event. None when it is not (or no longer) due: not closed before the cut-off, or done."""
    pk = case.pk if isinstance(case, Case) else case
    with transaction.atomic():
        locked = expired_cases(at).select_for_update(of=("self",)).filter(pk=pk).order_by().first()
        if locked is None:
            return None
        melder = Melder.objects.filter(case=locked).update(name="", email="", phone="", relation="")
        notes = Call.objects.filter(case=locked).exclude(notes="").update(notes="")
        Case.objects.filter(pk=locked.pk).update(
            description="", anonymised_at=at, version=locked.version + 1
        )
        fields = (
            ["description"] + (["melder"] if melder else []) + (["call_notes"] if notes else [])
        )
        record_event(
            kind=EventKind.ANONYMISED,
            actor=None,
            case=locked,
            at=at,
            data={"reference": locked.reference, "fields": fields},
        )
    return Anonymised(
        reference=locked.reference,
        closed_at=locked.closed_at,
        melder=bool(melder),
        call_notes=notes,
    )


def anonymise_expired(*, dry_run: bool = False, now: dt.datetime | None = None) -> RetentionRun:
    """Anonymise every case past retention, each in its own transaction (a failure leaves
    the others done); with `dry_run`, only say which cases that would be."""
    at = now or base.now()
    run = RetentionRun(cutoff=retention_cutoff(at), dry_run=dry_run)
    if dry_run:
        run.cases = _describe(expired_cases(at))
        return run
    while True:
        batch = list(expired_cases(at).values_list("pk", flat=True)[:BATCH])
        if not batch:
            break
        for pk in batch:
            done = case_anonymise(case=pk, at=at)
            if done is not None:
                run.cases.append(done)
    logger.info("retention: %d cases anonymised (closed before %s)", len(run.cases), run.cutoff)
    return run
