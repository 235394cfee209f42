"""The dashboard on the kamerbrief_2021 fixture: the preset, independent Python counts and
every drill-down (loaded once per module, like tests/test_kamerbrief.py)."""

from __future__ import annotations

import datetime as dt
import html
import random
import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.dashboard.figures import Figures, dashboard_figures
from cases.filters import CaseFilter
from cases.models import Case
from tests.helpers import (
    KAMERBRIEF,
    LINK_RE,
    figures_for,
    get_dashboard,
    number_by_testid,
    result_count,
)
from tests.pycounts import case_rows, python_counts, python_filter, random_params


@pytest.fixture
def teamleider_client(loaded: None, client: Client) -> Client:
    client.force_login(User.objects.get(username="teamleider"))
    return client


def test_kamerbrief_preset_shows_746_627_545(teamleider_client: Client) -> None:
    page = get_dashboard(teamleider_client)
    preset = re.search(r'href="\?([^"]*)" data-testid="preset-kamerbrief"', page)
    assert preset, "no Kamerbrief preset"
    query = html.unescape(preset.group(1))
    assert QueryDict(query) == QueryDict(KAMERBRIEF)

    page = get_dashboard(teamleider_client, query)
    assert number_by_testid(page, "count-received") == 746
    assert number_by_testid(page, "count-investigated") == 627
    assert number_by_testid(page, "count-only-not-allowed") == 545
    assert re.search(r'data-testid="preset-kamerbrief" aria-current="true"', page)
    paragraph = re.search(r'data-testid="ministry-paragraph">([^<]*)<', page).group(1)
    for text in ("25 januari", "9 april 2021", "746", "627", "545"):
        assert text in paragraph
    assert paragraph.index("746") < paragraph.index("627") < paragraph.index("545")
    assert html.unescape(paragraph).strip() == (
        "Sinds 25 januari t/m 9 april 2021 heeft de Inspectie SZW 746 meldingen over "
        "thuiswerken ontvangen. Hiervan zijn er 627 in onderzoek genomen. In totaal hebben "
        "545 meldingen enkel betrekking op het niet mogen thuiswerken."
    )
    # received = investigated + declined + not triaged
    declined = number_by_testid(page, "count-declined")
    not_triaged = number_by_testid(page, "count-not-triaged")
    assert 627 + declined + not_triaged == 746


def python_breakdowns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    nee = [r for r in rows if r["not_recognised"]]
    return {
        "overdue": sum(1 for r in rows if r["overdue"]),
        "not_recognised": len(nee),
        "not_recognised_employers": len({r["employer_id"] for r in nee}),
        "by_state": dict(Counter(r["state"] for r in rows)),
        "by_sector": dict(Counter(r["sector"] for r in rows)),
        "by_inspector": dict(Counter(r["assignee"] for r in rows)),
        "by_week": dict(
            Counter(r["local_date"] - dt.timedelta(days=r["local_date"].weekday()) for r in rows)
        ),
    }


def db_breakdowns(figures: Figures) -> dict[str, Any]:
    return {
        "overdue": figures.overdue,
        "not_recognised": figures.not_recognised,
        "not_recognised_employers": figures.not_recognised_employers,
        "by_state": figures.by_state,
        "by_sector": {code: n for code, _name, n in figures.by_sector},
        "by_inspector": {pk: n for pk, _name, n in figures.by_inspector},
        "by_week": dict(figures.by_week),
    }


def test_random_filter_combinations_match_python(loaded: None) -> None:
    rows = case_rows()
    rnd = random.Random(1172)
    assignees = sorted({r["assignee"] for r in rows if r["assignee"]})
    seen_nonzero = Counter[str]()
    for _ in range(40):
        params = random_params(rnd, rows)
        if rnd.random() < 0.25:
            params["not_recognised"] = rnd.choice(["yes", "no"])
        if rnd.random() < 0.15:
            params.setlist("sector", [*params.getlist("sector"), "null"])
        if rnd.random() < 0.15 and "inspector" not in params:
            params["inspector"] = rnd.choice(["null", str(rnd.choice(assignees))])
        expected_rows = python_filter(rows, params)
        figures = figures_for(params.urlencode())
        assert figures.counts == python_counts(expected_rows), params.urlencode()
        assert db_breakdowns(figures) == python_breakdowns(expected_rows), params.urlencode()
        for key, value in db_breakdowns(figures).items():
            seen_nonzero[key] += bool(value)
    # The comparison is not vacuous: every figure was non-zero for several filters.
    assert all(n >= 5 for n in seen_nonzero.values()), seen_nonzero


def test_dashboard_counts_take_two_queries(loaded: None) -> None:
    case_filter = CaseFilter(QueryDict(KAMERBRIEF), queryset=Case.objects.all())
    assert case_filter.is_valid()
    with CaptureQueriesContext(connection) as ctx:
        figures = dashboard_figures(case_filter.qs)
    assert len(ctx.captured_queries) == 2
    assert figures.counts.received == 746


@pytest.mark.parametrize(
    "query",
    [
        KAMERBRIEF,
        "received_after=2021-03-01&received_before=2021-06-30&sector=J&sector=null"
        "&topic=niet_mogen_thuiswerken",
        "state=closed&state=received&channel=telefoon&channel=email",
        "received_after=2020-12-20&investigated=no",
        "",
    ],
    ids=["kamerbrief", "period-sector-topic", "states-channels", "not-investigated", "none"],
)
def test_every_drilldown_list_shows_its_figure(teamleider_client: Client, query: str) -> None:
    page = get_dashboard(teamleider_client, query)
    links = [(html.unescape(href), int(count)) for href, count in LINK_RE.findall(page)]
    assert len(links) >= 20
    hrefs = [href for href, _n in links]
    # The headline figures are among the links (unless the filter contradicts them).
    headline = ["count-received", "count-only-not-allowed", "count-overdue"]
    if "investigated=no" not in query:
        headline.append("count-investigated")
    for testid in headline:
        assert re.search(rf'data-count="\d+"><span data-testid="{testid}">', page), testid
    checked = 0
    for href, count in links:
        assert urlsplit(href).path == reverse("all_cases")
        response = teamleider_client.get(href)
        assert response.status_code == 200, href
        assert result_count(response.content.decode()) == count, href
        checked += 1
    assert checked == len(hrefs)
    # Every drill-down keeps the dashboard's own filter.
    base = parse_qs(query)
    for href in hrefs:
        params = parse_qs(urlsplit(href).query)
        for key, values in base.items():
            assert set(params[key]) <= set(values) or key.startswith("received_"), (key, href)


def test_contradicting_figures_are_zero_and_not_linked(teamleider_client: Client) -> None:
    page = get_dashboard(teamleider_client, f"{KAMERBRIEF}&investigated=yes&state=received")
    assert number_by_testid(page, "count-declined") == 0
    assert number_by_testid(page, "count-not-triaged") == 0
    assert not re.search(r'data-count="\d+"><span data-testid="count-declined"', page)
