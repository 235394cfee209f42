"""Dashboard parameters: the canonical filter, drill-downs, period presets and the paragraph
for the ministry.

Every figure has a drill-down: the shared filter parameters of the dashboard, narrowed to
the figure (`drilldown`), so the `all_cases` list with those parameters shows exactly the
figure's meldingen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.fields import validate_sane_date
from cases.filters import CaseFilter
from cases.selectors import KAMERBRIEF_PERIOD, CaseCounts

NULL = "null"  # the shared filter's value for "no sector" / "nobody" (django-filter null_value)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# ---------------------------------------------------------------------------
# Filter parameters: canonical form and drill-downs


def canonical_params(case_filter: CaseFilter) -> QueryDict:
    """The valid filter's parameters in a fixed order, deduplicated and normalised
    (ISO dates, codes, ids), without empty values: the drill-downs and snapshots use it."""
    query = QueryDict(mutable=True)
    data = case_filter.form.cleaned_data
    for name in case_filter.filters:
        texts = [_param_text(item) for item in _items(data.get(name))]
        texts = [t for t in texts if t]
        if texts:
            query.setlist(name, sorted(set(texts)) if len(texts) > 1 else texts)
    return query


def _items(value: Any) -> list[Any]:
    """A cleaned filter value as a list (multiple-choice values are lists)."""
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _param_text(item: Any) -> str:
    return item.isoformat() if isinstance(item, dt.date) else str(item).strip()


MULTI_VALUED = frozenset({"state", "sector", "channel", "outcome"})  # OR within, so intersect


def drilldown(params: QueryDict, **narrow: str) -> str | None:
    """Query string for `all_cases` that selects the dashboard's meldingen (`params`) narrowed
    to one figure, e.g. ``drilldown(params, investigated="yes")``.

    None when the narrowing contradicts the dashboard's own filter (the figure is then 0 and
    there is nothing to list).
    """
    # A plain dict of lists keeps the keys' order as QueryDict does, without its deep copy
    # (a dashboard has a hundred links).
    query = {key: list(values) for key, values in params.lists()}
    for key, value in narrow.items():
        current = query.get(key, [])
        if key == "received_after":
            query[key] = [max(current[-1], value) if current else value]
        elif key == "received_before":
            query[key] = [min(current[-1], value) if current else value]
        elif key in MULTI_VALUED:
            if current and value not in current:
                return None
            query[key] = [value]
        else:
            if current and current[-1] and current[-1] != value:
                return None
            query[key] = [value]
    after, before = query.get("received_after", [""])[-1], query.get("received_before", [""])[-1]
    if after and before and after > before:
        return None
    return "&".join(urlencode({key: value}) for key, values in query.items() for value in values)


def week_queries(params: QueryDict, mondays: list[dt.date]) -> list[str | None]:
    """`drilldown(params, received_after=<monday>, received_before=<sunday>)` for every week,
    with the other parameters encoded once, in the same order (a chart can have 520 weeks)."""
    template = params.copy()
    template["received_after"] = template["received_before"] = ""  # their places
    parts = [(key, urlencode({key: value})) for key, values in template.lists() for value in values]
    after, before = params.get("received_after"), params.get("received_before")
    queries: list[str | None] = []
    for monday in mondays:
        start, end = monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat()
        start = max(after, start) if after else start
        end = min(before, end) if before else end
        if start > end:
            queries.append(None)
            continue
        dates = {
            "received_after": f"received_after={start}",
            "received_before": f"received_before={end}",
        }
        queries.append("&".join(dates.get(key, part) for key, part in parts))
    return queries


def describe_filter(case_filter: CaseFilter) -> list[tuple[str, str]]:
    """The active filter as (label, value) pairs for people, in the form's language."""
    described: list[tuple[str, str]] = []
    data = case_filter.form.cleaned_data
    for name in case_filter.filters:
        items = _items(data.get(name))
        if not items:
            continue
        form_field = case_filter.form.fields[name]
        labels = dict(form_field.choices) if hasattr(form_field, "choices") else {}
        texts = [text for text in (_describe(item, labels) for item in items) if text]
        if texts:
            described.append((str(form_field.label), ", ".join(texts)))
    return described


def _describe(item: Any, labels: dict[Any, Any]) -> str:
    if isinstance(item, dt.date):
        return formats.date_format(item, "j F Y")
    return str(labels.get(item, item)).strip()


# ---------------------------------------------------------------------------
# The reference date (peildatum): figures as they were known at the end of a past day

KNOWN_ON = "known_on"


class KnownOnForm(forms.Form):
    """The dashboard's reference date (`known_on`), besides the shared filter: the figures
    as known at the end of that day, Europe/Amsterdam (`cases.dashboard.as_of`). Empty:
    the figures as known now. A day after today is refused."""

    known_on = forms.DateField(
        label=gettext_lazy("Figures as known on"),
        required=False,
        help_text=gettext_lazy(
            "Optional. The figures as they were known at the end of that day: only the cases "
            "registered by then, with their status as it was then."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_known_on(self) -> dt.date | None:
        """From 1 January 2020 (`cases.fields`) up to and including today."""
        day: dt.date | None = self.cleaned_data.get("known_on")
        if day is not None and day > timezone.localdate():
            raise ValidationError(
                _("The reference date cannot be after today."), code="known_on_future"
            )
        validate_sane_date(day)
        return day


def known_on_form(params: Any) -> KnownOnForm:
    """The bound reference-date form for the request's parameters (`known_on`, the last
    value when repeated)."""
    value = params.get(KNOWN_ON, "") if params is not None else ""
    return KnownOnForm({KNOWN_ON: value})


def with_known_on(params: QueryDict, known_on: dt.date | None) -> QueryDict:
    """The canonical filter parameters with the reference date after them (when given):
    the dashboard's parameters as links, snapshots, exports and the report carry them."""
    if known_on is None:
        return params
    query = params.copy()
    query[KNOWN_ON] = known_on.isoformat()
    return query


def without_known_on(params: QueryDict) -> QueryDict:
    """The parameters without the reference date: the case lists show cases as they are."""
    if KNOWN_ON not in params:
        return params
    query = params.copy()
    query.pop(KNOWN_ON)
    return query


def describe_known_on(known_on: dt.date | None) -> list[tuple[str, str]]:
    """The reference date as a (label, value) pair for people, like `describe_filter`."""
    if known_on is None:
        return []
    return [(str(KnownOnForm.base_fields[KNOWN_ON].label), formats.date_format(known_on, "j F Y"))]


# ---------------------------------------------------------------------------
# Presets


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    start: dt.date
    end: dt.date


def presets(today: dt.date | None = None) -> list[Preset]:
    """Periods in Europe/Amsterdam: the Kamerbrief period; this week and this year up to and
    including today; the whole previous calendar month."""
    today = today or timezone.localdate()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - dt.timedelta(days=1)
    return [
        Preset("kamerbrief", _("Kamerbrief 25 295 no. 1172"), *KAMERBRIEF_PERIOD),
        Preset("this_week", _("This week"), monday_of(today), today),
        Preset(
            "last_month",
            _("Last month"),
            last_month_end.replace(day=1),
            last_month_end,
        ),
        Preset("this_year", _("This year"), today.replace(month=1, day=1), today),
    ]


def with_period(params: QueryDict, start: dt.date, end: dt.date) -> str:
    """`params` with the period start..end (any reference date stays)."""
    query = params.copy()
    query["received_after"] = start.isoformat()
    query["received_before"] = end.isoformat()
    return query.urlencode()


# ---------------------------------------------------------------------------
# The paragraph for the ministry


def _day(day: dt.date, *, with_year: bool) -> str:
    return formats.date_format(day, "j F Y" if with_year else "j F")


def _number(count: int) -> str:
    return formats.number_format(count, force_grouping=True)  # 12600 -> "12.600"


def ministry_paragraph(
    counts: CaseCounts, start: dt.date | None, end: dt.date, known_on: dt.date | None = None
) -> str:
    """A ready paragraph in the style of the Kamerbrief (25 295, nr. 1172); with a reference
    date, it ends with the date the figures stand at ("stand per 9 april 2021")."""
    end_text = _day(end, with_year=True)
    if start is not None:
        start_text = _day(start, with_year=start.year != end.year)
        first = ngettext(
            "Since {start} up to and including {end} the Inspectie SZW has received "
            "{count} case about working from home.",
            "Since {start} up to and including {end} the Inspectie SZW has received "
            "{count} cases about working from home.",
            counts.received,
        ).format(start=start_text, end=end_text, count=_number(counts.received))
    else:
        first = ngettext(
            "Up to and including {end} the Inspectie SZW has received {count} case about "
            "working from home.",
            "Up to and including {end} the Inspectie SZW has received {count} cases about "
            "working from home.",
            counts.received,
        ).format(end=end_text, count=_number(counts.received))
    second = ngettext(
        "Of these, {count} has been taken into investigation.",
        "Of these, {count} have been taken into investigation.",
        counts.investigated,
    ).format(count=_number(counts.investigated))
    third = ngettext(
        "In total {count} case concerns only not being allowed to work from home.",
        "In total {count} cases concern only not being allowed to work from home.",
        counts.only_not_allowed,
    ).format(count=_number(counts.only_not_allowed))
    paragraph = f"{first} {second} {third}"
    if known_on is not None:
        paragraph += " " + _("These figures are as known on {date}.").format(
            date=_day(known_on, with_year=True)
        )
    return paragraph


def period_of(
    params: QueryDict, today: dt.date | None = None, known_on: dt.date | None = None
) -> tuple[dt.date | None, dt.date]:
    """The period the paragraph speaks of: the filter's dates; without an end, today. With
    a reference date inside the period, the period ends on the reference date (nothing
    received later was known then); one before the period leaves it as it is (nothing in
    it was known yet)."""
    after, before = params.get("received_after"), params.get("received_before")
    start = dt.date.fromisoformat(after) if after else None
    end = dt.date.fromisoformat(before) if before else (today or timezone.localdate())
    if known_on is not None and (start is None or known_on >= start):
        end = min(end, known_on)
    return start, end


def only_period(params: QueryDict) -> bool:
    return set(params) <= {"received_after", "received_before", KNOWN_ON}
