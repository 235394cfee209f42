from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cases.services.retention import anonymise_expired


class Command(BaseCommand):
    help = (
        "Anonymise the melder data, description and call notes of cases closed longer than "
        "RETENTION_YEARS ago (one Event per case; cases and counts stay). Run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list the cases it would anonymise."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Do not run now: enqueue the job for the task worker (manage.py db_worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from cases.tasks import anonymise_expired_task

            result = anonymise_expired_task.enqueue()
            self.stdout.write(f"Enqueued the retention job ({result.id}).")
            return
        run = anonymise_expired(dry_run=options["dry_run"])
        cutoff = timezone.localtime(run.cutoff).strftime("%Y-%m-%d %H:%M")
        verb = "Would anonymise" if run.dry_run else "Anonymised"
        for item in run.cases:
            parts = ["description"]
            if item.melder:
                parts.append("melder data")
            if item.call_notes:
                parts.append(f"notes of {item.call_notes} call(s)")
            closed = (
                timezone.localtime(item.closed_at).strftime("%Y-%m-%d") if item.closed_at else "?"
            )
            self.stdout.write(f"{item.reference} (closed {closed}): {', '.join(parts)}")
        self.stdout.write(f"{verb} {len(run.cases)} case(s) closed before {cutoff}.")
