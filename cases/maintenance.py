"""Emptying the Event table, for the few that may: test database flushes, `manage.py demo`
(DEBUG only) and the benchmarks' throwaway databases.

On PostgreSQL, triggers refuse every UPDATE, DELETE and TRUNCATE of `cases_event`
(migrations 0002 and 0010). DELETE and TRUNCATE pass only in a database session that has set
the flag `app.allow_event_purge` to 'on'. The application's own code (views, services,
commands that run in production) never sets it, and the production role has no DELETE or
TRUNCATE grant on the table anyway (README, "Production database").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

PURGE_FLAG = "app.allow_event_purge"


@contextmanager
def allow_event_purge(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within this block, this database session may delete Events (PostgreSQL; elsewhere
    nothing to do). The flag is reset afterwards."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET {PURGE_FLAG} = 'on'")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"RESET {PURGE_FLAG}")
