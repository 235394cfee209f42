from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases import rollups


class Command(BaseCommand):
    help = (
        "Recount the counts per day that the dashboard reads (cases.models.rollups) from the "
        "cases' precomputed columns, in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="database alias (default)")

    def handle(self, *args: Any, database: str, **options: Any) -> None:
        with transaction.atomic(using=database):
            rollups.rebuild(database)
        self.stdout.write(self.style.SUCCESS("The counts per day have been recounted."))
