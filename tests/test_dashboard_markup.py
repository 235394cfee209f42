"""cases/dashboard/markup.py and the week links of cases/dashboard/params.py: the HTML that
Python writes for the chart, the week table and the breakdowns is the templates' markup, and
a week's link is the drill-down's."""

from __future__ import annotations

import datetime as dt
import random
import re
from types import SimpleNamespace

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from cases.dashboard import markup, presentation
from cases.dashboard.params import MULTI_VALUED, drilldown, week_queries
from cases.dashboard.presentation import WeekRow

COUNT_TEMPLATE = Template(
    '{% include "cases/dashboard/count.html" with cell=cell testid=testid hint=hint %}'
)


@pytest.mark.parametrize(
    ("count", "query", "testid", "hint"),
    [
        (746, "received_after=2021-01-25&received_before=2021-04-09", "count-received", "Ontv"),
        (3, "sector=J&q=<b>&x", "", ""),
        (12600, "received_after=2020-01-01", "count-received", ""),  # "12.600"
        (1234567, None, "", ""),
        (0, None, "count-overdue", ""),
        (None, None, "count-overdue", ""),
    ],
)
def test_a_count_is_written_as_its_template_writes_it(
    count: int | None, query: str | None, testid: str, hint: str
) -> None:
    cell = SimpleNamespace(count=count, query=query)
    with translation.override("nl"):
        expected = COUNT_TEMPLATE.render(Context({"cell": cell, "testid": testid, "hint": hint}))
        written = markup.count_html(count, query, reverse("all_cases"), testid, hint)
    assert written == expected.strip()
    if count is not None and count >= 1000:
        assert f">{count:,}<".replace(",", ".") in written


@pytest.mark.parametrize(
    "params",
    [
        "",
        "received_after=2021-01-27&received_before=2021-02-09",
        "sector=J&sector=null&topic=werkdruk&q=a%26b+c&received_before=2021-02-02",
        "received_after=2021-03-01",
    ],
)
def test_week_links_are_the_drilldowns(params: str) -> None:
    query = QueryDict(params)
    mondays = [dt.date(2021, 1, 18) + dt.timedelta(weeks=i) for i in range(10)]
    expected = [
        drilldown(
            query,
            received_after=monday.isoformat(),
            received_before=(monday + dt.timedelta(days=6)).isoformat(),
        )
        for monday in mondays
    ]
    assert week_queries(query, mondays) == expected


def test_week_rows_and_chart_in_dutch(db) -> None:
    weeks = [
        WeekRow(dt.date(2021, 3, 1), dt.date(2021, 3, 7), 9, 4, "received_after=2021-03-01"),
        WeekRow(dt.date(2020, 12, 28), dt.date(2021, 1, 3), 53, 0, None),
    ]
    with translation.override("nl"):
        rows = markup.week_rows_html(weeks, "/meldingen/")
    assert '<tr data-key="2021-03-01"><th scope="row">Week 9 van 2021</th>' in rows
    assert "<td>1 mrt – 7 mrt 2021</td>" in rows
    assert "Week 53 van 2020" in rows  # the ISO year of the week
    assert 'href="/meldingen/?received_after=2021-03-01" data-count="4"' in rows

    chart = presentation.week_chart([(w.monday, w.count) for w in weeks])
    assert chart is not None
    svg = markup.chart_svg(chart)
    assert len(re.findall(r'<rect class="chart__bar"', svg)) == 2
    for value in re.findall(r' (?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg):
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value


def _drilldown_by_querydict(params: QueryDict, **narrow: str) -> str | None:
    """The drill-down as first written, on a copy of the QueryDict: the reference."""
    query = params.copy()
    for key, value in narrow.items():
        if key == "received_after":
            current = query.get(key)
            query[key] = max(current, value) if current else value
        elif key == "received_before":
            current = query.get(key)
            query[key] = min(current, value) if current else value
        elif key in MULTI_VALUED:
            current_values = query.getlist(key)
            if current_values and value not in current_values:
                return None
            query.setlist(key, [value])
        else:
            current = query.get(key)
            if current and current != value:
                return None
            query[key] = value
    after, before = query.get("received_after"), query.get("received_before")
    if after and before and after > before:
        return None
    return query.urlencode()


def test_drilldown_is_the_querydict_drilldown_for_random_filters() -> None:
    rnd = random.Random(16)
    values = {
        "received_after": ["2021-01-25", "2021-03-01", ""],
        "received_before": ["2021-04-09", "2021-02-01"],
        "state": ["closed", "received"],
        "sector": ["J", "null", "K"],
        "inspector": ["7", "null"],
        "investigated": ["yes", "no"],
        "q": ["a&b c", "TW-2021"],
        "topic": ["werkdruk", "overig"],
    }
    for _ in range(300):
        params = QueryDict(mutable=True)
        for key in rnd.sample(sorted(values), rnd.randint(0, 5)):
            params.setlist(key, rnd.sample(values[key], rnd.randint(1, len(values[key]))))
        narrow = {
            key: rnd.choice(values[key]) or "2021-02-02"
            for key in rnd.sample(sorted(values), rnd.randint(1, 3))
        }
        assert drilldown(params, **narrow) == _drilldown_by_querydict(params, **narrow), (
            params.urlencode(),
            narrow,
        )
