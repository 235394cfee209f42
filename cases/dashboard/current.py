"""The dashboard's figures for a request's filter: the one computation behind the dashboard
page and the figures report (PDF), so that both always show the same figures for the same
parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from cases.dashboard.day_counts import figures_for
from cases.dashboard.figures import Figures
from cases.dashboard.params import (
    KNOWN_ON,
    canonical_params,
    describe_filter,
    known_on_form,
    ministry_paragraph,
    only_period,
    period_of,
    with_known_on,
)
from cases.filters import CaseFilter, filtered_cases
from cases.models import Case
from cases.types import AnyUser


@dataclass(frozen=True)
class CurrentFigures:
    """The figures of a valid filter, with what the page and the report say about them."""

    params: QueryDict  # the canonical filter (drill-downs, snapshots)
    cases: QuerySet[Case]  # the cases the filter selects, that the user may see
    known_on: dt.date | None  # the reference date asked for (None: the figures of now)
    start: dt.date | None  # the period the figures speak of (None: open start)
    end: dt.date
    reference_date: dt.date  # the figures as they stand at the end of this day (peildatum)
    figures: Figures
    description: list[tuple[str, str]]  # the active filter, for people
    only_period: bool  # no filter besides the period
    paragraph: str  # the ready paragraph for the ministry

    @property
    def query(self) -> QueryDict:
        """The filter and the reference date: the link to the same figures elsewhere."""
        return with_known_on(self.params, self.known_on)


def current_figures(user: AnyUser, query: Any) -> tuple[CaseFilter, CurrentFigures | None]:
    """The shared filter bound to `query` and, when it and the reference date (`known_on`)
    are valid, its figures for `user`: as they are now, or as known at the end of that day."""
    case_filter, cases = filtered_cases(user, query)
    known_form = known_on_form(query)
    if not (case_filter.is_valid() and known_form.is_valid()):
        return case_filter, None
    known_on: dt.date | None = known_form.cleaned_data[KNOWN_ON]
    today = timezone.localdate()
    params = canonical_params(case_filter)
    start, end = period_of(params, today, known_on)
    figures = figures_for(user, case_filter, cases, today, known_on)
    return case_filter, CurrentFigures(
        params=params,
        cases=cases,
        known_on=known_on,
        start=start,
        end=end,
        reference_date=known_on or today,
        figures=figures,
        description=describe_filter(case_filter),
        only_period=only_period(params),
        paragraph=ministry_paragraph(figures.counts, start, end, known_on),
    )
