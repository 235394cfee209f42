"""Writes that record who looked at what (never what they saw)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from cases.errors import NotPermittedError
from cases.events import record_event
from cases.models import Case, EventKind
from cases.types import Actor


def record_melder_view(*, case: Case, actor: Actor) -> None:
    """Each view of melder data or the melding text is an Event."""
    if not permissions.can_view_melder(actor, case):
        raise NotPermittedError(_("You may not view the complainant’s details."))
    record_event(kind=EventKind.MELDER_VIEWED, actor=actor, case=case)


def record_access_request(*, actor: Actor, cases: list[Case], pdf: bool = False) -> None:
    """The privacy officer searched the data held about one melder (an AVG access request)
    and saw it, or made its PDF: one Event for the search, without the e-mail address or
    phone number searched for, and a view of melder data for each melding found."""
    if not permissions.can_audit(actor):
        raise NotPermittedError(_("Only the privacy officer may answer access requests."))
    with transaction.atomic():
        record_event(
            kind=EventKind.ACCESS_REQUEST,
            actor=actor,
            data={"rows": len(cases), "fields": ["pdf"] if pdf else []},
        )
        for case in cases:
            record_event(
                kind=EventKind.MELDER_VIEWED,
                actor=actor,
                case=case,
                data={"reason": "access_request"},
            )


def record_events_export(*, actor: Actor, query: str, rows: int) -> None:
    """The privacy officer exported Events: an Event (filter and number of rows)."""
    record_event(kind=EventKind.EXPORT, actor=actor, data={"filter": query[:1000], "rows": rows})


def record_export(*, actor: Actor, export: str, fmt: str, query: str, rows: int) -> None:
    """A team leader exported a case list or the dashboard (`export`: "intake", "mine",
    "all" or "dashboard"; `fmt`: "csv" or "xlsx"): an Event with the canonical filter and
    the number of data rows, written before any row leaves."""
    if not permissions.can_export(actor):
        raise NotPermittedError(_("Only team leaders may export cases and figures."))
    record_event(
        kind=EventKind.EXPORT,
        actor=actor,
        data={"export": export, "format": fmt, "filter": query[:1000], "rows": rows},
    )
