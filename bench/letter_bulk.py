"""B3 letters in bulk: run through `bench/letter.py --bulk` (its docstring says what it does).

Everything runs against a temporary SQLite database and document folder (the same
environment for this process and for the `manage.py db_worker` processes it starts).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Cases of the small job are received on this day; the others on the days before it.
SMALL_DAY = dt.date(2021, 3, 1)
# The person spoken to (and the employer's contact): "mevrouw P. van der Berg".
PERSON = {
    "contact_form_of_address": "mevrouw",
    "contact_title": "",
    "contact_initials": "P.",
    "contact_tussenvoegsel": "van der",
    "contact_surname": "Berg",
}


def _environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="inspectie.settings",
        DEBUG="true",
        LOG_LEVEL="WARNING",
        SQLITE_PATH=str(workdir / "bench.sqlite3"),
        DOCUMENT_ROOT=str(workdir / "documents"),
    )
    env.pop("DATABASE_URL", None)
    return env


def _setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _make_letters(count: int, small: int) -> tuple[Any, float]:
    """`count` cases with an issued, unsent letter, all through the services; the first
    `small` received on SMALL_DAY. Returns the team leader and the seconds it took."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from cases import documents, letters, services
    from cases.models import Case, Criterion, Employer, EmployerResponse, InspectorProfile, Role

    start = time.perf_counter()
    first_pdf: str | None = None
    inspector = User.objects.create_user(
        "bench-inspecteur", "a.jansen@inspectie.example", first_name="Anna", last_name="Jansen"
    )
    inspector.groups.add(Group.objects.get(name=Role.INSPECTEUR))
    InspectorProfile.objects.create(
        user=inspector, function_title="Inspecteur", phone="0703334444", team="Team Thuiswerken"
    )
    supervisor = User.objects.create_user(
        "bench-teamleider", "t.leider@inspectie.example", first_name="Anouk", last_name="Verbeek"
    )
    supervisor.groups.add(Group.objects.get(name=Role.TEAMLEIDER))
    inspector = User.objects.get(pk=inspector.pk)
    supervisor = User.objects.get(pk=supervisor.pk)
    for i in range(count):
        day = SMALL_DAY if i < small else SMALL_DAY - dt.timedelta(days=1 + i % 30)
        employer = Employer.objects.create(
            name=f"Bakkerij De Korenschoof {i} B.V.",
            kvk_number=f"{10000000 + i}",
            visit_street="Stationsweg",
            visit_number=str(1 + i % 200),
            visit_postcode="3511 AB",
            visit_city="Utrecht",
            **PERSON,
        )
        received = timezone.make_aware(dt.datetime.combine(day, dt.time(10, i % 60)))
        case = services.case_intake(
            actor=inspector,
            received_at=received,
            channel="webformulier",
            topic_codes=["niet_mogen_thuiswerken"],
            description="Benchmark melding.",
            employer=employer,
        )
        case = services.case_take(case=case, actor=inspector, version=case.version)
        case = services.case_take_into_investigation(
            case=case, actor=inspector, version=case.version
        )
        services.case_record_call(
            case=case,
            actor=inspector,
            version=case.version,
            called_at=timezone.now() - dt.timedelta(hours=2),
            contact=PERSON,
            criteria=[Criterion.ESSENTIAL_PRESENCE],
            employer_response=EmployerResponse.GEDEELTELIJK,
        )
        case = Case.objects.get(pk=case.pk)
        services.agreement_add(
            case=case,
            actor=inspector,
            version=case.version,
            description="Medewerkers van de administratie werken vanaf volgende week thuis.",
            due_date=timezone.localdate() + dt.timedelta(days=14 + i % 14),
        )
        case = Case.objects.get(pk=case.pk)
        if first_pdf is None:
            services.issue_confirmation_letter(case=case, actor=inspector, version=case.version)
            first_pdf = case.letters.get().sha256
        else:
            # Issued through the same service, with the first case's rendered bytes: set-up
            # would otherwise take as long as a regeneration run. The regenerations below
            # render every case's own letter.
            services.case_confirm_agreements(
                case=case,
                actor=inspector,
                version=case.version,
                letter_pdf=documents.read(first_pdf),
                template_version=letters.TEMPLATE_VERSION,
            )
    return supervisor, time.perf_counter() - start


@dataclass
class Run:
    label: str
    letters: int
    workers: int
    seconds: float = 0.0
    peak_rss_mib: list[float] = field(default_factory=list)  # per worker process
    processes: int = 0
    killed: int = 0


def _worker_command(max_tasks: int) -> list[str]:
    return [
        PYTHON,
        str(ROOT / "manage.py"),
        "db_worker",
        "--batch",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.2",
        "--max-tasks",
        str(max_tasks),
        "--verbosity",
        "0",
    ]


def _ready_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count()


def _pending(batch_id: int) -> int:
    from cases.models import LetterBatchItem

    return LetterBatchItem.objects.filter(batch_id=batch_id, done_at__isnull=True).count()


def _work_off(
    batch_id: int,
    run: Run,
    env: dict[str, str],
    max_tasks: int,
    *,
    kill_when_done: int | None = None,
) -> None:
    """Keep `run.workers` db_worker processes going (each recycles after `max_tasks` tasks)
    until the job has no undone items; with `kill_when_done`, SIGKILL them all once that
    many items are done, and return."""
    total = None
    running: list[subprocess.Popen[bytes]] = []
    start = time.perf_counter()
    while True:
        for proc in list(running):
            if proc.poll() is None:
                continue
            running.remove(proc)
        pending = _pending(batch_id)
        if total is None:
            total = pending
        if kill_when_done is not None and total - pending >= kill_when_done:
            for proc in running:
                proc.send_signal(signal.SIGKILL)
            for proc in running:
                proc.wait()
            run.killed = len(running)
            break
        if pending == 0 and not running:
            break
        if not running and not _ready_tasks():
            print(f"  (job {batch_id}: {pending} letters left but no task waits; stopping)")
            break
        # A worker only when a task waits for one (a --batch worker exits on an empty queue).
        while pending and len(running) < min(run.workers, _ready_tasks()):
            running.append(subprocess.Popen(_worker_command(max_tasks), env=env, cwd=ROOT))  # noqa: S603
            run.processes += 1
        time.sleep(0.1)
    run.seconds = time.perf_counter() - start


def _work_off_measured(
    batch_id: int, run: Run, env: dict[str, str], max_tasks: int, **kwargs: Any
) -> None:
    """`_work_off`, reaping each worker with wait4 to read its own peak RSS."""
    original = subprocess.Popen.poll

    def poll(self: subprocess.Popen[bytes]) -> int | None:
        if self.returncode is not None:
            return self.returncode
        pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        if pid == 0:
            return None
        self.returncode = os.waitstatus_to_exitcode(status)
        run.peak_rss_mib.append(usage.ru_maxrss / 1024)
        return self.returncode

    subprocess.Popen.poll = poll  # type: ignore[method-assign]
    try:
        _work_off(batch_id, run, env, max_tasks, **kwargs)
    finally:
        subprocess.Popen.poll = original  # type: ignore[method-assign]


def _job(supervisor: Any, reason: str, query: str = "") -> Any:
    from django.http import QueryDict

    from cases.services import batches

    return batches.regeneration_create(actor=supervisor, params=QueryDict(query), reason=reason)


def _check_job(batch_id: int, expected: int) -> str:
    from django.db.models import Count

    from cases.models import Letter, LetterBatchItem

    items = LetterBatchItem.objects.filter(batch_id=batch_id)
    made = Letter.objects.filter(pk__in=items.values("new_letter_id")).count()
    failed = items.exclude(error="").count()
    doubled = (
        Letter.objects.filter(case__in=items.values("case_id"), reason=items[0].batch.reason)
        .values("case_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    ok = made == expected and not failed and not doubled
    return f"{made} new versions (expected {expected}), {failed} failed, {doubled} doubled" + (
        "" if ok else "  <-- WRONG"
    )


def _join_in_subprocess(batch_id: int, env: dict[str, str]) -> dict[str, Any]:
    code = f"""
import json, os, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
import django
django.setup()
from django.contrib.auth.models import User
from cases import documents
from cases.models import LetterBatchItem
from cases.pdf_join import page_count
from cases.services import batches
supervisor = User.objects.get(username="bench-teamleider")
items = list(LetterBatchItem.objects.filter(batch_id={batch_id}).select_related("letter"))
import subprocess, tempfile
paths = [str(documents.path_for(i.letter.sha256)) for i in items]
pages = [page_count(documents.read(i.letter.sha256)) for i in items]
with tempfile.TemporaryDirectory() as tmp:
    start = time.perf_counter()
    subprocess.run(["pdfunite", *paths, tmp + "/all.pdf"], check=True)
    read_s = time.perf_counter() - start
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
joined = batches.print_batch_pdf(batch={batch_id}, actor=supervisor)
join_s = time.perf_counter() - start
blanks = sum(1 for n in pages[:-1] if n % 2)
print(json.dumps({{
    "letters": len(items), "read_s": read_s, "join_s": join_s, "pages": joined.pages,
    "expected_pages": sum(pages) + blanks, "blank_pages": joined.blank_pages,
    "size_mib": len(joined.content) / 2**20, "rss_before_mib": rss_before,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}}))
"""
    out = subprocess.run(  # noqa: S603 - our own code
        [PYTHON, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_bulk(*, letters: int, small: int, max_tasks: int) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    workdir = Path(tempfile.mkdtemp(prefix="bench-letter-bulk-"))
    try:
        env = _environment(workdir)
        _setup(env)
        from django.http import QueryDict

        from cases.services import batches

        supervisor, made_s = _make_letters(letters, small)
        print(
            f"B3 bulk: {letters} issued, unsent letters made through the services in {made_s:.0f} s"
        )
        print(
            f"  workers: manage.py db_worker --batch --max-tasks {max_tasks}, chunks of "
            f"{batches.CHUNK_SIZE} letters (a worker recycles after"
            f" {max_tasks * batches.CHUNK_SIZE} letters)"
        )
        runs: list[Run] = []
        small_query = f"received_after={SMALL_DAY}&received_before={SMALL_DAY}"
        for label, count, workers, query in (
            (f"{small} letters, 2 workers", small, 2, small_query),
            (f"{letters} letters, 1 worker", letters, 1, ""),
            (f"{letters} letters, 2 workers", letters, 2, ""),
        ):
            job = _job(supervisor, f"Bench: {label}", query)
            run = Run(label, count, workers)
            _work_off_measured(job.pk, run, env, max_tasks)
            runs.append(run)
            print(
                f"  {label}: {run.seconds:.1f} s ({run.seconds / count * 1000:.0f} ms a letter),"
                f" {run.processes} worker processes, peak RSS per worker max"
                f" {max(run.peak_rss_mib):.0f} MiB; {_check_job(job.pk, count)}"
            )
        one, two = runs[1], runs[2]
        print(
            f"  ratio 1 worker / 2 workers (wall time): {one.seconds / two.seconds:.2f}"
            " (2.0 = both cores fully used)"
        )
        peak_small, peak_full = max(runs[0].peak_rss_mib), max(runs[2].peak_rss_mib)
        print(
            f"  peak RSS {letters} / {small} letters (2 workers): {peak_full:.0f} / "
            f"{peak_small:.0f} MiB = {peak_full / peak_small:.2f} (goal <= 1.20)"
        )

        # Killed halfway, then resumed.
        job = _job(supervisor, "Bench: killed halfway")
        run = Run("killed", letters, 2)
        _work_off_measured(job.pk, run, env, max_tasks, kill_when_done=letters // 2)
        done_at_kill = letters - _pending(job.pk)
        resume = subprocess.run(  # noqa: S603 - our own command
            [PYTHON, str(ROOT / "manage.py"), "resume_letter_batches"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        after = Run("resumed", letters, 2)
        _work_off_measured(job.pk, after, env, max_tasks)
        print(
            f"  killed halfway: SIGKILL to {run.killed} workers with {done_at_kill} of {letters}"
            f" done; resume: {resume.stdout.strip()}"
        )
        print(f"  after restart: {_check_job(job.pk, letters)}")

        # The print batch of every letter (their current versions).
        batch = batches.print_batch_create(actor=supervisor, params=QueryDict(""))
        joined = _join_in_subprocess(batch.pk, env)
        print(
            f"  print batch of {joined['letters']} letters: joined in {joined['join_s']:.2f} s"
            f" (reference, poppler's pdfunite on the same files without blank pages:"
            f" {joined['read_s']:.2f} s; ratio"
            f" {joined['join_s'] / joined['read_s']:.1f}); {joined['pages']} pages"
            f" ({joined['blank_pages']} blank; expected {joined['expected_pages']}"
            f"{'' if joined['pages'] == joined['expected_pages'] else '  <-- WRONG'}),"
            f" {joined['size_mib']:.1f} MiB; peak RSS {joined['peak_rss_mib']:.0f} MiB"
            f" ({joined['rss_before_mib']:.0f} MiB before joining)"
        )
        print(
            f"  peak RSS of this process (made the letters): "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
