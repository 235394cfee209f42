"""The skeleton every write to a case shares, and the errors services raise.

`case_write` is the one unit of work for an action on an existing case: in one transaction it
locks the case row, compares the version the user saw, runs the workflow check once
(`cases.workflow.check`: assignment, state, guards, permission), lets the service change what
it changes, then saves exactly the changed fields with the version incremented and writes the
action's Event. Side effects that must follow the commit go through `transaction.on_commit`.
It also keeps the case's precomputed columns and the day counts in step (`cases.rollups`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import rollups, workflow
from cases.errors import InvalidStateError, NotPermittedError, ServiceError, StaleVersionError
from cases.events import record_event
from cases.models import Case
from cases.models.case import AGREEMENT_DEADLINE_STATES
from cases.types import Actor, AnyUser

logger = logging.getLogger("cases.services")

# Clock skew tolerated between the browser's "now" and the server's.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def now() -> dt.datetime:
    """The moment a write happens (tests move it with `freeze`)."""
    return timezone.now()


def ensure_allowed(action: workflow.Action | str, case: Case, actor: AnyUser | None) -> None:
    """`workflow.check`, with its refusal as a service error."""
    try:
        workflow.check(action, case, actor)
    except workflow.WorkflowError as exc:
        error = NotPermittedError if exc.kind == "forbidden" else InvalidStateError
        raise error(exc.message) from exc


def lock(case: Case | int, version: int | None) -> Case:
    """Re-read the case with a row lock and compare the version the user saw.

    A missing or malformed version counts as stale: the user is shown the current case.
    """
    pk = case.pk if isinstance(case, Case) else case
    # of=("self",): lock the case row only, not the employer shared with other cases.
    return _as_seen(_locking().filter(pk=pk).order_by().first(), version)


def _locking() -> QuerySet[Case]:
    return Case.objects.select_for_update(of=("self",)).select_related("employer")


def _as_seen(locked: Case | None, version: int | None) -> Case:
    """The locked case, if it exists and has the version the user saw."""
    if locked is None:
        raise ServiceError(_("This case does not exist."), code="not_found")
    if type(version) is not int or version != locked.version:
        raise StaleVersionError(
            _(
                "Case {reference} has been changed by someone else in the meantime. Look at the "
                "current details and try again."
            ).format(reference=locked.reference)
        )
    return locked


def lock_bundle(
    case: Case | int, version: int | None, *, also: Iterable[int] = ()
) -> tuple[Case, dict[int, Case]]:
    """`lock`, for an action that changes a bundle (cases.services.bundles): the case, the lead
    of its bundle and every case attached to that lead (and the cases `also` names), all
    locked in one statement in the order of their ids, so that two such writes never wait for
    each other in a circle. Returns the case and every locked row by id.

    Who is attached changes only under the lead's lock; the statement finds the rows as they
    were when it started, so when they changed while it waited for a lock, the write is
    refused as stale (nothing was changed yet)."""
    pk = case.pk if isinstance(case, Case) else case
    lead_of = (
        Case.objects.filter(pk=pk).order_by().values(lead=Coalesce("bundle_lead_id", "pk"))[:1]
    )
    wanted = Q(pk=pk) | Q(pk=Subquery(lead_of)) | Q(bundle_lead_id=Subquery(lead_of))
    extra = set(also)
    if extra:
        wanted |= Q(pk__in=extra)
    group = {row.pk: row for row in _locking().filter(wanted).order_by("pk")}
    locked = _as_seen(group.get(pk), version)
    lead_now = locked.bundle_lead_id or pk
    attached_now = set(
        Case.objects.filter(bundle_lead_id=lead_now).order_by().values_list("pk", flat=True)
    )
    if lead_now not in group or not attached_now <= group.keys():
        raise StaleVersionError(
            _(
                "The cases handled together with {reference} changed in the meantime. Look at "
                "the current details and try again."
            ).format(reference=locked.reference)
        )
    return locked, group


def _field_values(case: Case) -> dict[str, Any]:
    return {f.attname: getattr(case, f.attname) for f in case._meta.concrete_fields}


@dataclass
class Write:
    """One action on one locked case, as the service fills it in."""

    case: Case
    actor: Actor
    action: workflow.Action
    at: dt.datetime
    kind: str  # the Event kind; the action's, unless the service says otherwise
    data: dict[str, Any] = field(default_factory=dict)
    before: str = ""
    skipped: bool = False
    quiet: bool = False  # a change that follows from another case's: no Event of its own
    # The locked cases of the bundle by id (`lock_bundle`), for an action the workflow table
    # marks `bundle`; else the case alone.
    group: dict[int, Case] = field(default_factory=dict)
    _initial: dict[str, Any] = field(default_factory=dict)
    _others: list[Write] = field(default_factory=list)
    _more: list[tuple[str, dict[str, Any], dt.datetime]] = field(default_factory=list)
    _then: list[Callable[[], object]] = field(default_factory=list)

    @property
    def moves(self) -> bool:
        """Whether the action's transition applies from the case's state (an action such as
        a call leads to a state it may also start from, where it leaves the state alone)."""
        return bool(self.action.transition) and self.case.state not in self.action.targets

    def transition(self, **kwargs: Any) -> None:
        """Run the action's FSM transition on the locked case (in memory)."""
        getattr(self.case, self.action.transition)(**kwargs)

    def also(self, kind: str, data: dict[str, Any], at: dt.datetime | None = None) -> None:
        """A further Event, written after the action's own."""
        self._more.append((kind, data, at or self.at))

    def then(self, step: Callable[[], object]) -> None:
        """Something to do once the case is saved, in the same transaction."""
        self._then.append(step)

    @property
    def attached(self) -> list[Case]:
        """The locked cases attached to this one (when it leads a bundle), by id."""
        return [c for c in self.group.values() if c.bundle_lead_id == self.case.pk]

    def on(self, case: Case, *, kind: str | None = None, quiet: bool = False) -> Write:
        """The same action's write on another locked case of the bundle: the service changes
        `case` (and the returned write's `data`); it is saved, counted and written as an
        Event (unless `quiet`) after this write, in the same transaction."""
        other = Write(
            case=case,
            actor=self.actor,
            action=self.action,
            at=self.at,
            kind=self.kind if kind is None else kind,
            before=case.state,
            quiet=quiet,
            group=self.group,
            _initial=_field_values(case),
        )
        self._others.append(other)
        return other

    def skip(self) -> None:
        """Nothing changed after all: no save, no version, no Event."""
        self.skipped = True

    def changed_fields(self) -> list[str]:
        now = _field_values(self.case)
        return sorted(name for name, value in now.items() if self._initial.get(name) != value)

    def finish(self) -> None:
        if self.skipped:
            return
        self._save()
        for other in self._others:
            other.finish()

    def _save(self) -> None:
        case = self.case
        # The precomputed columns after the action, and the day counts moved from the
        # stored columns before it to these (cases.rollups). Topics, calls and agreements
        # are read again only after an action the workflow table says may change them (the
        # agreements also when the case has just moved into a state that works towards them).
        changes = set(self.action.changes)
        rollups.derive(
            case,
            related_unchanged=not changes & {"topics", "calls"},
            agreements_unchanged="agreements" not in changes
            and self.before in AGREEMENT_DEADLINE_STATES,
        )
        changed = self.changed_fields()
        if self.quiet and not changed:
            return
        case.version += 1
        case.save(update_fields=[*changed, "version"])
        rollups.count_change(rollups.Facts.of(self._initial), rollups.Facts.of(case))
        moved = self.before != case.state
        if self.quiet:
            return
        record_event(
            kind=self.kind,
            actor=self.actor,
            case=case,
            from_state=self.before if moved else "",
            to_state=case.state if moved else "",
            at=self.at,
            data=self.data,
        )
        for kind, data, at in self._more:
            record_event(kind=kind, actor=self.actor, case=case, at=at, data=data)
        for step in self._then:
            step()
        reference, name, state = case.reference, self.action.name, case.state
        transaction.on_commit(lambda: logger.info("%s: %s (now %s)", reference, name, state))


@contextmanager
def case_write(
    case: Case | int,
    *,
    action: str,
    actor: Actor,
    version: int | None,
    also: Iterable[int] = (),
) -> Iterator[Write]:
    """The unit of work of `action` on `case` (see the module docstring).

    The body changes `write.case` (through `write.transition(...)` for the state), fills in
    `write.data` for the Event and may raise ServiceError or ValidationError: then nothing is
    saved. The checks run before the body, so it only validates the input. For an action
    the workflow table marks `bundle`, the whole bundle is locked (`lock_bundle`, with the
    cases `also` names) and the body may change its other cases through `write.on(...)`.
    """
    spec = workflow.ACTIONS[action]
    with transaction.atomic():
        if spec.bundle:
            locked, group = lock_bundle(case, version, also=also)
        else:
            locked = lock(case, version)
            group = {locked.pk: locked}
        ensure_allowed(spec, locked, actor)
        write = Write(
            case=locked,
            actor=actor,
            action=spec,
            at=now(),
            kind=spec.event,
            before=locked.state,
            group=group,
            _initial=_field_values(locked),
        )
        yield write
        write.finish()


# ---------------------------------------------------------------------------
# Input helpers shared by the services


def clean_text(value: str | None, field: str, *, required: bool, max_length: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: _("Use at most {max} characters (now {count}).").format(
                    max=max_length, count=len(text)
                )
            }
        )
    return text


def check_moment(
    value: dt.datetime | None, field: str, *, not_before: dt.datetime | None
) -> dt.datetime:
    """`value` if it is a sensible moment: given, aware, not in the future, not too early."""
    if value is None:
        raise ValidationError({field: _("This field is required.")})
    if timezone.is_naive(value):
        raise ValidationError({field: _("Give a date and time with a time zone.")})
    if value > now() + FUTURE_TOLERANCE:
        raise ValidationError({field: _("This date is in the future.")})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {
                field: _("This date is before {date}.").format(
                    date=timezone.localtime(not_before).strftime("%d-%m-%Y %H:%M")
                )
            }
        )
    return value


class Errors:
    """Collects field errors so that a form shows every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def merge(self, exc: ValidationError) -> None:
        for name, messages in exc.message_dict.items():
            self.by_field.setdefault(name, []).extend(messages)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)
