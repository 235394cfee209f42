from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cases import rollups

SHOWN = 20  # differences listed per kind; the rest are counted


class Command(BaseCommand):
    help = (
        "Recompute the cases' precomputed columns (local day, codes, sector, topic mask, "
        "not recognised) and the counts per day, and report every difference with what is "
        "stored. Exits with an error when something drifted; --repair writes the right "
        "values instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="write the right values")
        parser.add_argument("--database", default="default", help="database alias (default)")

    def handle(self, *args: Any, repair: bool, database: str, **options: Any) -> None:
        if repair:
            with transaction.atomic(using=database):
                wrong_columns, wrong_counts = rollups.repair(database)
            self.stdout.write(
                f"Repaired {wrong_columns} precomputed column(s) and {wrong_counts} count(s) "
                "per day."
            )
            return
        columns = [drift for _case, drift in rollups.column_drift(database)]
        counts = rollups.day_count_drift(database)
        for title, drifts in (("precomputed columns", columns), ("counts per day", counts)):
            for drift in drifts[:SHOWN]:
                self.stdout.write(f"{title}: {drift}")
            if len(drifts) > SHOWN:
                self.stdout.write(f"{title}: ... and {len(drifts) - SHOWN} more")
        if columns or counts:
            raise CommandError(
                f"{len(columns)} precomputed column(s) and {len(counts)} count(s) per day "
                "differ from a recount; run with --repair to correct them."
            )
        self.stdout.write(self.style.SUCCESS("Precomputed columns and counts per day agree."))
