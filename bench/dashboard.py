"""B1 and B5 (docs/quality.md): the dashboard page as a team leader gets it, and its figures,
at 150k and 1M meldingen; then 50 people at work against gunicorn.

    .venv/bin/python bench/dashboard.py [--sizes 150000,1000000] [--repeat 7] [--seed 16]
        [--load-size 150000] [--users 50] [--think 10] [--load-seconds 120] [--no-load]
        [--workers 2] [--threads 4] [--explain] [--json FILE] [--known-on-sizes 150000]
        [--database bench_dashboard]
    (PGHOST/PGPORT/PGUSER select the server; default 127.0.0.1:5432, user postgres)

Runs on PostgreSQL in a throwaway database it creates and drops itself, with production
settings (DEBUG off). Per size it generates seeded data with per-case randomness
(bench/dashboard_data.py), then for each filter (FILTERS) measures in the same run,
interleaved, the median of:

- page: the whole dashboard page as a signed-in team leader gets it (middleware, session,
  view, filter form, figures, template), through Django's test client;
- figures: the figures alone, as the page computes them (`figures_for`);
- floor: `.count()` of the app's own filtered queryset for the same filter, on the same
  connection and settings (the reference of the goal); for information also the time of
  building that filtered queryset (validating the filter reads its choices) and counting.

It checks every figure against hand-written SQL that reads only the original columns
(received_at in Europe/Amsterdam, state, outcome, the employer's sector, the topics and
calls tables), counts the queries of each page, and times the "Alle meldingen" list.

The load phase (at --load-size, default 150000) starts gunicorn on 127.0.0.1 against the same
database, measures every page's single-user median over HTTP, then lets --users simulated
team leaders (threads, each with its own session) request dashboard and list pages with
--think seconds of think time (exponential, seeded) for --load-seconds, and reports p50, p95
and errors (failed requests and 5xx) per page.

--json FILE writes the results. Keys, per size under "sizes" -> "<size>":
  "rows", "generate_s", "filters" -> "<filter>" -> {"page_ms", "figures_ms", "floor_ms",
      "filter_and_floor_ms", "page_ratio", "figures_ratio", "repeat_ms" (the count of
      employers with a repeat signal, on its own), "repeat_ratio" (that over the floor),
      "queries", "received", "covered"},
  "list" -> "<list page>" -> {"page_ms", "floor_ms", "page_ratio", "queries"},
  "worst_page_ms": the slowest dashboard page median of all filters,
  "worst_page_ratio": the highest page / floor of the filters the goal covers (a period of
      a year or less, or a period alone),
  and at the load size: "load" -> "<page>" -> {"kind", "single_ms", "p50_ms", "p95_ms",
      "ratio", "requests", "errors"}, "load_p95_ratio": the worst p95 under load over the
      same page's single-user median, "errors": failed or 5xx responses under load,
      "load_requests": the requests made under load.
Top level: "loadavg_before" and "loadavg_after" (/proc/loadavg), "settings" (the options).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from throwaway_pg import throwaway_database

DB = "bench_dashboard"
TZ = "Europe/Amsterdam"

# (key, query string, covered by the goal: a period of a year or less, or a period alone)
FILTERS: list[tuple[str, str, bool]] = [
    ("period_2021", "received_after=2021-01-01&received_before=2021-12-31", True),
    (
        "period_2021_sector_topic",
        "received_after=2021-01-01&received_before=2021-12-31&sector=J"
        "&topic=niet_mogen_thuiswerken",
        True,
    ),
    ("kamerbrief", "received_after=2021-01-25&received_before=2021-04-09", True),
    ("all_time", "", True),
    ("all_time_sector", "sector=J", False),
]
# The figures as known on a reference date (known_on), each against the same filter without
# it: (key of FILTERS, the reference date; None: yesterday).
KNOWN_ON: list[tuple[str, dt.date | None]] = [
    ("kamerbrief", dt.date(2021, 4, 9)),
    ("period_2021", dt.date(2021, 12, 31)),
    ("period_2021_sector_topic", dt.date(2021, 12, 31)),
    ("all_time", None),
    ("all_time_sector", None),
]
LISTS: list[tuple[str, str]] = [
    ("list_all", ""),
    ("list_period_2021", "received_after=2021-01-01&received_before=2021-12-31"),
    ("list_sector_page_3", "sector=J&page=3"),
]
CONTROL = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


# ---------------------------------------------------------------------------
# Hand-written reference: the figures from the original columns only


def reference_where(query: str) -> str:
    from django.http import QueryDict

    params = QueryDict(query)
    where = ["TRUE"]
    if params.get("received_after"):
        where.append(f"day >= date '{params['received_after']}'")
    if params.get("received_before"):
        where.append(f"day <= date '{params['received_before']}'")
    if params.getlist("sector"):
        codes = ", ".join(f"'{code}'" for code in params.getlist("sector"))
        where.append(f"sector IN ({codes})")
    if params.getlist("topic"):
        codes = ", ".join(f"'{code}'" for code in params.getlist("topic"))
        where.append(f"topics && ARRAY[{codes}]::varchar[]")
    return " AND ".join(where)


REFERENCE = f"""
WITH sel AS (
    SELECT c.id, c.state, c.outcome, c.investigated_at IS NOT NULL AS inv, e.sector_id AS sector,
        c.assignee_id, c.employer_id, c.triage_due, c.call_due,
        (c.received_at AT TIME ZONE '{TZ}')::date AS day,
        ARRAY(SELECT t.code FROM cases_case_topics ct JOIN cases_topic t ON t.id = ct.topic_id
            WHERE ct.case_id = c.id ORDER BY t.code) AS topics,
        EXISTS (SELECT 1 FROM cases_call k WHERE k.case_id = c.id AND k.reached
            AND k.employer_response = 'nee') AS nee
    FROM cases_case c JOIN cases_employer e ON e.id = c.employer_id
), f AS (SELECT * FROM sel WHERE {{where}})
SELECT 'totals', json_build_array(count(*), count(*) FILTER (WHERE inv),
        count(*) FILTER (WHERE topics = ARRAY['niet_mogen_thuiswerken']::varchar[]),
        count(*) FILTER (WHERE NOT inv AND state = 'closed'),
        count(*) FILTER (WHERE NOT inv AND state <> 'closed'),
        count(*) FILTER (WHERE (state = 'received' AND triage_due < %(today)s)
            OR (state = 'under_investigation' AND call_due < %(today)s)
            OR (state IN ('employer_called', 'agreements_confirmed') AND EXISTS (
                SELECT 1 FROM cases_agreement a WHERE a.case_id = f.id AND a.status = 'open'
                AND a.due_date < %(today)s))),
        count(*) FILTER (WHERE nee), count(DISTINCT employer_id) FILTER (WHERE nee))::text
FROM f
UNION ALL SELECT 'state', json_object_agg(state, n)::text FROM (
    SELECT state, count(*) AS n FROM f GROUP BY 1) s
UNION ALL SELECT 'outcome', json_object_agg(outcome, n)::text FROM (
    SELECT outcome, count(*) AS n FROM f WHERE NOT inv AND state = 'closed' GROUP BY 1) s
UNION ALL SELECT 'sector', json_object_agg(COALESCE(sector, '-'), n)::text FROM (
    SELECT sector, count(*) AS n FROM f GROUP BY 1) s
UNION ALL SELECT 'assignee', json_object_agg(COALESCE(assignee_id, 0), n)::text FROM (
    SELECT assignee_id, count(*) AS n FROM f GROUP BY 1) s
UNION ALL SELECT 'week', json_object_agg(w, n)::text FROM (
    SELECT (day - (extract(isodow FROM day)::int - 1)) AS w, count(*) AS n FROM f GROUP BY 1) s
"""  # noqa: S608 (fixed text; the filters' values above are the bench's own constants)


def reference_figures(query: str, today: dt.date) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(REFERENCE.format(where=reference_where(query)), {"today": today})
        rows = {name: json.loads(value) if value else {} for name, value in cursor.fetchall()}
    return {
        "totals": rows["totals"],
        "state": rows["state"],
        "outcome": rows["outcome"],
        "sector": rows["sector"],
        "assignee": {int(k): v for k, v in rows["assignee"].items()},
        "week": rows["week"],
    }


# As known at a moment: registered by then, investigated by then, the state of the last
# transition Event by then (received without one).
REFERENCE_AS_OF = f"""
WITH sel AS (
    SELECT c.id, c.created_at, c.investigated_at, e.sector_id AS sector,
        (c.received_at AT TIME ZONE '{TZ}')::date AS day,
        ARRAY(SELECT t.code FROM cases_case_topics ct JOIN cases_topic t ON t.id = ct.topic_id
            WHERE ct.case_id = c.id ORDER BY t.code) AS topics
    FROM cases_case c JOIN cases_employer e ON e.id = c.employer_id
), f AS (SELECT * FROM sel WHERE {{where}} AND created_at <= %(moment)s),
last AS (
    SELECT DISTINCT ON (ev.case_id) ev.case_id, ev.to_state
    FROM cases_event ev JOIN f ON f.id = ev.case_id
    WHERE ev.to_state <> '' AND ev.created_at <= %(moment)s
    ORDER BY ev.case_id, ev.created_at DESC, ev.id DESC
), g AS (
    SELECT f.*, COALESCE(last.to_state, 'received') AS state,
        COALESCE(f.investigated_at <= %(moment)s, false) AS inv
    FROM f LEFT JOIN last ON last.case_id = f.id
)
SELECT 'totals', json_build_array(count(*), count(*) FILTER (WHERE inv),
        count(*) FILTER (WHERE NOT inv AND state = 'closed'),
        count(*) FILTER (WHERE NOT inv AND state <> 'closed'))::text
FROM g
UNION ALL SELECT 'state', json_object_agg(state, n)::text FROM (
    SELECT state, count(*) AS n FROM g GROUP BY 1) s
"""  # noqa: S608 (fixed text; the filters' values above are the bench's own constants)


def reference_as_of(query: str, moment: dt.datetime) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_AS_OF.format(where=reference_where(query)), {"moment": moment})
        rows = {name: json.loads(value) if value else {} for name, value in cursor.fetchall()}
    return {"totals": rows["totals"], "state": rows["state"]}


def app_normalised(figures: Any) -> dict[str, Any]:
    c = figures.counts
    return {
        "totals": [
            c.received,
            c.investigated,
            c.only_not_allowed,
            c.declined,
            c.not_triaged,
            figures.overdue,
            figures.not_recognised,
            figures.not_recognised_employers,
        ],
        "state": dict(figures.by_state),
        "outcome": dict(c.declined_by_outcome),
        "sector": {code or "-": n for code, _name, n in figures.by_sector},
        "assignee": {pk or 0: n for pk, _name, n in figures.by_inspector},
        "week": {day.isoformat(): n for day, n in figures.by_week},
    }


# ---------------------------------------------------------------------------
# In-process timings


def page_queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(CONTROL))


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def time_filters(
    client: Any, leader: Any, today: dt.date, repeat: int, check: bool
) -> dict[str, Any]:
    from django.http import QueryDict

    from cases.dashboard.day_counts import figures_for
    from cases.employers import flagged_employer_count
    from cases.filters import filtered_cases

    results: dict[str, Any] = {}
    for key, query, covered in FILTERS:
        url = f"/dashboard/?{query}"
        case_filter, cases = filtered_cases(leader, QueryDict(query))
        figures = figures_for(leader, case_filter, cases, today)
        if check:
            app, ref = app_normalised(figures), reference_figures(query, today)
            if app != ref:
                diff = {k: (app[k], ref[k]) for k in app if app[k] != ref[k]}
                raise SystemExit(f"{key}: the app's figures differ from the reference: {diff}")
        client.get(url)  # warm up
        samples: dict[str, list[float]] = {
            "page": [],
            "figures": [],
            "floor": [],
            "filter": [],
            "repeat": [],
        }
        for _ in range(repeat):
            start = time.perf_counter()
            case_filter, cases = filtered_cases(leader, QueryDict(query))
            built = time.perf_counter()
            cases.count()
            samples["floor"].append(time.perf_counter() - built)
            samples["filter"].append(time.perf_counter() - start)
            start = time.perf_counter()
            figures_for(leader, case_filter, cases, today)
            samples["figures"].append(time.perf_counter() - start)
            start = time.perf_counter()
            flagged_employer_count(cases, today)
            samples["repeat"].append(time.perf_counter() - start)
            start = time.perf_counter()
            response = client.get(url)
            samples["page"].append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        page, figs, floor, repeat_ms = (
            median_ms(samples[k]) for k in ("page", "figures", "floor", "repeat")
        )
        results[key] = {
            "page_ms": page,
            "figures_ms": figs,
            "floor_ms": floor,
            # information: building the filter (validating it reads its choices) and counting
            "filter_and_floor_ms": median_ms(samples["filter"]),
            "page_ratio": round(page / floor, 2),
            "figures_ratio": round(figs / floor, 2),
            # the page's count of employers with a repeat signal (issue 17), on its own
            "repeat_ms": repeat_ms,
            "repeat_ratio": round(repeat_ms / floor, 2),
            "queries": page_queries(client, url),
            "received": figures.counts.received,
            "covered": covered,
        }
        r = results[key]
        print(
            f"  {key:26} page {page:8.1f} ms  figures {figs:7.1f} ms  floor {floor:7.1f} ms  "
            f"page/floor {r['page_ratio']:6.2f}  repeat {repeat_ms:6.1f} ms  "
            f"queries {r['queries']:2d}  received {r['received']:>9,}"
        )
    return results


def time_known_on(
    client: Any, leader: Any, today: dt.date, repeat: int, check: bool
) -> dict[str, Any]:
    """Each KNOWN_ON filter with and without its reference date, interleaved: the page and
    the figures, and their ratios (with / without)."""
    from django.http import QueryDict
    from django.utils import timezone

    from cases.dashboard.as_of import end_of_day, figures_as_of
    from cases.dashboard.day_counts import figures_for
    from cases.filters import filtered_cases

    queries = {key: query for key, query, _covered in FILTERS}
    results: dict[str, Any] = {}
    for key, day in KNOWN_ON:
        known_on = day or today - dt.timedelta(days=1)
        query = queries[key]
        case_filter, cases = filtered_cases(leader, QueryDict(query))
        then = figures_for(leader, case_filter, cases, today, known_on)
        if check:
            c = then.counts
            app = {
                "totals": [c.received, c.investigated, c.declined, c.not_triaged],
                "state": dict(then.by_state),
            }
            ref = reference_as_of(query, end_of_day(known_on))
            if app != ref:
                raise SystemExit(f"{key} known on {known_on}: {app} != reference {ref}")
            # Once everything stored has happened, as known then is as it is now.
            later = figures_as_of(cases, timezone.now() + dt.timedelta(days=60), today=today)
            now = figures_for(leader, case_filter, cases, today)
            if (later.counts, later.by_state, later.by_sector, later.by_week) != (
                now.counts,
                now.by_state,
                now.by_sector,
                now.by_week,
            ):
                raise SystemExit(f"{key}: as known after the last Event differs from now")
        urls = {
            "without": f"/dashboard/?{query}",
            "with": f"/dashboard/?{query}&known_on={known_on}",
        }
        for url in urls.values():
            client.get(url)  # warm up
        samples: dict[str, list[float]] = {
            "page_without": [], "page_with": [], "figures_without": [], "figures_with": []
        }  # fmt: skip
        for _ in range(repeat):
            for kind, url in urls.items():
                case_filter, cases = filtered_cases(leader, QueryDict(query))
                start = time.perf_counter()
                figures_for(leader, case_filter, cases, today, known_on if kind == "with" else None)
                samples[f"figures_{kind}"].append(time.perf_counter() - start)
                start = time.perf_counter()
                response = client.get(url)
                samples[f"page_{kind}"].append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
        ms = {name: median_ms(values) for name, values in samples.items()}
        results[key] = {
            "known_on": known_on.isoformat(),
            **{f"{name}_ms": value for name, value in ms.items()},
            "page_ratio": round(ms["page_with"] / ms["page_without"], 2),
            "figures_ratio": round(ms["figures_with"] / ms["figures_without"], 2),
            "queries_with": page_queries(client, urls["with"]),
            "queries_without": page_queries(client, urls["without"]),
            "received_with": then.counts.received,
        }
        r = results[key]
        print(
            f"  {key:26} known_on {r['known_on']}  page {ms['page_with']:7.1f} / "
            f"{ms['page_without']:7.1f} ms = {r['page_ratio']:5.2f}  figures "
            f"{ms['figures_with']:7.1f} / {ms['figures_without']:7.1f} ms = "
            f"{r['figures_ratio']:6.2f}  queries {r['queries_with']}/{r['queries_without']}  "
            f"received {r['received_with']:>9,}"
        )
    return results


def time_lists(client: Any, leader: Any, repeat: int) -> dict[str, Any]:
    from django.http import QueryDict

    from cases.filters import filtered_cases

    results: dict[str, Any] = {}
    for key, query in LISTS:
        url = f"/meldingen/?{query}"
        client.get(url)
        pages, floors = [], []
        for _ in range(repeat):
            _f, cases = filtered_cases(leader, QueryDict(query))
            start = time.perf_counter()
            cases.count()
            floors.append(time.perf_counter() - start)
            start = time.perf_counter()
            status = client.get(url).status_code
            pages.append(time.perf_counter() - start)
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
        page, floor = median_ms(pages), median_ms(floors)
        results[key] = {
            "page_ms": page,
            "floor_ms": floor,
            "page_ratio": round(page / floor, 2),
            "queries": page_queries(client, url),
        }
        queries = results[key]["queries"]
        print(f"  {key:26} page {page:8.1f} ms  floor {floor:7.1f} ms  queries {queries}")
    return results


def _as_of_sql() -> tuple[str, list[Any]]:
    """The one pass of the figures as known at the end of 9 April 2021, for the Kamerbrief
    period (the statement `as_of.figures_as_of` runs)."""
    from django.http import QueryDict

    from cases.dashboard import as_of
    from cases.filters import CaseFilter
    from cases.models import Case
    from cases.selectors import countable

    query = {key: q for key, q, _c in FILTERS}["kamerbrief"]
    qs = countable(CaseFilter(QueryDict(query), queryset=Case.objects.all()).qs)
    return as_of.one_pass_sql(qs, as_of.end_of_day(dt.date(2021, 4, 9)))


def explain(today: dt.date) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the one pass for the period 2021 and for all time (as
    any filter besides the period runs it), of the day-count reads for all time, and of the
    first page of "Alle meldingen" for 2021."""
    from django.db import connection, transaction
    from django.http import QueryDict

    from cases.dashboard import day_counts, figures
    from cases.filters import CaseFilter
    from cases.models import Case
    from cases.selectors import countable

    statements = []
    for label, query in (("one pass, period 2021", FILTERS[0][1]), ("one pass, all time", "")):
        qs = countable(CaseFilter(QueryDict(query), queryset=Case.objects.all()).qs)
        statements.append((label, *figures._one_pass_sql(qs, today)))
    statements.append(("day counts, all time", *day_counts._day_counts_sql(None, None)))
    statements.append(("as known on 9 April 2021, Kamerbrief period", *_as_of_sql()))
    from cases.selectors import list_rows

    listed = CaseFilter(QueryDict(LISTS[1][1]), queryset=Case.objects.all()).qs
    rows = list_rows(listed, "-received")[:50].query.sql_with_params()
    statements.append(("the list's first 50 rows, period 2021", rows[0], list(rows[1])))
    for label, sql, params in statements:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{figures.WORK_MEM}'")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n--- EXPLAIN (ANALYZE, BUFFERS): {label}\n{plan}\n")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="--json FILE writes" + __doc__.split("--json FILE writes")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="150000,1000000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--load-size", type=int, default=150000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=10.0)
    parser.add_argument("--load-seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--known-on-sizes",
        default="150000",
        help="sizes at which to time the figures as known on a reference date (KNOWN_ON)",
    )
    parser.add_argument("--no-load", action="store_true", help="skip the load phase")
    parser.add_argument("--no-check", action="store_true", help="skip the reference check")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument("--json", default="", help="write the results to this file")
    parser.add_argument(
        "--database",
        default=DB,
        help=f"name of the throwaway database, made and dropped here (default {DB}; give "
        "another when someone else may run this benchmark on the same server)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    known_on_sizes = {int(s) for s in args.known_on_sizes.split(",") if s}
    report: dict[str, Any] = {
        "loadavg_before": loadavg(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "database")},
        "sizes": {},
    }
    # Production settings for the in-process timings and for gunicorn alike.
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "STATIC_MANIFEST": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    with throwaway_database(args.database):
        from dashboard_data import generate
        from dashboard_load import run_load, second_factor
        from django.contrib.auth.models import Group, User
        from django.db import connections
        from django.test import Client
        from django.utils import timezone
        from django_otp import DEVICE_ID_SESSION_KEY

        today = timezone.localdate()
        inspectors = []
        for n in range(60):
            user = User.objects.create_user(
                f"bench-inspecteur{n}", first_name=f"Inspecteur {n}", last_name="Bench"
            )
            user.groups.add(Group.objects.get(name="Inspecteur"))
            inspectors.append(user.pk)
        leader = User.objects.create_user("bench-teamleider", first_name="Team", last_name="Leider")
        leader.groups.add(Group.objects.get(name="Teamleider"))
        leader = User.objects.get(pk=leader.pk)
        client = Client()
        client.force_login(leader)
        # Signed in with the second factor, as production asks of a team leader.
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = second_factor(leader)
        session.save()
        for size in sizes:
            start = time.perf_counter()
            generate(size, seed=args.seed, today=today, inspectors=inspectors)
            generated = round(time.perf_counter() - start, 1)
            print(f"# {size:,} meldingen generated in {generated} s; load {loadavg()}")
            result: dict[str, Any] = {"rows": size, "generate_s": generated}
            result["filters"] = time_filters(client, leader, today, args.repeat, not args.no_check)
            if size in known_on_sizes:
                print("  as known on a reference date, with / without known_on:")
                result["known_on"] = time_known_on(
                    client, leader, today, args.repeat, not args.no_check
                )
            result["list"] = time_lists(client, leader, args.repeat)
            filters = result["filters"].values()
            result["worst_page_ms"] = max(f["page_ms"] for f in filters)
            result["worst_page_ratio"] = max(f["page_ratio"] for f in filters if f["covered"])
            print(
                f"  worst page {result['worst_page_ms']} ms; worst page/floor of the filters "
                f"the goal covers {result['worst_page_ratio']}"
            )
            if args.explain:
                explain(today)
            if size == args.load_size and not args.no_load:
                connections.close_all()
                load = run_load(
                    users=args.users,
                    think=args.think,
                    seconds=args.load_seconds,
                    seed=args.seed,
                    workers=args.workers,
                    threads=args.threads,
                    pages=[(k, f"/dashboard/?{q}", "dashboard") for k, q, _c in FILTERS]
                    + [(k, f"/meldingen/?{q}", "list") for k, q in LISTS],
                )
                result.update(load)
            report["sizes"][str(size)] = result
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MB")
    report["loadavg_after"] = loadavg()
    print(f"load average before {report['loadavg_before']}, after {report['loadavg_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
