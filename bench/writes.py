"""The cost of keeping the figures' columns, indexes and day counts on every write.

    .venv/bin/python bench/writes.py [--cases 200] [--rounds 4] [--prefill 20000]
    (PGHOST/PGPORT/PGUSER select the server; default 127.0.0.1:5432, user postgres)

On PostgreSQL, in a throwaway database with --prefill meldingen (bench/dashboard_data.py),
times through the services, each in its own transaction as in a request: intake, take,
take into investigation and close, for --cases new meldingen per round. Rounds alternate:

- with: the application as it is (precomputed columns derived and stored, the three
  indexes of the figures, the day counts upserted, the employer row locked at intake);
- without: the columns no longer required, those indexes dropped, and the derivation, the
  day counts and the employer lock switched off: what a write cost before.

Prints the median and p95 latency per operation and mode, and the difference of the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from typing import Any

from throwaway_pg import throwaway_database

DB = "bench_writes"
INDEXES = ("case_figures_idx", "case_not_recognised_idx", "case_deadline_idx")
COLUMNS = ("local_day", "state_code", "outcome_code", "channel_code", "topic_mask")


def switch(mode: str, saved: dict[str, Any]) -> None:
    """Put the database and the services in `mode` ("with" or "without")."""
    from django.db import connection

    from cases import rollups
    from cases.models import Case, Employer
    from cases.services import intake

    if mode == "without":
        with connection.cursor() as cursor:
            for column in COLUMNS:
                cursor.execute(f"ALTER TABLE cases_case ALTER COLUMN {column} DROP NOT NULL")
            for name in INDEXES:
                cursor.execute(f"DROP INDEX {name}")
        rollups.derive = lambda *args, **kwargs: None  # type: ignore[assignment]
        rollups.count_change = lambda *args, **kwargs: None  # type: ignore[assignment]
        intake.employer_for_case = lambda pk: Employer(pk=pk)  # type: ignore[assignment]
        return
    rollups.derive = saved["derive"]
    rollups.count_change = saved["count_change"]
    intake.employer_for_case = saved["employer_for_case"]
    if saved.get("dropped"):
        # Fill what the "without" rounds left empty, then restore the constraints and indexes.
        for case in Case.objects.filter(local_day__isnull=True).select_related("employer"):
            rollups.derive(case)
            case.save(update_fields=list(rollups.PRECOMPUTED))
        with connection.cursor() as cursor:
            for column in COLUMNS:
                cursor.execute(f"ALTER TABLE cases_case ALTER COLUMN {column} SET NOT NULL")
        with connection.schema_editor() as editor:
            for index in Case._meta.indexes:
                if index.name in INDEXES:
                    editor.add_index(Case, index)


def one_round(n: int, actors: dict[str, Any], employers: list[Any]) -> dict[str, list[float]]:
    from django.utils import timezone

    from cases import services
    from cases.models import Case, Outcome

    times: dict[str, list[float]] = {"intake": [], "take": [], "investigate": [], "close": []}
    inspector = actors["inspector"]
    for i in range(n):
        start = time.perf_counter()
        case = services.case_intake(
            actor=inspector,
            received_at=timezone.now() - dt.timedelta(hours=1 + i % 48),
            channel="webformulier",
            topic_codes=["niet_mogen_thuiswerken"] if i % 4 else ["werkdruk", "overig"],
            description="Schrijfkosten",
            employer=employers[i % len(employers)],
        )
        times["intake"].append(time.perf_counter() - start)
        steps = [
            ("take", lambda c: services.case_take(case=c, actor=inspector, version=c.version)),
            (
                "investigate",
                lambda c: services.case_take_into_investigation(
                    case=c, actor=inspector, version=c.version
                ),
            ),
            (
                "close",
                lambda c: services.case_close(
                    case=c,
                    actor=inspector,
                    version=c.version,
                    outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
                ),
            ),
        ]
        for name, step in steps:
            case = Case.objects.get(pk=case.pk)
            start = time.perf_counter()
            step(case)
            times[name].append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--prefill", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    with throwaway_database(DB):
        from dashboard_data import generate
        from django.contrib.auth.models import Group, User
        from django.utils import timezone

        from cases import rollups
        from cases.models import Employer
        from cases.services import intake

        inspector = User.objects.create_user("bench-schrijver", first_name="Schrijver")
        inspector.groups.add(Group.objects.get(name="Inspecteur"))
        inspector = User.objects.get(pk=inspector.pk)
        generate(
            args.prefill, seed=args.seed, today=timezone.localdate(), inspectors=[inspector.pk]
        )
        employers = list(Employer.objects.order_by("pk")[:50])
        saved = {
            "derive": rollups.derive,
            "count_change": rollups.count_change,
            "employer_for_case": intake.employer_for_case,
        }
        results: dict[str, dict[str, list[float]]] = {"with": {}, "without": {}}
        one_round(20, {"inspector": inspector}, employers)  # warm up
        for number in range(args.rounds):
            mode = "with" if number % 2 == 0 else "without"
            switch(mode, saved)
            saved["dropped"] = mode == "without"
            for name, times in one_round(args.cases, {"inspector": inspector}, employers).items():
                results[mode].setdefault(name, []).extend(times)
            print(f"# round {number + 1}: {mode}")
        switch("with", saved)
    print(f"{'operation':12} {'mode':8} {'median ms':>10} {'p95 ms':>8} {'n':>5}")
    for name in ("intake", "take", "investigate", "close"):
        medians = {}
        for mode in ("with", "without"):
            times = sorted(results[mode][name])
            medians[mode] = statistics.median(times) * 1000
            p95 = times[int(0.95 * (len(times) - 1))] * 1000
            print(f"{name:12} {mode:8} {medians[mode]:10.2f} {p95:8.2f} {len(times):5d}")
        print(f"{name:12} {'cost':8} {medians['with'] - medians['without']:+10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
