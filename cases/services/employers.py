"""Employers: saving one edited in the admin, and its cases' copy of its sector.

A case keeps a copy of its employer's sector (`Case.sector_code`, counted per day by
`cases.rollups`). When an employer's sector changes, here or while identifying it
(`triage.case_identify_employer`), its cases follow in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from cases import rollups
from cases.events import record_event
from cases.models import Employer, EventKind
from cases.types import Actor


def employer_for_case(pk: int) -> Employer:
    """The employer a case is about to get, read afresh and locked until the transaction
    ends: a sector change in another transaction (which locks the row too) either comes
    first and is read here, or waits and then finds this case among the employer's cases."""
    return Employer.objects.select_for_update(no_key=True).get(pk=pk)


def employer_follow_sector(employer: Employer, *, exclude_case: int | None = None) -> int:
    """Give the cases of `employer` its current sector (their copy and the day counts), in
    the caller's transaction. `exclude_case`: a case the caller is writing through
    `case_write`, which moves that one itself. Returns the number of cases moved."""
    return rollups.move_employer_cases(employer, exclude=exclude_case)


def employer_save(*, employer: Employer, actor: Actor, fields: Sequence[str]) -> Employer:
    """Save an employer edited in the admin (`fields`: what the form changed; empty for a
    new employer), move its cases along when its sector changed, and write an Event for a
    change. One transaction."""
    with transaction.atomic():
        adding = employer._state.adding
        employer.save()
        if not adding:
            employer_follow_sector(employer)
            if fields:
                record_event(
                    kind=EventKind.EMPLOYER_EDITED,
                    actor=actor,
                    data={"employer_id": employer.pk, "fields": sorted(fields)},
                )
    return employer
