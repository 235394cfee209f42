"""Background jobs (django-tasks, database backend: the worker is `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from cases.services.retention import anonymise_expired


@task()
def anonymise_expired_task() -> int:
    """The daily retention run (cases.services.retention); returns how many cases it
    anonymised. Enqueued by `manage.py anonymise_expired --enqueue` (README, "Retention")."""
    return len(anonymise_expired().cases)


@task()
def regenerate_letters_task(batch_id: int, chunk: int) -> int:
    """One chunk of a bulk regeneration job (cases.services.batches); returns how many new
    letter versions it made. Idempotent per item: run again, it skips what is done."""
    from cases.services.batches import regeneration_run_chunk

    return regeneration_run_chunk(batch_id, chunk)
