"""Writes that record who looked at what (never what they saw)."""

from __future__ import annotations

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
