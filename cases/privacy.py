"""Reads for the Privacyfunctionaris (privacy officer): who viewed melder data, Events by actor
and period, and the data held about one melder (an AVG access request).

Only `cases.privacy_views` uses these, behind `permissions.can_audit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from cases import validators as v
from cases.deadlines import local_day_start
from cases.models import Case, Event, EventKind, Melder


def melder_views(case: Case) -> QuerySet[Event]:
    """Every view of this case's melder data and description: who and when."""
    return (
        Event.objects.filter(case=case, kind=EventKind.MELDER_VIEWED)
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def events(
    *, actor: User | None, start: dt.date | None, end: dt.date | None, kind: str = ""
) -> QuerySet[Event]:
    """Events by one actor (or everyone) in a period of local calendar days, newest first."""
    found = Event.objects.select_related("actor", "case").order_by("-created_at", "-pk")
    if actor is not None:
        found = found.filter(actor=actor)
    if start is not None:
        found = found.filter(created_at__gte=local_day_start(start))
    if end is not None:
        found = found.filter(created_at__lt=local_day_start(end + dt.timedelta(days=1)))
    if kind:
        found = found.filter(kind=kind)
    return found


def actors() -> QuerySet[User]:
    """Everyone who can appear in the Events, by name."""
    return get_user_model().objects.order_by("last_name", "first_name", "username")


def person_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def event_rows(found: QuerySet[Event]) -> Iterator[list[str]]:
    """The Events as rows for the export (no melder data: Events never hold any)."""
    for event in found.iterator(chunk_size=2000):
        yield [
            event.created_at.isoformat(),
            person_name(event.actor),
            event.actor.get_username() if event.actor else "",
            event.kind,
            str(event.get_kind_display()),
            event.case.reference if event.case else "",
            event.from_state,
            event.to_state,
            ", ".join(f"{key}={value}" for key, value in sorted(event.data.items())),
        ]


# ---------------------------------------------------------------------------
# AVG access requests


def phone_variants(phone: str) -> set[str]:
    """The ways one Dutch number is stored: 0612345678 and +31612345678."""
    number = v.normalize_phone(phone)
    if number.startswith("+31"):
        return {number, "0" + number[3:]}
    if number.startswith("0"):
        return {number, "+31" + number[1:]}
    return {number}


@dataclass(frozen=True)
class HeldCase:
    """One melding that holds the person's data, what it holds, and who viewed it."""

    case: Case
    melder: Melder
    views: list[Event]


def data_held(*, email: str, phone: str) -> list[HeldCase]:
    """The meldingen whose melder has this e-mail address or phone number, oldest first."""
    match = Q()
    if email.strip():
        match |= Q(email__iexact=email.strip())
    if phone.strip():
        match |= Q(phone__in=phone_variants(phone))
    if not match:
        return []
    melders = list(
        Melder.objects.filter(match)
        .select_related("case__employer")
        .order_by("case__received_at", "case__pk")
    )
    views: dict[int, list[Event]] = {}
    for event in (
        Event.objects.filter(case__in=[m.case for m in melders], kind=EventKind.MELDER_VIEWED)
        .select_related("actor")
        .order_by("created_at", "pk")
    ):
        if event.case_id is not None:
            views.setdefault(event.case_id, []).append(event)
    return [HeldCase(case=m.case, melder=m, views=views.get(m.case.pk, [])) for m in melders]
