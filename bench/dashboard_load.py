"""The load phase of bench/dashboard.py: people at work against gunicorn on 127.0.0.1.

Starts gunicorn with the process's own (production) settings and database, gives every
simulated user a team leader's account and a session of its own, measures each page's
single-user median over HTTP, then runs the users as threads: each requests a page (70%
dashboard, 30% "Alle meldingen", the page drawn from the list it is given), waits an
exponentially distributed think time, and so on until the time is up. Every response that
is not a 200, and every request that fails, is an error.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SINGLE_REPEAT = 15
TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def second_factor(user: Any) -> str:
    """The persistent id of a new authenticator app (TOTP device) of `user`: in a session,
    the second factor the sign-in asks of team leaders in production (OTP_REQUIRED)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return str(device.persistent_id)


def sessions(count: int) -> list[str]:
    """Session cookies of `count` new team leaders, as if each had signed in (with the
    second factor)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    group = Group.objects.get(name="Teamleider")
    cookies = []
    for n in range(count):
        user, _created = User.objects.get_or_create(
            username=f"bench-leider{n}", defaults={"first_name": f"Leider {n}"}
        )
        user.groups.add(group)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "cases.auth.PermissionBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = second_factor(user)
        session.create()
        cookies.append(f"sessionid={session.session_key}")
    return cookies


def fetch(base: str, path: str, cookie: str) -> tuple[bool, float]:
    """(ok, seconds) of one GET."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            response.read()
            ok = response.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    return ok, time.perf_counter() - start


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_load(
    *,
    users: int,
    think: float,
    seconds: float,
    seed: int,
    workers: int,
    threads: int,
    pages: list[tuple[str, str, str]],
) -> dict[str, Any]:
    """Single-user medians, then the load; returns the "load", "load_p95_ratio" and
    "errors" entries of the report. `pages`: (key, path, kind)."""
    from django.db import connections

    cookies = sessions(users)
    connections.close_all()
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "inspectie.settings"}
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "inspectie.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        # Every worker warmed up on every page, then single-user medians.
        for _round in range(workers * threads):
            for _key, path, _kind in pages:
                fetch(base, path, cookies[0])
        # Round after round over all pages, so that a burst of load from elsewhere on the
        # machine falls on every page alike.
        rounds: dict[str, list[float]] = {key: [] for key, _p, _k in pages}
        for _round in range(SINGLE_REPEAT):
            for key, path, _kind in pages:
                rounds[key].append(fetch(base, path, cookies[0])[1])
        single = {key: statistics.median(times) for key, times in rounds.items()}
        samples: dict[str, list[float]] = {key: [] for key, _p, _k in pages}
        errors: dict[str, int] = {key: 0 for key, _p, _k in pages}
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds
        dashboards = [p for p in pages if p[2] == "dashboard"]
        lists = [p for p in pages if p[2] == "list"]

        def person(number: int) -> None:
            rnd = random.Random(seed * 1000 + number)  # noqa: S311 - reproducible load
            pause = rnd.uniform(0, think)  # people arrive over the first think time
            while time.perf_counter() + pause < deadline:
                time.sleep(pause)
                key, path, _kind = rnd.choice(dashboards if rnd.random() < 0.7 else lists)
                ok, elapsed = fetch(base, path, cookies[number])
                with lock:
                    samples[key].append(elapsed)
                    errors[key] += not ok
                pause = rnd.expovariate(1 / think)

        people = [threading.Thread(target=person, args=(n,)) for n in range(users)]
        started = time.perf_counter()
        for thread in people:
            thread.start()
        for thread in people:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    load: dict[str, Any] = {}
    for key, _path, kind in pages:
        times = samples[key]
        if not times:
            continue
        p95 = percentile(times, 0.95)
        load[key] = {
            "kind": kind,
            "single_ms": round(single[key] * 1000, 1),
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "ratio": round(p95 / single[key], 2),
            "requests": len(times),
            "errors": errors[key],
        }
    total = sum(len(t) for t in samples.values())
    print(
        f"  load: {users} users, think {think} s, {total} requests in {elapsed:.0f} s "
        f"({total / elapsed:.1f}/s), gunicorn {workers} workers x {threads} threads"
    )
    for key, row in load.items():
        print(
            f"  {key:26} single {row['single_ms']:7.1f} ms  p50 {row['p50_ms']:7.1f} ms  "
            f"p95 {row['p95_ms']:7.1f} ms  p95/single {row['ratio']:5.2f}  "
            f"n {row['requests']:4d}  errors {row['errors']}"
        )
    for kind in ("dashboard", "list"):
        times = [t for key, _p, k in pages if k == kind for t in samples[key]]
        if times:
            print(
                f"  all {kind} pages: p50 {statistics.median(times) * 1000:.1f} ms, "
                f"p95 {percentile(times, 0.95) * 1000:.1f} ms, n {len(times)}"
            )
    return {
        "load": load,
        "load_p95_ratio": max(row["ratio"] for row in load.values()),
        "errors": sum(errors.values()),
        "load_requests": total,
    }
