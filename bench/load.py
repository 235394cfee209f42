"""B4 (QUALITY.md): intake and transitions under load, through gunicorn on 127.0.0.1.

    .venv/bin/python bench/load.py [--clients 8] [--rounds 10] [--database-url postgres://...]

Starts gunicorn (2 workers) with production-like settings on a throwaway database (SQLite
by default, or an empty PostgreSQL database created and dropped here when --database-url
names a server), signs in N concurrent clients as inspectors, and lets each register
meldingen, take them, take them into investigation and close them through the web forms.
All clients also race for the same intake-queue cases. Afterwards it checks: no 5xx, every
successful intake a case, references distinct and contiguous, exactly one Event per
successful action and exactly one winner per race. Prints throughput and peak RSS.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from totp import totp_code

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "Belasting-Test-2021!"  # noqa: S105 - throwaway users in a throwaway database
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REGISTERED = re.compile(r"(TW-\d{4}-\d{5})")
KEYS: dict[str, str] = {}  # username -> hex key of the user's authenticator device


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    def __init__(self, base: str, stats: Counter[str]) -> None:
        self.base = base
        self.stats = stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict[str, Any] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - http://127.0.0.1
        try:
            with self.opener.open(req, timeout=60) as response:
                status, text, location = response.status, response.read().decode(), ""
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
            location = exc.headers.get("Location", "")
        self.stats[f"{status // 100}xx"] += 1
        return status, text, location

    def token(self, path: str) -> str:
        _status, html, _location = self.request(path)
        match = TOKEN.search(html)
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def post(self, path: str, form_page: str, data: dict[str, Any]) -> tuple[int, str]:
        status, _text, location = self.request(
            path, {**data, "csrfmiddlewaretoken": self.token(form_page)}
        )
        return status, location

    def login(self, username: str) -> None:
        """Sign in as a person does, the second factor included, so that the session is
        verified (every user has an authenticator device with a known key, KEYS)."""
        status, _location = self.post(
            "/inloggen/", "/inloggen/", {"username": username, "password": PASSWORD}
        )
        if status != 302:
            raise RuntimeError(f"login failed for {username}: {status}")
        status, _location = self.post(
            "/inloggen/code/", "/inloggen/code/", {"code": totp_code(KEYS[username])}
        )
        if status != 302:
            raise RuntimeError(f"second factor refused for {username}: {status}")


def intake_data(label: str) -> dict[str, Any]:
    return {
        # Yesterday: 08:00 today is still in the future early in the morning.
        "received_date": time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400)),
        "received_time": "08:00",
        "channel": "webformulier",
        "topics": ["niet_mogen_thuiswerken"],
        "description": f"Belastingtest {label}",
        "employer_name": f"Belastingtest {label} B.V.",
        "employer_city": "Utrecht",
        "anonymous": "on",
    }


def worker(client: Client, name: str, rounds: int, results: dict[str, Any]) -> None:
    client.login(name)
    for round_number in range(rounds):
        label = f"{name}-{round_number}"
        status, location = client.post("/meldingen/nieuw/", "/meldingen/nieuw/", intake_data(label))
        if status != 302:
            results["intake_refused"].append(label)
            continue
        _status, page, _loc = client.request(location)
        match = REGISTERED.search(page)
        if not match:
            results["intake_refused"].append(label)
            continue
        reference = match.group(1)
        results["intakes"].append(reference)
        case_page = f"/meldingen/{reference}/"
        steps = [
            (f"{case_page}oppakken/", "/intake/", {"version": 1}),
            (f"{case_page}actie/take_into_investigation/", case_page, {"version": 2}),
            (f"{case_page}actie/close/", case_page, {"version": 3, "outcome": "ingetrokken"}),
        ]
        for path, page_for_token, data in steps:
            status, _location = client.post(path, page_for_token, data)
            results["steps"][status] += 1
    # Everyone races for the shared queue cases.
    for reference in results["race_cases"]:
        client.post(f"/meldingen/{reference}/oppakken/", "/intake/", {"version": 1})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--races", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DOCUMENT_ROOT": str(workdir / "documents"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "inspectie.settings",
    }
    pg_name = ""
    if args.database_url:
        import psycopg

        pg_name = f"bench_load_{os.getpid()}"
        server = urllib.parse.urlsplit(args.database_url)
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {pg_name}")
        env["DATABASE_URL"] = urllib.parse.urlunsplit(server._replace(path=f"/{pg_name}"))
    else:
        env["SQLITE_PATH"] = str(workdir / "load.sqlite3")
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from cases import services
    from cases.models import Case, Event, EventKind

    call_command("migrate", verbosity=0)
    group = Group.objects.get(name="Inspecteur")
    names = [f"belasting{i}" for i in range(args.clients)]
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for name in names:
        user = User.objects.create_user(name, password=PASSWORD, first_name=name)
        user.groups.add(group)
        KEYS[name] = secrets.token_hex(20)
        TOTPDevice.objects.create(user=user, name="load", key=KEYS[name])
    registrar = User.objects.get(username=names[0])
    race_cases = [
        services.case_intake(
            actor=registrar,
            received_at=django.utils.timezone.now(),
            channel="telefoon",
            topic_codes=["overig"],
            description="Race",
            reported_employer=services.EmployerInput(name=f"Race {i}"),
        ).reference
        for i in range(args.races)
    ]
    from django.db import connections

    connections.close_all()

    port = free_port()
    server_process = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "inspectie.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - our server
                break
            except OSError:
                time.sleep(0.2)
        stats: Counter[str] = Counter()
        results: dict[str, Any] = {
            "intakes": [],
            "intake_refused": [],
            "steps": Counter(),
            "race_cases": race_cases,
        }
        threads = [
            threading.Thread(target=worker, args=(Client(base, stats), n, args.rounds, results))
            for n in names
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finally:
        server_process.send_signal(signal.SIGTERM)
        server_process.wait(timeout=30)

    problems = []
    if stats["5xx"]:
        problems.append(f"{stats['5xx']} responses with status 5xx")
    intakes = results["intakes"]
    cases = Case.objects.exclude(reference__in=race_cases)
    if cases.count() != len(intakes) or len(set(intakes)) != len(intakes):
        problems.append(f"{len(intakes)} intakes but {cases.count()} cases")
    numbers = sorted(int(r[-5:]) for r in Case.objects.values_list("reference", flat=True))
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        problems.append("references are not contiguous")
    expected = {
        EventKind.INTAKE: len(intakes) + len(race_cases),
        EventKind.TAKE_INTO_INVESTIGATION: len(intakes),
        EventKind.CLOSE: len(intakes),
        EventKind.ASSIGNED: len(intakes) + len(race_cases),
    }
    for kind, count in expected.items():
        actual = Event.objects.filter(kind=kind).count()
        if actual != count:
            problems.append(f"{actual} {kind} events, expected {count}")
    for reference in race_cases:
        winners = Event.objects.filter(case__reference=reference, kind=EventKind.ASSIGNED).count()
        if winners != 1:
            problems.append(f"{reference}: {winners} winners of the race")
    requests = sum(stats.values())
    print(f"database: {'PostgreSQL' if pg_name else 'SQLite'}; gunicorn 2 workers x 4 threads")
    print(f"clients {args.clients}, rounds {args.rounds}, races {args.races}")
    rate = requests / elapsed
    print(f"requests {requests} in {elapsed:.1f} s = {rate:.1f} req/s; statuses {dict(stats)}")
    refused = len(results["intake_refused"])
    print(f"intakes {len(intakes)} ({refused} refused), action statuses {dict(results['steps'])}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MB, largest gunicorn process {server:.0f} MB")
    print("(4xx: clients that lost a race for a queue case get a 409 once it is taken)")
    connections.close_all()
    if pg_name:
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_name}")
    print("OK: no 5xx, nothing lost or duplicated" if not problems else "PROBLEMS:")
    for problem in problems:
        print(f"  - {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
