"""The dashboard's figures for a request's filter: the one computation behind the dashboard
page and the figures report (PDF), so that both always show the same figures for the same
parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from cases.dashboard.day_counts import figures_for
from cases.dashboard.figures import Figures
from cases.dashboard.params import (
    canonical_params,
    describe_filter,
    ministry_paragraph,
    only_period,
    period_of,
)
from cases.filters import CaseFilter, filtered_cases
from cases.types import AnyUser


@dataclass(frozen=True)
class CurrentFigures:
    """The figures of a valid filter, with what the page and the report say about them."""

    params: QueryDict  # the canonical filter (drill-downs, snapshots, the report's link)
    start: dt.date | None  # the period the figures speak of (None: open start)
    end: dt.date
    reference_date: dt.date  # the figures as they stand at the end of this day (peildatum)
    figures: Figures
    description: list[tuple[str, str]]  # the active filter, for people
    only_period: bool  # no filter besides the period
    paragraph: str  # the ready paragraph for the ministry


def current_figures(user: AnyUser, query: Any) -> tuple[CaseFilter, CurrentFigures | None]:
    """The shared filter bound to `query` and, when it is valid, its figures for `user`."""
    case_filter, cases = filtered_cases(user, query)
    if not case_filter.is_valid():
        return case_filter, None
    today = timezone.localdate()
    params = canonical_params(case_filter)
    start, end = period_of(params, today)
    figures = figures_for(user, case_filter, cases, today)
    return case_filter, CurrentFigures(
        params=params,
        start=start,
        end=end,
        reference_date=today,
        figures=figures,
        description=describe_filter(case_filter),
        only_period=only_period(params),
        paragraph=ministry_paragraph(figures.counts, start, end),
    )
