"""Figures for a period alone, from the counts per day (`cases.models.rollups`).

When a team leader (who sees every case) filters on the period only, every figure but two
is a sum over the day counts of that period, which the services keep in step with the
cases: a few thousand small rows for ten years, however many meldingen there are. The
other two come from the cases themselves, each from a small partial index: the overdue
cases (their number depends on today) and the distinct employers of the not-recognised
ones. Two queries, like the one pass of `cases.dashboard.figures.dashboard_figures`, with
the same results (a test compares them).

`figures_for` chooses between the two; the dashboard, the recorded figures and the home
page's Kamerbrief figures use it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.utils import timezone

from cases import permissions
from cases.dashboard.as_of import end_of_day, figures_as_of
from cases.dashboard.figures import (
    Figures,
    Tally,
    dashboard_figures,
    execute_figures_sql,
    names_sql,
)
from cases.filters import CaseFilter, overdue_q, received_between
from cases.models import Case, DayAssigneeCount, DayCount, DaySectorCount, DayStateCount
from cases.models.case import HAS_DEADLINE_Q
from cases.models.rollups import NOBODY
from cases.selectors import CaseCounts, case_counts, received_in_period
from cases.types import AnyUser

PERIOD_FIELDS = frozenset({"received_after", "received_before"})


def period_alone(user: AnyUser | None, case_filter: CaseFilter) -> tuple[Any, Any] | None:
    """(after, before) when the valid filter selects every case received in a period
    (either end may be open) for `user`, who sees every case; None otherwise."""
    if not permissions.is_supervisor(user):  # visible_cases: everything, for supervisors
        return None
    data = case_filter.form.cleaned_data
    others = (value for name, value in data.items() if name not in PERIOD_FIELDS)
    if any(value not in (None, "", [], ()) for value in others):
        return None
    return data.get("received_after"), data.get("received_before")


def figures_for(
    user: AnyUser | None,
    case_filter: CaseFilter,
    cases: QuerySet[Case],
    today: dt.date,
    known_on: dt.date | None = None,
) -> Figures:
    """The dashboard figures of a valid filter: with a reference date, as known at the end
    of that day (`cases.dashboard.as_of`); otherwise from the day counts for a period
    alone, or in one pass over the selected meldingen (`cases`)."""
    if known_on is not None:
        return figures_as_of(cases, end_of_day(known_on), today=today)
    period = period_alone(user, case_filter)
    if period is not None:
        return day_count_figures(*period, today=today, using=cases.db)
    return dashboard_figures(cases, today=today)


def kamerbrief_counts_for(user: AnyUser, start: dt.date, end: dt.date) -> CaseCounts:
    """The headline counts of the cases `user` may see received start..end: from the day
    counts for a team leader (one query), otherwise counted (`selectors.case_counts`)."""
    if permissions.is_supervisor(user):
        tally = Tally()
        for row in execute_figures_sql(DEFAULT_DB_ALIAS, *_day_counts_sql(start, end)):
            _add(tally, row)
        return tally.figures(timezone.localdate()).counts
    return case_counts(received_in_period(permissions.visible_cases(user), start, end))


def day_count_figures(
    start: dt.date | None,
    end: dt.date | None,
    *,
    today: dt.date | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Figures:
    """Every dashboard figure for the cases received start..end (inclusive local days;
    None: open), in two queries."""
    today = today or timezone.localdate()
    tally = Tally()
    for row in execute_figures_sql(using, *_day_counts_sql(start, end)):
        _add(tally, row)
    overdue_sql, overdue_params = _sql(
        Case.objects.using(using)
        .filter(received_between(start, end))
        .filter(HAS_DEADLINE_Q)  # the predicate of case_deadline_idx, which it reads
        .filter(overdue_q(today))
        .values("pk")
    )
    employers_sql, employers_params = _sql(
        Case.objects.using(using)
        .filter(received_between(start, end), not_recognised=True)
        .values("employer_id")
    )
    sql = (
        f"SELECT (SELECT COUNT(*) FROM ({overdue_sql}) AS o), "  # noqa: S608
        f"(SELECT COUNT(DISTINCT employer_id) FROM ({employers_sql}) AS e)"
    )
    ((overdue, employers),) = execute_figures_sql(using, sql, [*overdue_params, *employers_params])
    tally.overdue, tally.not_recognised_employers = overdue, employers
    return tally.figures(today)


def _sql(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.order_by().query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


# Columns of every branch: dim, day, state, outcome, investigated, g_sector, g_assignee,
# n, only_not_allowed, not_recognised (then the names that names_sql joins).
def _day_counts_sql(start: dt.date | None, end: dt.date | None) -> tuple[str, list[Any]]:
    days, day_params = _period(start, end)
    spans, span_params = _spans(start, end)
    total = DayCount._meta.db_table
    state = DayStateCount._meta.db_table
    sector = DaySectorCount._meta.db_table
    assignee = DayAssigneeCount._meta.db_table
    # Only fixed table and column names are formatted in; the dates stay parameters.
    rows = (
        # The first branch gives every column its type (PostgreSQL resolves them in pairs).
        "SELECT 0 AS dim, day, CAST(NULL AS SMALLINT) AS state_code, "  # noqa: S608
        "CAST(NULL AS SMALLINT) AS outcome_code, CAST(NULL AS BOOLEAN) AS investigated, "
        "CAST(NULL AS VARCHAR(1)) AS g_sector, CAST(NULL AS BIGINT) AS g_assignee, "
        "CAST(received AS BIGINT) AS n, only_not_allowed, "
        f"not_recognised FROM {total} WHERE {days} "
        "UNION ALL SELECT 3, NULL, state_code, outcome_code, investigated, NULL, NULL, "
        f"SUM(n), NULL, NULL FROM {state} WHERE {spans} "
        "GROUP BY state_code, outcome_code, investigated "
        "UNION ALL SELECT 1, NULL, NULL, NULL, NULL, sector_code, NULL, SUM(n), NULL, NULL "
        f"FROM {sector} WHERE {spans} GROUP BY sector_code "
        "UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, assignee_id, SUM(n), NULL, NULL "
        f"FROM {assignee} WHERE {spans} GROUP BY assignee_id"
    )
    return names_sql(rows), [*day_params, *span_params * 3]


def _period(
    start: dt.date | None, end: dt.date | None, *, after: bool = False, before: bool = False
) -> tuple[str, list[Any]]:
    """SQL for day >= start (day > start with `after`) and day <= end (< with `before`)."""
    conditions, params = ["1 = 1"], []
    if start:
        conditions.append("day > %s" if after else "day >= %s")
        params.append(start)
    if end:
        conditions.append("day < %s" if before else "day <= %s")
        params.append(end)
    return " AND ".join(conditions), params


def whole_months(start: dt.date | None, end: dt.date | None) -> tuple[Any, Any] | None:
    """The first days of the first and last calendar month lying wholly in start..end (None:
    open), or None when no month does."""
    first = start
    if start is not None and start.day != 1:
        first = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    last = end
    if end is not None:
        last = end.replace(day=1)
        if (end + dt.timedelta(days=1)).month == end.month:  # not the month's last day
            last = (last - dt.timedelta(days=1)).replace(day=1)
    if first is not None and last is not None and first > last:
        return None
    return first, last


def _spans(start: dt.date | None, end: dt.date | None) -> tuple[str, list[Any]]:
    """The rows of a keyed day-count table that make up start..end: the months lying wholly
    inside it, and the days before and after them."""
    months = whole_months(start, end)
    if months is None:
        days, params = _period(start, end)
        return f"(NOT whole_month AND {days})", params
    first, last = months
    in_months, params = _period(first, last)
    parts = [f"(whole_month AND {in_months})"]
    if first is not None and (start is None or start < first):
        before, before_params = _period(start, first, before=True)
        parts.append(f"(NOT whole_month AND {before})")
        params += before_params
    last_day = None if last is None else (last + dt.timedelta(days=32)).replace(day=1)
    if last_day is not None and (end is None or end >= last_day):
        after, after_params = _period(last_day, end)
        parts.append(f"(NOT whole_month AND {after})")
        params += after_params
    return "(" + " OR ".join(parts) + ")", params


def _add(tally: Tally, row: tuple[Any, ...]) -> None:
    dim, day, state, outcome, investigated, sector, assignee, n, only, nr = row[:10]
    sector_name, first, last, username = row[10:14]
    n = int(n or 0)
    if dim == 0:
        tally.received += n
        tally.only_not_allowed += int(only or 0)
        tally.not_recognised += int(nr or 0)
        tally.by_day[day] += n
    elif dim == 3:
        tally.add_state(state, outcome, bool(investigated), n)
    elif dim == 1:
        code = sector or None  # NO_SECTOR (""): employers without a sector
        tally.by_sector[code] += n
        tally.name_sector(code, sector_name)
    elif dim == 2:
        pk = None if assignee == NOBODY else int(assignee)
        tally.by_assignee[pk] += n
        tally.name_assignee(pk, first, last, username)
