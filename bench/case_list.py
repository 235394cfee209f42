"""B2 (QUALITY.md): a filtered, paginated case list (50 rows) at up to 1M meldingen.

Runs on PostgreSQL in a throwaway database it creates and drops itself:

    .venv/bin/python bench/case_list.py [--rows 1000000] [--repeat 15]
    (PGHOST/PGPORT/PGUSER select the server; default 127.0.0.1:5432, user postgres)

For each filter it times the page as the application builds it (permission queryset,
shared CaseFilter, list_rows, Paginator: the rows with employer, assignee and topics, plus
the total) against hand-written SQL returning the same rows and total, in the same run,
and prints the medians, the ratio and the number of queries. Then the same for the API's
list (`GET /api/v1/meldingen/`, a team leader's session, the whole request: middleware,
filter, cursor pagination, JSON) against the same SQL without the total (a cursor page
has none). The data is the dashboard benchmark's (bench/dashboard_data.py: seeded, generated
inside PostgreSQL, ten years up to today).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from typing import Any

from throwaway_pg import throwaway_database

DB = "bench_case_list"


# The same page by hand: rows with their employer and assignee, the total, the topics.
SQL_PAGE = """
SELECT c.id, c.reference, c.received_at, c.channel, c.state, c.outcome, c.triage_due,
       c.call_due, c.version, e.name, e.visit_city, e.kvk_number, u.first_name, u.last_name,
       c.employer_id
FROM cases_case c
JOIN cases_employer e ON e.id = c.employer_id
LEFT JOIN auth_user u ON u.id = c.assignee_id
WHERE {where}
ORDER BY c.received_at DESC, c.id DESC
LIMIT 50
"""
SQL_COUNT = (
    "SELECT count(*) FROM cases_case c JOIN cases_employer e ON e.id = c.employer_id WHERE {where}"
)
SQL_TOPICS = """
SELECT ct.case_id, t.code, t.label FROM cases_case_topics ct
JOIN cases_topic t ON t.id = ct.topic_id WHERE ct.case_id = ANY(%s)
"""

# The repeat signal (cases/employers.py) by hand: KvK numbers with at least 3 meldingen in
# the 90 days up to today, or an agreement not kept in the 12 months up to today.
SQL_REPEAT = """(kvk_number IN (
    SELECT e2.kvk_number FROM cases_case c2 JOIN cases_employer e2 ON e2.id = c2.employer_id
    WHERE e2.kvk_number IS NOT NULL AND c2.local_day BETWEEN CURRENT_DATE - 89 AND CURRENT_DATE
    GROUP BY e2.kvk_number HAVING count(*) >= 3)
  OR kvk_number IN (
    SELECT e3.kvk_number FROM cases_agreement a JOIN cases_case c3 ON c3.id = a.case_id
    JOIN cases_employer e3 ON e3.id = c3.employer_id
    WHERE a.status = 'niet_nagekomen' AND e3.kvk_number IS NOT NULL
      AND a.status_changed_at >= (CURRENT_DATE - INTERVAL '12 months' + INTERVAL '1 day')
          AT TIME ZONE 'Europe/Amsterdam'
      AND a.status_changed_at < (CURRENT_DATE + 1)::timestamp AT TIME ZONE 'Europe/Amsterdam'))"""

FILTERS: list[tuple[str, str, str]] = [
    ("all, newest first", "", "TRUE"),
    (
        "2021 + open states + topic",
        "received_after=2021-01-01&received_before=2021-12-31&state=received"
        "&state=under_investigation&topic=niet_mogen_thuiswerken",
        "c.received_at >= '2021-01-01T00:00:00+01:00' AND c.received_at < "
        "'2022-01-01T00:00:00+01:00' AND c.state IN ('received','under_investigation') AND "
        "EXISTS (SELECT 1 FROM cases_case_topics ct JOIN cases_topic t ON t.id = ct.topic_id "
        "WHERE ct.case_id = c.id AND t.code = 'niet_mogen_thuiswerken')",
    ),
    (
        "sector J + investigated",
        "sector=J&investigated=yes",
        "e.sector_id = 'J' AND c.investigated_at IS NOT NULL",
    ),
    (
        "repeat employers",
        "repeat_employer=yes",
        f"c.employer_id IN (SELECT id FROM cases_employer WHERE {SQL_REPEAT})",  # noqa: S608
    ),
]


def app_page(user: Any, params: str) -> tuple[int, int]:
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from cases import employers, selectors
    from cases.filters import filtered_cases

    _filter, cases = filtered_cases(user, QueryDict(params))
    page = Paginator(selectors.list_rows(cases, "-received"), 50).get_page(1)
    rows = list(page.object_list)
    for case in rows:  # what the template touches
        _ = (case.employer.name, case.assignee, [t.label for t in case.topics.all()])
    # The repeat signal of the page's employers, as the list view marks them.
    employers.flagged_among({case.employer_id for case in rows})
    return len(rows), page.paginator.count


def sql_page(where: str) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SQL_PAGE.format(where=where))
        rows = cursor.fetchall()
        cursor.execute(SQL_COUNT.format(where=where))
        total = cursor.fetchone()[0]
        cursor.execute(SQL_TOPICS, [[r[0] for r in rows]])
        cursor.fetchall()
        cursor.execute(
            f"SELECT id FROM cases_employer WHERE id = ANY(%s) AND {SQL_REPEAT}",  # noqa: S608
            [sorted({r[-1] for r in rows})],
        )
        cursor.fetchall()
    return len(rows), total


def api_page(client: Any, params: str) -> int:
    response = client.get(f"/api/v1/meldingen/?{params}")
    if response.status_code != 200:
        raise SystemExit(f"API list {params!r}: {response.status_code} {response.content[:300]!r}")
    return len(response.json()["results"])


def sql_rows(where: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SQL_PAGE.format(where=where))
        rows = cursor.fetchall()
        cursor.execute(SQL_TOPICS, [[r[0] for r in rows]])
        cursor.fetchall()
    return len(rows)


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    fn()  # warm up
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1172)
    args = parser.parse_args()

    with throwaway_database(DB):
        from dashboard_data import generate
        from django.contrib.auth.models import Group, User
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        supervisor = User.objects.create_user("bench-teamleider")
        supervisor.groups.add(Group.objects.get(name="Teamleider"))
        inspector = User.objects.create_user("bench-inspecteur", first_name="Bench")
        inspector.groups.add(Group.objects.get(name="Inspecteur"))
        start = time.perf_counter()
        generate(args.rows, seed=args.seed, today=timezone.localdate(), inspectors=[inspector.pk])
        print(f"generated {args.rows:,} meldingen in {time.perf_counter() - start:.1f} s")
        supervisor = User.objects.get(pk=supervisor.pk)
        print(f"{'filter':32} {'app ms':>9} {'sql ms':>9} {'ratio':>6} {'queries':>8} {'total':>9}")
        for label, params, where in FILTERS:
            app_ms, app_result = timed(lambda p=params: app_page(supervisor, p), args.repeat)
            sql_ms, sql_result = timed(lambda w=where: sql_page(w), args.repeat)
            if app_result != sql_result:
                raise SystemExit(f"{label}: app {app_result} != sql {sql_result}")
            with CaptureQueriesContext(connection) as ctx:
                app_page(supervisor, params)
            print(
                f"{label:32} {app_ms:9.1f} {sql_ms:9.1f} {app_ms / sql_ms:6.2f} "
                f"{len(ctx.captured_queries):8d} {app_result[1]:9,}"
            )
        from django.test import Client

        client = Client()
        client.force_login(supervisor)
        print(f"\n{'API list: filter':32} {'api ms':>9} {'sql ms':>9} {'ratio':>6} {'queries':>8}")
        for label, params, where in FILTERS:
            api_ms, api_rows = timed(lambda p=params: api_page(client, p), args.repeat)
            sql_ms, rows = timed(lambda w=where: sql_rows(w), args.repeat)
            if api_rows != rows:
                raise SystemExit(f"{label}: api {api_rows} rows != sql {rows}")
            with CaptureQueriesContext(connection) as ctx:
                api_page(client, params)
            print(
                f"{label:32} {api_ms:9.1f} {sql_ms:9.1f} {api_ms / sql_ms:6.2f} "
                f"{len(ctx.captured_queries):8d}"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
