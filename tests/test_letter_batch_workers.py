"""Bulk regeneration with real `manage.py db_worker` processes on PostgreSQL: two workers
are killed (SIGKILL) halfway through a job, `manage.py resume_letter_batches` and new
workers finish it, and every letter has exactly one new version."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.http import QueryDict
from django_tasks_db.models import DBTaskResult

from cases.models import Letter, LetterBatchItem, State
from cases.services import batches
from tests.helpers import case_in_state

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

ROOT = Path(__file__).resolve().parent.parent
LETTERS = 30
TIMEOUT = 600.0


def _worker_environment() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}"
        f"/{db['NAME']}",
        DOCUMENT_ROOT=str(settings.DOCUMENT_ROOT),
        DEBUG="true",
        LOG_LEVEL="WARNING",
    )
    return env


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "db_worker",
        "--batch",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.2",
        "--max-tasks",
        "2",
        "--verbosity",
        "0",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603 - our own command


def _done(job: Any) -> int:
    return LetterBatchItem.objects.filter(batch=job, done_at__isnull=False).count()


def _run_workers(env: dict[str, str], job: Any, *, kill_at: int | None = None) -> int:
    """Two workers (recycled after two tasks) until the job is done; with `kill_at`, both
    are killed with SIGKILL once that many letters are done. Returns how many were done."""
    workers: list[subprocess.Popen[bytes]] = []
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            workers = [w for w in workers if w.poll() is None]
            done = _done(job)
            if kill_at is not None and done >= kill_at:
                for worker in workers:
                    worker.send_signal(signal.SIGKILL)
                    worker.wait()
                return _done(job)
            if done == LETTERS and not workers:
                return done
            while len(workers) < min(2, DBTaskResult.objects.ready().count()):
                workers.append(_start_worker(env))
            time.sleep(0.2)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    pytest.fail(f"the job did not finish within {TIMEOUT} s ({_done(job)} of {LETTERS})")


def test_workers_killed_halfway_resume_without_losing_or_doubling_a_letter(
    inspector: Any, supervisor: Any
) -> None:
    cases = [case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector) for _ in range(LETTERS)]
    job = batches.regeneration_create(
        actor=supervisor, params=QueryDict(""), reason="Typefout", chunk_size=5
    )
    assert DBTaskResult.objects.ready().count() == LETTERS // 5
    env = _worker_environment()

    killed_at = _run_workers(env, job, kill_at=LETTERS // 3)
    assert LETTERS // 3 <= killed_at < LETTERS
    # The killed workers' tasks are left running: without resuming, nobody finishes them.
    assert DBTaskResult.objects.filter(status="RUNNING").exists()

    call_command("resume_letter_batches", stdout=io.StringIO())
    assert _run_workers(env, job) == LETTERS

    new = Letter.objects.filter(case__in=cases, reason="Typefout")
    assert new.count() == LETTERS
    assert not new.values("case").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert set(new.values_list("number", flat=True)) == {2}
    assert not job.items.filter(new_letter__isnull=True).exists()
    assert not job.items.exclude(error="").exists()
    assert type(job).objects.get(pk=job.pk).finished_at is not None
