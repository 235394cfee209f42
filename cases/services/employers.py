"""Employers: saving one edited in the admin, its cases' copy of its sector, and assigning
all its unassigned meldingen at once (the surge view).

A case keeps a copy of its employer's sector (`Case.sector_code`, counted per day by
`cases.rollups`). When an employer's sector changes, here or while identifying it
(`triage.case_identify_employer`), its cases follow in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from cases import rollups
from cases.employers import unassigned_of
from cases.errors import ServiceError, StaleVersionError
from cases.events import record_event
from cases.models import Case, Employer, EventKind
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


def employer_assign_unassigned(
    *, employer: Employer, actor: Actor, assignee: Actor, versions: Mapping[str, int | None]
) -> list[Case]:
    """Assign the unassigned meldingen of `employer` (all its establishments) that the team
    leader saw on the surge view (`versions`: reference -> the version shown) to `assignee`.

    Each case goes through the workflow table's "assign" (`triage.case_assign`: its lock,
    version check, rule and Event), in one transaction and in the order of their ids, so
    two team leaders assigning overlapping sets lock the rows in the same order. All or
    nothing: a case assigned, changed or added meanwhile refuses the whole action, with a
    Dutch message that says which."""
    from cases.services.triage import case_assign

    if not versions:
        raise ServiceError(_("There are no unassigned cases to assign."), code="invalid")
    with transaction.atomic():
        current = dict(unassigned_of(employer).order_by("pk").values_list("reference", "pk"))
        gone = sorted(set(versions) - set(current))
        if gone:
            raise StaleVersionError(
                _(
                    "Meanwhile, {references} has been assigned or changed. Look at the "
                    "current list and try again."
                ).format(references=", ".join(gone))
            )
        added = sorted(set(current) - set(versions))
        if added:
            raise StaleVersionError(
                _(
                    "Meanwhile, {references} has come in for this employer. Look at the "
                    "current list and try again."
                ).format(references=", ".join(added))
            )
        ordered = sorted(current.items(), key=lambda item: item[1])
        return [
            case_assign(case=pk, actor=actor, version=versions[reference], assignee=assignee)
            for reference, pk in ordered
        ]
