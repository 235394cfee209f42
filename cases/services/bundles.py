"""Bundled handling: several meldingen about one employer handled as one.

On a case under investigation (the lead), its inspector or a team leader attaches other open
meldingen about the same employer (the same KvK number and establishment: the same Employer
row), received or under investigation and not yet called about. Attaching takes them into
investigation under the lead and assigns them to the lead's inspector; from then on the
lead's call, agreements, letter and closing are the bundle's:

- one reached call on the lead is recorded on every attached case too (a `Call` copying it,
  `shared_call` pointing to the lead's), and each moves to employer_called;
- the agreements are the lead's: the attached cases' guards and deadlines read them
  (`Case.agreements_case_id`);
- the lead's letter covers every attached case (`LetterCase`); the leak guard checks the
  melders of all of them (`cases.leak_guard.covered_cases`); confirming moves every attached
  case to agreements_confirmed;
- closing the lead closes its open attached cases with the same outcome, except with an
  outcome about the lead's own melding (ingetrokken, dubbele melding), which is refused while
  cases are attached;
- a case can be detached until the call is recorded (it stays under investigation, with
  `investigated_at` kept), or made the lead in its lead's place; reopening an attached case
  detaches it; reopening the lead never changes its attached cases.

Every change to another case of the bundle is its own write (`Write.on`): saved with its
precomputed columns and day counts, and an Event with from and to states, in the one
transaction of the action, which locks the whole bundle in the order of the ids
(`cases.services.base.lock_bundle`). The workflow table marks these actions `bundle`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.deadlines import add_working_days
from cases.models import Call, Case, EventKind, Outcome, State
from cases.services.base import Write, case_write
from cases.types import Actor, AnyUser
from cases.workflow import ATTACHABLE, state_label

# Outcomes about the lead's own melding only: not while cases are attached to it.
OWN_OUTCOMES: tuple[str, ...] = (Outcome.INGETROKKEN, Outcome.DUBBELE_MELDING)


@dataclass(frozen=True)
class Bundle:
    """The outcome of attaching: the lead and the cases attached now."""

    lead: Case
    cases: list[Case]

    @property
    def count(self) -> int:
        return len(self.cases)

    @property
    def references(self) -> str:
        return ", ".join(case.reference for case in self.cases)


def attach_problem(user: AnyUser | None, lead: Case, case: Case) -> str:
    """Why `case` cannot be attached to `lead` by `user` now (Dutch), or "". Whether it leads
    cases or was called about is asked by the caller (`leads`, `called`)."""
    reference = case.reference
    if case.pk == lead.pk:
        return _("A case cannot be handled together with itself.")
    if case.employer_id != lead.employer_id:
        return _(
            "{reference} is about another employer (another KvK number or establishment)."
        ).format(reference=reference)
    if case.state not in ATTACHABLE:
        return _(
            "{reference} has status ‘{state}’: only received cases and cases under "
            "investigation can be handled together."
        ).format(reference=reference, state=state_label(case.state))
    if case.bundle_lead_id is not None:
        return _("{reference} is already handled together with another case.").format(
            reference=reference
        )
    if not permissions.can_attach(user, case):
        return _(
            "{reference} is handled by someone else: only a team leader may attach it."
        ).format(reference=reference)
    return ""


def bundle_attach(
    *, case: Case | int, actor: Actor, version: int | None, cases: Sequence[Case | int]
) -> Bundle:
    """Attach `cases` to the lead `case` (see the module docstring); all or nothing."""
    ids = sorted({c.pk if isinstance(c, Case) else c for c in cases})
    if not ids:
        raise ValidationError({"cases": _("Choose at least one case to handle together.")})
    with case_write(case, action="bundle_attach", actor=actor, version=version, also=ids) as write:
        lead = write.case
        chosen = [write.group[pk] for pk in ids if pk in write.group]
        if len(chosen) != len(ids):
            raise ValidationError({"cases": _("One of the chosen cases does not exist.")})
        leads = set(
            Case.objects.filter(bundle_lead_id__in=ids).values_list("bundle_lead_id", flat=True)
        )
        called = set(
            Call.objects.filter(case_id__in=ids, reached=True).values_list("case_id", flat=True)
        )
        problems = []
        for other in chosen:
            problem = attach_problem(actor, lead, other)
            if not problem and other.pk in leads:
                problem = _("{reference} already has cases handled together with it.").format(
                    reference=other.reference
                )
            if not problem and other.pk in called:
                problem = _("The employer has already been called about {reference}.").format(
                    reference=other.reference
                )
            if problem:
                problems.append(problem)
        if problems:
            raise ValidationError({"cases": problems})
        call_due = add_working_days(timezone.localdate(write.at), settings.CALL_WORKING_DAYS)
        for other in chosen:
            attached = write.on(other)
            attached.data = {
                "bundle_lead": lead.reference,
                "assignee_id": lead.assignee_id,
                "previous_assignee_id": other.assignee_id,
            }
            if other.state == State.RECEIVED:
                other.take_into_investigation(now=write.at, call_due=call_due)
            other.bundle_lead = lead
            other.assignee_id = lead.assignee_id
        write.data = {"bundled": [other.reference for other in chosen]}
    return Bundle(lead=lead, cases=chosen)


def bundle_detach(*, case: Case | int, actor: Actor, version: int | None) -> Case:
    """Handle an attached case on its own again (until the call is recorded: it stays under
    investigation, with `investigated_at` kept). An Event on the case and on the lead."""
    with case_write(case, action="bundle_detach", actor=actor, version=version) as write:
        detach(write)
    return write.case


def bundle_make_lead(*, case: Case | int, actor: Actor, version: int | None) -> Case:
    """Make the attached `case` the lead of its bundle, until the call (so that the former
    lead can be handled on its own, say to close it as withdrawn). The former lead and every
    other attached case are attached to it, each with an Event."""
    with case_write(case, action="bundle_make_lead", actor=actor, version=version) as write:
        lead = write.case
        former = write.group[lead.agreements_case_id]
        lead.bundle_lead = None
        write.data = {"previous_lead": former.reference}
        for other in write.group.values():
            if other.pk == former.pk or other.bundle_lead_id == former.pk:
                moved = write.on(other)
                moved.data = {"bundle_lead": lead.reference}
                if other.pk != former.pk:
                    moved.data["previous_lead"] = former.reference
                other.bundle_lead = lead
    return write.case


def detach(write: Write) -> None:
    """Detach `write.case` from its lead: the case's Event says from which lead, the lead's
    Event which case left (used by detaching and by reopening an attached case)."""
    member = write.case
    lead = write.group[member.agreements_case_id]
    member.bundle_lead = None
    if write.kind == EventKind.BUNDLE_DETACHED:
        write.data = {"bundle_lead": lead.reference}
    else:
        write.also(EventKind.BUNDLE_DETACHED, {"bundle_lead": lead.reference})
    write.on(lead, kind=EventKind.BUNDLE_DETACHED).data = {"detached": member.reference}


def follow(write: Write) -> list[Write]:
    """The lead's action on each of its attached cases that is in the state the lead was in
    before it (they move together): a write per case, its Event naming the lead."""
    writes = []
    for member in write.attached:
        if member.state == write.before:
            other = write.on(member)
            other.data = {"bundle_lead": write.case.reference}
            writes.append(other)
    return writes


def refresh_attached(write: Write) -> None:
    """After a change to the lead's agreements: the attached cases' precomputed deadline (the
    earliest open agreement) follows, without an Event of their own."""
    for member in write.attached:
        write.on(member, quiet=True)
