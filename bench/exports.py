"""B6 (QUALITY.md): CSV and XLSX exports of a case list at 100k and 1M meldingen, streamed.

Runs on PostgreSQL in a throwaway database it creates and drops itself:

    .venv/bin/python bench/exports.py [--sizes 100000,1000000] [--formats csv,xlsx]
    (PGHOST/PGPORT/PGUSER select the server; default 127.0.0.1:5432, user postgres)

For each size it generates the dashboard benchmark's data (bench/dashboard_data.py: seeded,
generated inside PostgreSQL, ten years up to today), then runs each measurement in a fresh
child process, so that each peak RSS (`ru_maxrss`) belongs to one export alone:

- app: a signed-in team leader's export of "Alle meldingen" (no filter: every melding)
  through the whole request (Django's test client: middleware, view, Event, the streamed
  body read chunk by chunk and thrown away), timed to the last byte;
- reference: the same columns (the same joins and subqueries, the same order) dumped by
  PostgreSQL itself with `COPY (SELECT ...) TO STDOUT` as CSV, read through psycopg: what
  getting the rows out of the database costs without Python.

It prints, per size and format: rows, size of the file, seconds, the ratio to the
reference of the same run, the child's RSS after start-up and its peak RSS. The goal
(QUALITY.md): peak RSS flat, 1M within 20% of 100k.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from throwaway_pg import throwaway_database

DB = "bench_exports"
HERE = Path(__file__).resolve().parent

REFERENCE_SQL = """
COPY (
SELECT c.reference, c.received_at AT TIME ZONE 'Europe/Amsterdam', c.channel_code,
    c.topic_mask, c.state_code, c.outcome_code, c.sector_code, e.name, e.kvk_number,
    c.assignee_id, (c.investigated_at AT TIME ZONE 'Europe/Amsterdam')::date, c.triage_due,
    c.call_due, c.agreement_due,
    (SELECT count(*) FROM cases_call k WHERE k.case_id = c.id),
    (SELECT count(*) FROM cases_agreement a WHERE a.case_id = c.id),
    (SELECT max(l.sent_at) FROM cases_letter l WHERE l.case_id = c.id AND l.sent_at IS NOT NULL)
FROM cases_case c JOIN cases_employer e ON e.id = c.employer_id
ORDER BY c.local_day DESC, c.received_at DESC, c.id DESC
) TO STDOUT WITH (FORMAT csv, DELIMITER ';', HEADER)
"""


def rss_now_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_app(fmt: str) -> dict[str, Any]:
    """One export through the whole request, in this (fresh) process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspectie.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(User.objects.get(username="bench-teamleider"))
    url = reverse("case_export", kwargs={"scope": "alle", "fmt": fmt})
    client.get(f"{url}?q=nothing-matches-this")  # warm up: imports, templates, the user
    before = rss_now_mb()
    start = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"export {fmt}: {response.status_code}")
    size = lines = 0
    first = None
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - start
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    from cases.models import Event, EventKind

    rows = Event.objects.filter(kind=EventKind.EXPORT).latest("pk").data["rows"]
    return {
        "seconds": seconds,
        "first_byte": first,
        "bytes": size,
        "rows": rows,
        "lines": lines if fmt == "csv" else None,
        "rss_before": before,
        "peak": peak_mb(),
    }


def child_reference() -> dict[str, Any]:
    import psycopg

    before = rss_now_mb()
    start = time.perf_counter()
    size = lines = 0
    with (
        psycopg.connect(os.environ["DATABASE_URL"]) as conn,
        conn.cursor() as cursor,
        cursor.copy(REFERENCE_SQL) as copy,
    ):
        for data in copy:
            size += len(data)
            lines += bytes(data).count(b"\n")
    return {
        "seconds": time.perf_counter() - start,
        "bytes": size,
        "rows": lines - 1,
        "rss_before": before,
        "peak": peak_mb(),
    }


def run_child(*args: str) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - this script, with our own arguments
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(
    size: int,
    what: str,
    result: dict[str, Any],
    reference: dict[str, Any],
    results: list[dict[str, Any]],
) -> None:
    """Print one measurement as soon as it is made (a long run shows its progress)."""
    ratio = result["seconds"] / reference["seconds"]
    first = result.get("first_byte")
    print(
        f"{size:9,} {what:10} {result['rows']:9,} {result['bytes'] / 1e6:7.1f} "
        f"{result['seconds']:7.1f} {first if first is not None else 0:7.1f} "
        f"{ratio:6.2f} {result['rss_before']:8.0f}M {result['peak']:8.0f}M",
        flush=True,
    )
    results.append({"size": size, "what": what, **result, "ratio": ratio})


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--seed", type=int, default=1172)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        sys.path.insert(0, str(HERE.parent))
        kind = args.child[0]
        result = child_app(args.child[1]) if kind == "app" else child_reference()
        print(json.dumps(result))
        return 0

    sizes = [int(size) for size in args.sizes.split(",")]
    formats = args.formats.split(",")
    results: list[dict[str, Any]] = []
    print(f"load average at the start: {loadavg()}")
    with throwaway_database(DB):
        from dashboard_data import generate
        from django.contrib.auth.models import Group, User
        from django.db import connection
        from django.utils import timezone

        leader = User.objects.create_user("bench-teamleider")
        leader.groups.add(Group.objects.get(name="Teamleider"))
        inspector = User.objects.create_user("bench-inspecteur", first_name="Bench")
        inspector.groups.add(Group.objects.get(name="Inspecteur"))
        header = (
            f"{'size':>9} {'what':10} {'rows':>9} {'MB':>7} {'s':>7} {'first s':>7} "
            f"{'ratio':>6} {'RSS start':>9} {'RSS peak':>9}"
        )
        for size in sizes:
            start = time.perf_counter()
            generate(size, seed=args.seed, today=timezone.localdate(), inspectors=[inspector.pk])
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            print(f"\ngenerated {size:,} meldingen in {time.perf_counter() - start:.1f} s")
            connection.close()
            print(header)
            reference = run_child("reference")
            if reference["rows"] != size:
                raise SystemExit(f"reference: {reference['rows']} rows, not {size}")
            show(size, "reference", reference, reference, results)
            for fmt in formats:
                result = run_child("app", fmt)
                if result["rows"] != size or (fmt == "csv" and result["lines"] != size + 1):
                    raise SystemExit(f"{fmt}: {result['rows']} rows / {result['lines']} lines")
                show(size, fmt, result, reference, results)
    for fmt in formats:
        peaks = [r["peak"] for r in results if r["what"] == fmt]
        if len(peaks) > 1:
            print(f"{fmt}: peak RSS at the largest size / the smallest: {peaks[-1] / peaks[0]:.2f}")
    print(f"load average at the end: {loadavg()}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
