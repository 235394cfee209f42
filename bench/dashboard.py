"""B1 (QUALITY.md): all dashboard counts for a filter at 10k, 100k and 1M meldingen.

Runs on PostgreSQL in a throwaway database it creates and drops itself:

    .venv/bin/python bench/dashboard.py [--sizes 10000,100000,1000000] [--repeat 11]
    (PGHOST/PGPORT/PGUSER select the server; default 127.0.0.1:5432, user postgres)

For each size and each filter (a period, and period + sector + topic) it times every
dashboard figure as the application computes it (permission queryset, shared CaseFilter,
`cases.dashboard.figures.dashboard_figures`) against the same numbers from hand-written SQL,
in the same run: one query per breakdown (the reference of the goal), and, for information,
one GROUPING SETS query. It checks that the numbers are equal, and prints the medians, the
ratio, the queries of the counts and of the whole dashboard page, the growth from the
smallest to the largest size, and the peak RSS of this process and of the PostgreSQL
backend. Data is generated inside PostgreSQL with generate_series and fixed arithmetic
"randomness" (deterministic).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from throwaway_pg import throwaway_database

DB = "bench_dashboard"


CLEAR = """
SET app.allow_event_purge = 'on';
TRUNCATE cases_call, cases_case_topics, cases_case, cases_employer RESTART IDENTITY CASCADE;
"""

# States and outcomes respect the model's check constraints: investigated states have
# investigated_at; closed cases have an outcome (decline outcomes when never investigated).
GENERATE = """
INSERT INTO cases_employer (id, name, kvk_number, establishment_number, sector_id,
    visit_street, visit_number, visit_postcode, visit_city, postal_street, postal_number,
    postal_postcode, postal_city, contact_name, contact_phone, contact_email,
    created_at, updated_at)
SELECT i, 'Werkgever ' || i || ' B.V.', lpad((10000000 + i)::text, 8, '0'), '',
    CASE WHEN i %% 13 = 0 THEN NULL ELSE substr('CGJKMNQ', 1 + i %% 7, 1) END,
    'Straat', '1', '', 'Den Haag', '', '', '', '', '', '', '', now(), now()
FROM generate_series(1, %(employers)s) AS i;

INSERT INTO cases_case (id, reference, received_at, channel, description, employer_id,
    assignee_id, state, outcome, main_case_id, triage_due, call_due, investigated_at,
    closed_at, version, created_at, created_by_id, anonymised_at)
SELECT i,
    'TW-' || (2016 + i %% 11) || '-' || lpad(((i - 1) / 11 + 1)::text, 5, '0'),
    timestamptz '2020-01-01' + ((i * 7919) %% 1800) * interval '1 day'
        + ((i * 104729) %% 86400) * interval '1 second',
    (ARRAY['webformulier','telefoon','email','brief'])[1 + i %% 4],
    'Omschrijving ' || i,
    1 + (i * 31) %% %(employers)s,
    CASE WHEN s.state = 'received' AND i %% 3 = 0 THEN NULL
         ELSE (%(inspectors)s)[1 + i %% array_length(%(inspectors)s, 1)] END,
    s.state,
    CASE WHEN s.state <> 'closed' THEN ''
         WHEN s.investigated THEN (ARRAY['werkgever_voldoet_al','afspraken_nagekomen',
             'werkgever_onbereikbaar'])[1 + i %% 3]
         ELSE (ARRAY['onvoldoende_informatie','ingetrokken','geen_overtreding_aannemelijk',
             'buiten_bevoegdheid','dubbele_melding'])[1 + i %% 5] END,
    NULL, date '2021-01-01' + (i %% 1500)::int,
    CASE WHEN s.investigated THEN date '2021-01-15' + (i %% 1500)::int END,
    CASE WHEN s.investigated THEN timestamptz '2021-01-02' END,
    CASE WHEN s.state = 'closed' THEN timestamptz '2021-02-02' END,
    1, now(), %(inspector)s, NULL
FROM generate_series(1::bigint, %(rows)s) AS i,
LATERAL (SELECT st AS state,
        st IN ('under_investigation','employer_called','agreements_confirmed')
        OR (st = 'closed' AND i %% 3 <> 0) AS investigated
    FROM (SELECT (ARRAY['received','under_investigation','employer_called',
        'agreements_confirmed','closed','closed'])[1 + (i * 13) %% 6] AS st) AS x) AS s;

INSERT INTO cases_case_topics (case_id, topic_id)
SELECT i, (SELECT id FROM cases_topic WHERE code = 'niet_mogen_thuiswerken')
FROM generate_series(1, %(rows)s) AS i WHERE i %% 7 <> 0;
INSERT INTO cases_case_topics (case_id, topic_id)
SELECT i, (SELECT id FROM cases_topic WHERE code = 'werkdruk')
FROM generate_series(1, %(rows)s) AS i WHERE i %% 4 = 0;

INSERT INTO cases_call (case_id, called_at, caller_id, reached, contact_name, criteria,
    employer_response, measures, notes, created_at)
SELECT c.id, timestamptz '2021-02-01', %(inspector)s, true, 'J. de Vries',
    '["fysieke_aanwezigheid"]'::jsonb,
    (ARRAY['ja','ja','gedeeltelijk','nee'])[1 + c.id %% 4], '', '', now()
FROM cases_case c WHERE c.state IN ('employer_called','agreements_confirmed')
    OR (c.state = 'closed' AND c.investigated_at IS NOT NULL AND c.id %% 2 = 0);
SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %(rows)s);
ANALYZE;
"""

TZ = "Europe/Amsterdam"
FILTERS: list[tuple[str, str, str]] = [
    (
        "period 2021",
        "received_after=2021-01-01&received_before=2021-12-31",
        f"c.received_at >= timestamptz '2021-01-01 00:00 {TZ}' "
        f"AND c.received_at < timestamptz '2022-01-01 00:00 {TZ}'",
    ),
    (
        "period 2021 + sector J + topic",
        "received_after=2021-01-01&received_before=2021-12-31&sector=J"
        "&topic=niet_mogen_thuiswerken",
        f"c.received_at >= timestamptz '2021-01-01 00:00 {TZ}' "  # noqa: S608
        f"AND c.received_at < timestamptz '2022-01-01 00:00 {TZ}' "
        "AND e.sector_id = 'J' AND EXISTS (SELECT 1 FROM cases_case_topics ct "
        "JOIN cases_topic t ON t.id = ct.topic_id WHERE ct.case_id = c.id "
        "AND t.code = 'niet_mogen_thuiswerken')",
    ),
]

ONLY_NMT = """(EXISTS (SELECT 1 FROM cases_case_topics ct JOIN cases_topic t
    ON t.id = ct.topic_id WHERE ct.case_id = c.id AND t.code = 'niet_mogen_thuiswerken')
  AND NOT EXISTS (SELECT 1 FROM cases_case_topics ct JOIN cases_topic t
    ON t.id = ct.topic_id WHERE ct.case_id = c.id AND t.code <> 'niet_mogen_thuiswerken'))"""
NEE = """EXISTS (SELECT 1 FROM cases_call k WHERE k.case_id = c.id AND k.reached
    AND k.employer_response = 'nee')"""
OVERDUE = """((c.state = 'received' AND c.triage_due < %(today)s)
    OR (c.state = 'under_investigation' AND c.call_due < %(today)s))"""
DECLINED = "(c.investigated_at IS NULL AND c.state = 'closed')"
FROM = "FROM cases_case c JOIN cases_employer e ON e.id = c.employer_id WHERE {where}"

SQL_TOTALS = f"""
SELECT count(*), count(*) FILTER (WHERE c.investigated_at IS NOT NULL),
    count(*) FILTER (WHERE {ONLY_NMT}), count(*) FILTER (WHERE {DECLINED}),
    count(*) FILTER (WHERE c.investigated_at IS NULL AND c.state <> 'closed'),
    count(*) FILTER (WHERE {OVERDUE}), count(*) FILTER (WHERE {NEE}),
    count(DISTINCT c.employer_id) FILTER (WHERE {NEE})
{FROM}"""
SQL_BREAKDOWNS = {
    "outcome": f"SELECT c.outcome, count(*) {FROM} AND {DECLINED} GROUP BY 1",
    "state": f"SELECT c.state, count(*) {FROM} GROUP BY 1",
    "sector": """SELECT e.sector_id, s.name, count(*) FROM cases_case c
        JOIN cases_employer e ON e.id = c.employer_id
        LEFT JOIN cases_sector s ON s.code = e.sector_id WHERE {where} GROUP BY 1, 2""",
    "inspector": """SELECT c.assignee_id, u.first_name, u.last_name, count(*)
        FROM cases_case c JOIN cases_employer e ON e.id = c.employer_id
        LEFT JOIN auth_user u ON u.id = c.assignee_id WHERE {where} GROUP BY 1, 2, 3""",
    "week": f"""SELECT date_trunc('week', c.received_at AT TIME ZONE '{TZ}')::date, count(*)
        {FROM} GROUP BY 1""",
}
# The same breakdowns in one GROUPING SETS query (plus the totals query above).
SQL_GROUPING_SETS = f"""
SELECT GROUPING(c.state, e.sector_id, c.assignee_id, wk, dout) AS g,
    c.state, e.sector_id, c.assignee_id, wk, dout, count(*)
FROM cases_case c JOIN cases_employer e ON e.id = c.employer_id,
LATERAL (SELECT date_trunc('week', c.received_at AT TIME ZONE '{TZ}')::date AS wk,
    CASE WHEN {DECLINED} THEN c.outcome END AS dout) AS x
WHERE {{where}}
GROUP BY GROUPING SETS ((c.state), (e.sector_id), (c.assignee_id), (wk), (dout))
"""  # noqa: S608 (fixed text, no input)


def normalise_app(figures: Any) -> dict[str, Any]:
    c = figures.counts
    return {
        "totals": (
            c.received,
            c.investigated,
            c.only_not_allowed,
            c.declined,
            c.not_triaged,
            figures.overdue,
            figures.not_recognised,
            figures.not_recognised_employers,
        ),
        "outcome": dict(c.declined_by_outcome),
        "state": dict(figures.by_state),
        "sector": {code: n for code, _name, n in figures.by_sector},
        "inspector": {pk: n for pk, _name, n in figures.by_inspector},
        "week": dict(figures.by_week),
    }


def app_counts(user: Any, params: str) -> dict[str, Any]:
    from django.http import QueryDict

    from cases.dashboard.figures import dashboard_figures
    from cases.filters import filtered_cases

    case_filter, cases = filtered_cases(user, QueryDict(params))
    if not case_filter.is_valid():
        raise SystemExit(f"invalid filter {params}: {case_filter.errors}")
    return normalise_app(dashboard_figures(cases))


def sql_counts(where: str, today: Any) -> dict[str, Any]:
    from django.db import connection

    args = {"today": today}
    out: dict[str, Any] = {}
    with connection.cursor() as cursor:
        cursor.execute(SQL_TOTALS.format(where=where), args)
        out["totals"] = tuple(cursor.fetchone())
        for name, sql in SQL_BREAKDOWNS.items():
            cursor.execute(sql.format(where=where), args)
            rows = cursor.fetchall()
            out[name] = {row[0]: row[-1] for row in rows}
    return out


def sql_grouping_sets(where: str, today: Any) -> dict[str, Any]:
    from django.db import connection

    out: dict[str, Any] = {name: {} for name in ("outcome", "state", "sector", "inspector")}
    out["week"] = {}
    with connection.cursor() as cursor:
        cursor.execute(SQL_TOTALS.format(where=where), {"today": today})
        out["totals"] = tuple(cursor.fetchone())
        cursor.execute(SQL_GROUPING_SETS.format(where=where))
        rows = cursor.fetchall()
    names = {0b01111: "state", 0b10111: "sector", 0b11011: "inspector", 0b11101: "week"}
    for g, state, sector, assignee, week, dout, n in rows:
        if g == 0b11110:
            if dout is not None:
                out["outcome"][dout] = n
        else:
            key = {"state": state, "sector": sector, "inspector": assignee, "week": week}
            out[names[g]][key[names[g]]] = n
    return out


def page_queries(client: Any, params: str) -> tuple[int, int]:
    """Queries of the whole dashboard page, and of it without the per-request session,
    user, permission, navigation and session-save queries every page has."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/dashboard/?{params}")
    if response.status_code != 200:
        raise SystemExit(f"dashboard page: HTTP {response.status_code}")
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")  # transaction control, not queries
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(control)]
    # Every page: the session (read, save), the user, and cases.auth's permission query.
    framework = sum(
        1
        for sql in statements
        if "django_session" in sql
        or sql.startswith('(SELECT "auth_group"."name"')
        or 'FROM "auth_user" WHERE' in sql
    )
    return len(statements), len(statements) - framework


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    fn()  # warm up
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def backend_peak_mb() -> float | None:
    """VmHWM (peak RSS) of this connection's PostgreSQL backend, when the server is local."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    with throwaway_database(DB):
        from django.contrib.auth.models import Group, User
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        supervisor = User.objects.create_user("bench-teamleider", first_name="Bench")
        supervisor.groups.add(Group.objects.get(name="Teamleider"))
        inspectors = []
        for n in range(5):
            user = User.objects.create_user(f"bench-inspecteur{n}", first_name=f"Insp{n}")
            user.groups.add(Group.objects.get(name="Inspecteur"))
            inspectors.append(user.pk)
        supervisor = User.objects.get(pk=supervisor.pk)
        client = Client()
        client.force_login(supervisor)
        today = timezone.localdate()

        results: dict[tuple[str, int], tuple[float, float]] = {}
        print(
            f"{'meldingen':>10} {'filter':32} {'app ms':>8} {'sql ms':>8} {'ratio':>6} "
            f"{'gs ms':>7} {'ratio':>6} {'q counts':>8} {'q page':>7} {'q view':>7} "
            f"{'received':>9}"
        )
        for size in sizes:
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(CLEAR)
                cursor.execute(
                    GENERATE,
                    {
                        "rows": size,
                        "employers": max(10, size // 100),
                        "inspector": inspectors[0],
                        "inspectors": inspectors,
                    },
                )
            print(f"# generated {size:,} meldingen in {time.perf_counter() - start:.1f} s")
            for label, params, where in FILTERS:
                app_ms, app_result = timed(lambda p=params: app_counts(supervisor, p), args.repeat)
                sql_ms, sql_result = timed(lambda w=where: sql_counts(w, today), args.repeat)
                gs_ms, gs_result = timed(lambda w=where: sql_grouping_sets(w, today), args.repeat)
                for name, reference in (
                    ("per-breakdown SQL", sql_result),
                    ("GROUPING SETS", gs_result),
                ):
                    if app_result != reference:
                        diff = {
                            k: (app_result[k], reference[k])
                            for k in app_result
                            if app_result[k] != reference[k]
                        }
                        raise SystemExit(f"{size} {label}: app != {name}: {diff}")
                with CaptureQueriesContext(connection) as ctx:
                    app_counts(supervisor, params)
                page_total, page_view = page_queries(client, params)
                results[(label, size)] = (app_ms, sql_ms)
                print(
                    f"{size:>10,} {label:32} {app_ms:8.1f} {sql_ms:8.1f} {app_ms / sql_ms:6.2f} "
                    f"{gs_ms:7.1f} {app_ms / gs_ms:6.2f} {len(ctx.captured_queries):8d} "
                    f"{page_total:7d} {page_view:7d} {app_result['totals'][0]:9,}"
                )
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            for label, _params, _where in FILTERS:
                app_small, sql_small = results[(label, small)]
                app_large, sql_large = results[(label, large)]
                print(
                    f"growth {small:,} -> {large:,} ({label}): app x{app_large / app_small:.1f}, "
                    f"sql x{sql_large / sql_small:.1f}"
                )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        backend = backend_peak_mb()
        print(f"peak RSS of this process: {peak:.0f} MB")
        if backend is not None:
            print(f"peak RSS of its PostgreSQL backend: {backend:.0f} MB")
        print(
            "columns: ratio = app / per-breakdown SQL (the goal); gs = one GROUPING SETS query "
            "(information); q counts = queries of the counts (filter validation included); "
            "q page = queries of the whole dashboard page (BEGIN/COMMIT not counted); "
            "q view = the page without the session, user, permission and navigation queries "
            "every page makes"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
