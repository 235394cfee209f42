"""Reads about employers: repeat signals, the employer page and the surge view.

An employer is one KvK number with all its establishments (`Employer` rows with that
number); an employer recorded as reported by the melder (no KvK number yet) is its own row.

Repeat signals (settings `REPEAT_MELDINGEN`, `REPEAT_MELDINGEN_DAYS`,
`REPEAT_BROKEN_AGREEMENT_MONTHS`): a KvK number is flagged when at least `REPEAT_MELDINGEN`
meldingen about any of its establishments were received in the last `REPEAT_MELDINGEN_DAYS`
days, or an agreement of one of its cases was recorded as not kept (niet nagekomen) in the
last `REPEAT_BROKEN_AGREEMENT_MONTHS` months. A window ends today (Europe/Amsterdam) and
includes its first day: with 90 days on 30 November, 2 September up to and including
30 November; with 12 months, 1 December of the year before up to and including 30 November.

Nothing here reads melder data or the melding's text.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cases.deadlines import local_day_start
from cases.models import (
    Agreement,
    AgreementStatus,
    Call,
    Case,
    Employer,
    Letter,
    State,
)
from cases.permissions import intake_queue_q, visible_cases
from cases.types import AnyUser

# The employer page shows at most this many timeline entries (the newest).
TIMELINE_LIMIT = 200
# The surge view lists this many employers.
SURGE_LIMIT = 25


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RepeatWindows:
    """The first days of the two windows that end `today` (both included)."""

    today: dt.date
    meldingen_from: dt.date
    broken_from: dt.date

    @classmethod
    def ending(cls, today: dt.date | None = None) -> RepeatWindows:
        today = today or timezone.localdate()
        return cls(
            today=today,
            meldingen_from=today - dt.timedelta(days=settings.REPEAT_MELDINGEN_DAYS - 1),
            broken_from=months_before(today, settings.REPEAT_BROKEN_AGREEMENT_MONTHS)
            + dt.timedelta(days=1),
        )


def _recent_kvks(windows: RepeatWindows) -> QuerySet[Any, Any]:
    """KvK numbers with at least REPEAT_MELDINGEN meldingen received in the window."""
    return (
        Case.objects.filter(
            local_day__gte=windows.meldingen_from,
            local_day__lte=windows.today,
            employer__kvk_number__isnull=False,
        )
        .order_by()
        .values("employer__kvk_number")
        .annotate(n=Count("pk"))
        .filter(n__gte=settings.REPEAT_MELDINGEN)
        .values("employer__kvk_number")
    )


def _broken_q(windows: RepeatWindows) -> Q:
    return Q(
        status=AgreementStatus.NIET_NAGEKOMEN,
        status_changed_at__gte=local_day_start(windows.broken_from),
        status_changed_at__lt=local_day_start(windows.today + dt.timedelta(days=1)),
    )


def _broken_kvks(windows: RepeatWindows) -> QuerySet[Any, Any]:
    """KvK numbers with an agreement recorded as not kept in the window."""
    return (
        Agreement.objects.filter(_broken_q(windows), case__employer__kvk_number__isnull=False)
        .order_by()
        .values("case__employer__kvk_number")
    )


def repeat_employers(today: dt.date | None = None) -> QuerySet[Employer]:
    """The flagged employers (every establishment of a flagged KvK number), as a queryset
    to use as a subquery (`employer_id__in=...`): one statement, with the two windows."""
    windows = RepeatWindows.ending(today)
    return Employer.objects.filter(
        Q(kvk_number__in=_recent_kvks(windows)) | Q(kvk_number__in=_broken_kvks(windows))
    ).order_by()


def repeat_q(today: dt.date | None = None) -> Q:
    """Cases about a flagged employer (the filter `repeat_employer=yes`)."""
    return Q(employer_id__in=repeat_employers(today).values("pk"))


def flagged_among(employer_ids: set[int], today: dt.date | None = None) -> set[int]:
    """Which of these employers are flagged, in one query (the rows of a list page)."""
    if not employer_ids:
        return set()
    return set(
        repeat_employers(today).filter(pk__in=sorted(employer_ids)).values_list("pk", flat=True)
    )


def flagged_employer_count(cases: QuerySet[Case], today: dt.date | None = None) -> int:
    """The number of flagged employers (KvK numbers) with at least one of `cases`."""
    return (
        repeat_employers(today)
        .filter(pk__in=cases.order_by().values("employer_id"))
        .values("kvk_number")
        .distinct()
        .count()
    )


@dataclass(frozen=True)
class RepeatSignal:
    """Why an employer is (or is not) flagged, with the numbers behind it."""

    windows: RepeatWindows
    meldingen: int  # received in the meldingen window (all establishments)
    broken: int  # agreements recorded as not kept in the 12-month window
    threshold: int = field(default_factory=lambda: settings.REPEAT_MELDINGEN)
    days: int = field(default_factory=lambda: settings.REPEAT_MELDINGEN_DAYS)
    months: int = field(default_factory=lambda: settings.REPEAT_BROKEN_AGREEMENT_MONTHS)

    @property
    def many_meldingen(self) -> bool:
        return self.meldingen >= self.threshold

    @property
    def broke_agreement(self) -> bool:
        return self.broken > 0

    @property
    def flagged(self) -> bool:
        return self.many_meldingen or self.broke_agreement


def same_employer(employer: Employer) -> QuerySet[Employer]:
    """The establishments of `employer`'s KvK number; an as-reported employer alone."""
    if employer.kvk_number:
        return Employer.objects.filter(kvk_number=employer.kvk_number)
    return Employer.objects.filter(pk=employer.pk)


def repeat_signal(employer: Employer, today: dt.date | None = None) -> RepeatSignal:
    """The repeat signal of `employer`'s KvK number (none for an as-reported employer), in
    two queries."""
    windows = RepeatWindows.ending(today)
    if not employer.kvk_number:
        return RepeatSignal(windows=windows, meldingen=0, broken=0)
    kvk = employer.kvk_number
    meldingen = Case.objects.filter(
        employer__kvk_number=kvk,
        local_day__gte=windows.meldingen_from,
        local_day__lte=windows.today,
    ).count()
    broken = Agreement.objects.filter(_broken_q(windows), case__employer__kvk_number=kvk).count()
    return RepeatSignal(windows=windows, meldingen=meldingen, broken=broken)


# ---------------------------------------------------------------------------
# The employer page


@dataclass(frozen=True)
class TimelineItem:
    """One entry of an employer's timeline: something that happened on one of its cases."""

    at: dt.datetime
    order: int  # within one moment: melding, call, agreement, status, letter
    kind: str  # "melding", "call", "agreement", "agreement_status", "letter", "letter_sent"
    case: Case
    obj: Any  # the Case, Call, Agreement or Letter

    @property
    def broken(self) -> bool:
        """An agreement recorded as not kept."""
        return self.kind == "agreement_status" and self.obj.status == AgreementStatus.NIET_NAGEKOMEN


@dataclass(frozen=True)
class EmployerPage:
    employer: Employer
    establishments: list[Employer]
    total: int  # meldingen about the employer (all establishments), whoever may see them
    visible: int  # of which this user may see
    open_total: int
    signal: RepeatSignal
    timeline: list[TimelineItem]
    truncated: bool
    per_establishment: dict[int, int]

    @property
    def hidden(self) -> int:
        return self.total - self.visible

    @property
    def establishment_rows(self) -> list[tuple[Employer, int]]:
        """Each establishment with its number of cases (whoever may see them)."""
        return [(e, self.per_establishment.get(e.pk, 0)) for e in self.establishments]


def employer_page(user: AnyUser, employer: Employer, today: dt.date | None = None) -> EmployerPage:
    """What the employer page shows for `user`: counts over every case, the timeline over
    the cases `user` may see (newest first, at most TIMELINE_LIMIT entries)."""
    establishments = list(
        same_employer(employer).select_related("sector").order_by("establishment_number", "pk")
    )
    ids = [e.pk for e in establishments]
    every = Case.objects.filter(employer_id__in=ids).order_by()
    counts = every.aggregate(
        total=Count("pk"), open_total=Count("pk", filter=~Q(state=State.CLOSED))
    )
    per_establishment = {
        row["employer_id"]: row["n"]
        for row in every.values("employer_id").annotate(n=Count("pk")).order_by()
    }
    seen = visible_cases(user, every)
    visible = seen.count()
    cases = {
        c.pk: c
        for c in seen.select_related("employer", "assignee")
        .prefetch_related("topics")
        .order_by("-received_at", "-pk")[:TIMELINE_LIMIT]
    }
    case_ids = list(cases)
    items: list[TimelineItem] = [
        TimelineItem(c.received_at, 0, "melding", c, c) for c in cases.values()
    ]
    limit = TIMELINE_LIMIT
    # One call with the employer for a bundle is shown once: on its lead (its copies on the
    # cases handled together with the lead are left out when the lead is shown).
    calls = Call.objects.filter(case_id__in=case_ids).exclude(shared_call__case_id__in=case_ids)
    for call in calls.order_by("-called_at", "-pk")[:limit]:
        items.append(TimelineItem(call.called_at, 1, "call", cases[call.case_id], call))
    for agreement in Agreement.objects.filter(case_id__in=case_ids).order_by("-created_at", "-pk")[
        :limit
    ]:
        case = cases[agreement.case_id]
        items.append(TimelineItem(agreement.created_at, 2, "agreement", case, agreement))
        if agreement.status != AgreementStatus.OPEN and agreement.status_changed_at:
            items.append(
                TimelineItem(agreement.status_changed_at, 3, "agreement_status", case, agreement)
            )
    for letter in Letter.objects.filter(case_id__in=case_ids).order_by("-generated_at", "-pk")[
        :limit
    ]:
        case = cases[letter.case_id]
        items.append(TimelineItem(letter.generated_at, 4, "letter", case, letter))
        if letter.sent_at:
            items.append(
                TimelineItem(local_day_start(letter.sent_at), 5, "letter_sent", case, letter)
            )
    # Newest first; within one moment the later step first (a letter after its agreement).
    items.sort(key=lambda i: (i.at, i.order, i.obj.pk), reverse=True)
    return EmployerPage(
        employer=employer,
        establishments=establishments,
        total=counts["total"],
        visible=visible,
        open_total=counts["open_total"],
        signal=repeat_signal(employer, today),
        timeline=items[:TIMELINE_LIMIT],
        truncated=len(items) > TIMELINE_LIMIT or visible > TIMELINE_LIMIT,
        per_establishment=per_establishment,
    )


# ---------------------------------------------------------------------------
# The surge view


@dataclass(frozen=True)
class SurgeRow:
    """An employer (a KvK number, or an as-reported employer) with many open meldingen."""

    employer: Employer  # the establishment to link to (the lowest establishment number)
    open_count: int
    unassigned: list[Case]  # its meldingen in the intake queue, oldest first


def _group_key(employer: Employer) -> str:
    return employer.kvk_number or f"#{employer.pk}"


def surge(limit: int = SURGE_LIMIT) -> list[SurgeRow]:
    """The employers with the most open meldingen, the most first, with their unassigned
    meldingen (the intake queue). Three queries."""
    open_cases = Case.objects.exclude(state=State.CLOSED).order_by()
    by_kvk = (
        open_cases.filter(employer__kvk_number__isnull=False)
        .values("employer__kvk_number")
        .annotate(n=Count("pk"))
        .order_by("-n", "employer__kvk_number")[:limit]
    )
    by_row = (
        open_cases.filter(employer__kvk_number__isnull=True)
        .values("employer_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "employer_id")[:limit]
    )
    groups: list[tuple[int, str]] = [
        (row["n"], str(row["employer__kvk_number"])) for row in by_kvk
    ] + [(row["n"], f"#{row['employer_id']}") for row in by_row]
    groups.sort(key=lambda g: (-g[0], g[1]))
    groups = groups[:limit]
    kvks = [key for _n, key in groups if not key.startswith("#")]
    row_ids = [int(key[1:]) for _n, key in groups if key.startswith("#")]
    employers = Employer.objects.filter(Q(kvk_number__in=kvks) | Q(pk__in=row_ids)).order_by(
        "kvk_number", "establishment_number", "pk"
    )
    first: dict[str, Employer] = {}
    for employer in employers:
        first.setdefault(_group_key(employer), employer)
    queue: dict[str, list[Case]] = {}
    for case in (
        Case.objects.filter(intake_queue_q())
        .filter(Q(employer__kvk_number__in=kvks) | Q(employer_id__in=row_ids))
        .select_related("employer")
        .order_by("received_at", "pk")
    ):
        queue.setdefault(_group_key(case.employer), []).append(case)
    return [
        SurgeRow(employer=first[key], open_count=n, unassigned=queue.get(key, []))
        for n, key in groups
        if key in first
    ]


def unassigned_of(employer: Employer) -> QuerySet[Case]:
    """The meldingen of `employer` (all establishments) in the intake queue."""
    return Case.objects.filter(intake_queue_q(), employer__in=same_employer(employer))
