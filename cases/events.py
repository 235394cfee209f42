"""Writing Events. Event data is confidential by construction: only keys from an
allow-list, only plain values, never melder data or the melding's free text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cases.models import Case, Event, EventKind
from cases.types import AnyUser

# Keys that may appear in Event.data. Melder fields (name, email, phone, relation),
# the description, call notes and measures are deliberately absent.
ALLOWED_DATA_KEYS = frozenset(
    {
        "reference",
        "channel",
        "topics",
        "anonymous",
        "employer_id",
        "previous_employer_id",
        "kvk_number",
        "establishment_number",
        "assignee_id",
        "previous_assignee_id",
        "outcome",
        "main_case",
        "bundle_lead",
        "previous_lead",
        "bundled",
        "detached",
        "shared_call_id",
        "reason",
        "call_id",
        "reached",
        "criteria",
        "employer_response",
        "agreement_id",
        "due_date",
        "previous_due_date",
        "status",
        "previous_status",
        "letter_id",
        "batch_id",
        "kind",
        "letter_number",
        "sha256",
        "template_version",
        "sent_at",
        "sent_via",
        "decision",
        "checks",
        "fields",
        "groups_added",
        "groups_removed",
        "user_id",
        "username",
        "filter",
        "rows",
        "export",
        "format",
        "snapshot_id",
        "client_id",
        "token_prefix",
        "scope",
        "operation",
    }
)


class EventDataError(ValueError):
    pass


def _check_value(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if len(value) > 1000:
            raise EventDataError(f"Event data {key!r} is too long.")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(key, item)
        return
    if isinstance(value, dict):
        check_event_data(value)
        return
    raise EventDataError(f"Event data {key!r} has unsupported type {type(value).__name__}.")


def check_event_data(data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key not in ALLOWED_DATA_KEYS:
            raise EventDataError(f"Event data key {key!r} is not on the allow-list.")
        _check_value(key, value)


def record_event(
    *,
    kind: EventKind | str,
    actor: AnyUser | None,
    case: Case | None = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Event:
    payload = data or {}
    check_event_data(payload)
    return Event.objects.create(
        created_at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        case=case,
        from_state=from_state,
        to_state=to_state,
        data=payload,
    )
