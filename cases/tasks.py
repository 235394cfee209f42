"""Background jobs (django-tasks, database backend: the worker is `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from cases.services.retention import anonymise_expired


@task()
def anonymise_expired_task() -> int:
    """The daily retention run (cases.services.retention); returns how many cases it
    anonymised. Enqueued by `manage.py anonymise_expired --enqueue` (README, "Retention")."""
    return len(anonymise_expired().cases)
