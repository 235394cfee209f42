"""Shared set-up of the PostgreSQL benchmarks: a throwaway database, made and dropped here.

PGHOST/PGPORT/PGUSER select the server (default 127.0.0.1:5432, user postgres).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _server() -> dict[str, str]:
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "postgres"),
    }


def admin_connection() -> Any:
    import psycopg

    return psycopg.connect(**_server(), dbname="postgres", autocommit=True)


@contextmanager
def throwaway_database(name: str) -> Iterator[None]:
    """Create database `name`, point Django at it (migrated), and drop it afterwards."""
    with admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    server = _server()
    os.environ["DATABASE_URL"] = (
        f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}"
    )
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspectie.settings")
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with admin_connection() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
