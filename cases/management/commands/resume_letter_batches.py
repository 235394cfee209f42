from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.services.batches import pending_chunks, regeneration_resume, unfinished_regenerations


class Command(BaseCommand):
    help = (
        "Put the unfinished letters of every bulk regeneration job in the task queue again "
        "(after a worker stopped halfway). Letters already made are never made again. Run it "
        "before starting the workers (manage.py db_worker)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = unfinished_regenerations()
        for job in jobs:
            left = len(pending_chunks(job))
            enqueued = regeneration_resume(batch=job)
            self.stdout.write(
                f"Job {job.pk}: {left} chunk(s) with letters to do, {enqueued} enqueued again."
            )
        if not jobs:
            self.stdout.write("No unfinished regeneration jobs.")
