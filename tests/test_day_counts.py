"""cases/dashboard/day_counts.py: figures for a period alone, read from the counts per day,
equal the one pass over the meldingen; which of the two a request uses; and a plain
`manage.py loaddata kamerbrief_2021` on a fresh database gives the right figures at once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.dashboard.day_counts import day_count_figures, figures_for, whole_months
from cases.dashboard.figures import dashboard_figures
from cases.filters import CaseFilter, filtered_cases
from cases.models import Case
from cases.selectors import KAMERBRIEF_PERIOD
from tests.helpers import KAMERBRIEF, get_dashboard, number_by_testid

ROOT = Path(settings.BASE_DIR)
TODAY = dt.date(2021, 4, 12)

PERIODS = [
    KAMERBRIEF_PERIOD,
    (dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
    (None, None),
    (dt.date(2021, 3, 1), None),
    (None, dt.date(2021, 1, 24)),
    (dt.date(2021, 1, 25), dt.date(2021, 1, 25)),
    (dt.date(2022, 1, 1), dt.date(2022, 12, 31)),  # nothing received
    (dt.date(2021, 2, 1), dt.date(2021, 3, 31)),  # whole months only
    (dt.date(2021, 1, 31), dt.date(2021, 2, 1)),  # across a month's end, no whole month
    (dt.date(2020, 11, 15), dt.date(2021, 2, 28)),  # days, then whole months
]


def test_whole_months_of_a_period() -> None:
    d = dt.date
    assert whole_months(d(2021, 1, 25), d(2021, 4, 9)) == (d(2021, 2, 1), d(2021, 3, 1))
    assert whole_months(d(2021, 2, 1), d(2021, 2, 28)) == (d(2021, 2, 1), d(2021, 2, 1))
    assert whole_months(d(2024, 2, 1), d(2024, 2, 28)) is None  # 29 days in 2024
    assert whole_months(d(2021, 1, 31), d(2021, 2, 1)) is None
    assert whole_months(None, d(2021, 4, 9)) == (None, d(2021, 3, 1))
    assert whole_months(d(2021, 1, 2), None) == (d(2021, 2, 1), None)
    assert whole_months(None, None) == (None, None)


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_day_counts_give_the_same_figures_as_the_one_pass(
    loaded: None, start: dt.date | None, end: dt.date | None
) -> None:
    query = QueryDict(mutable=True)
    if start:
        query["received_after"] = start.isoformat()
    if end:
        query["received_before"] = end.isoformat()
    case_filter = CaseFilter(query, queryset=Case.objects.all())
    assert case_filter.is_valid()
    expected = dashboard_figures(case_filter.qs, today=TODAY)
    with CaptureQueriesContext(connection) as ctx:
        figures = day_count_figures(start, end, today=TODAY)
    assert figures == expected
    assert len(ctx.captured_queries) == 2
    if start == KAMERBRIEF_PERIOD[0] and end == KAMERBRIEF_PERIOD[1]:
        c = figures.counts
        assert (c.received, c.investigated, c.only_not_allowed) == (746, 627, 545)


def _uses_day_counts(user: User, params: str) -> bool:
    case_filter, cases = filtered_cases(user, QueryDict(params))
    assert case_filter.is_valid()
    with CaptureQueriesContext(connection) as ctx:
        figures_for(user, case_filter, cases, TODAY)
    return any("cases_daycount" in q["sql"] for q in ctx.captured_queries)


def test_a_period_alone_is_read_from_the_day_counts(loaded: None) -> None:
    leader = User.objects.get(username="teamleider")
    inspector = User.objects.get(username="inspecteur1")
    assert _uses_day_counts(leader, KAMERBRIEF)
    assert _uses_day_counts(leader, "")
    assert _uses_day_counts(leader, "received_after=2021-02-01&q=")
    assert not _uses_day_counts(leader, f"{KAMERBRIEF}&sector=J")
    assert not _uses_day_counts(leader, "topic=werkdruk")
    # Someone who sees only some cases never gets the counts of all of them.
    assert not _uses_day_counts(inspector, KAMERBRIEF)


def test_the_page_and_home_of_a_team_leader_read_the_day_counts(loaded: None) -> None:
    client = Client()
    client.force_login(User.objects.get(username="teamleider"))
    with CaptureQueriesContext(connection) as ctx:
        page = get_dashboard(client, KAMERBRIEF)
    assert number_by_testid(page, "count-received") == 746
    assert any("cases_daycount" in q["sql"] for q in ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        home = client.get(reverse("home")).content.decode()
    assert 'data-testid="count-received">746<' in home
    assert 'data-testid="count-only-not-allowed">545<' in home
    assert any("cases_daycount" in q["sql"] for q in ctx.captured_queries)


# ---------------------------------------------------------------------------
# A fresh database: migrate, a plain loaddata, and the figures are right.

FIGURES = """
import django, json
django.setup()
from django.http import QueryDict
from cases import rollups
from cases.dashboard.day_counts import day_count_figures
from cases.dashboard.figures import dashboard_figures
from cases.filters import CaseFilter
from cases.models import Case
from cases.selectors import KAMERBRIEF_PERIOD
start, end = KAMERBRIEF_PERIOD
query = QueryDict(f"received_after={start}&received_before={end}")
counts = day_count_figures(start, end).counts
same = day_count_figures(start, end) == dashboard_figures(CaseFilter(query, Case.objects).qs)
drift = len(rollups.day_count_drift()) + len(rollups.column_drift())
print(json.dumps([counts.received, counts.investigated, counts.only_not_allowed, same, drift]))
"""


def _fresh_database(tmp_path: Path) -> tuple[dict[str, str], Any]:
    """Environment variables for a new, empty database, and how to drop it afterwards."""
    if connection.vendor == "sqlite":
        return {"DATABASE_URL": "", "SQLITE_PATH": str(tmp_path / "fresh.sqlite3")}, None
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_fresh"
    server = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"]}
    if db.get("PASSWORD"):
        server["password"] = db["PASSWORD"]
    admin = psycopg.connect(**server, dbname="postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    user = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{user}@{server['host']}:{server['port']}/{name}"

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()

    return {"DATABASE_URL": url}, drop


def test_plain_loaddata_on_a_fresh_database_gives_746_627_545(tmp_path: Path) -> None:
    env, drop = _fresh_database(tmp_path)
    environment = {**os.environ, "DEBUG": "true", "CONN_MAX_AGE": "0", **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        for command in (
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            [sys.executable, "manage.py", "loaddata", "kamerbrief_2021", "-v0"],
            [sys.executable, "-c", FIGURES],
        ):
            result = subprocess.run(  # noqa: S603 - fixed interpreter and commands
                command,
                cwd=ROOT,
                env={**environment, "DJANGO_SETTINGS_MODULE": "inspectie.settings"},
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert result.returncode == 0, result.stderr[-3000:]
    finally:
        if drop is not None:
            drop()
    received, investigated, only, same, drift = json.loads(result.stdout.strip().splitlines()[-1])
    assert (received, investigated, only) == (746, 627, 545)
    assert same is True
    assert drift == 0
