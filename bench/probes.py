"""The nine failures of issue 15, probed against a live gunicorn with DEBUG off.

    .venv/bin/python bench/probes.py [--database-url postgres://...] [--app-dir PATH]

Starts gunicorn (2 workers) with production settings (DEBUG off, two-factor sign-in on, a
random secret key) on a throwaway database: SQLite by default, or an empty PostgreSQL
database created and dropped here when --database-url names a server (the NUL-byte probes
differ between the two). It makes a few users (with authenticator devices of known keys, so
their sessions are verified the way a person's are) and meldingen, then sends each probe
over HTTP and prints, per probe, what the issue reported before the fix and what the server
answers now. --app-dir runs the same probes against another checkout of the application
(for instance an export of the commit before the fix, to see the failures themselves).

Probe 8 runs `manage.py anonymise_expired` against the same database; probe 9 runs the
once-flaky test with five seeds. Exit status 0 when every probe shows the fix.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from totp import totp_code

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Probeer-Het-2021!"  # noqa: S105 - throwaway users in a throwaway database
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INTAKE_TOKEN = re.compile(r'name="token" value="([0-9a-f-]{36})"')
KEYS: dict[str, str] = {}  # username -> hex key of the user's authenticator device
USED: dict[str, int] = {}  # username -> codes used so far (each code works once)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    text: str
    location: str


class Browser:
    """One person's cookies, talking to the server without following redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def send(self, path: str, data: Any = None, method: str | None = None) -> Answer:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.read().decode(errors="replace"), "")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            return Answer(exc.code, text, exc.headers.get("Location", ""))

    def form(self, page: str) -> tuple[str, str]:
        html = self.send(page).text
        match = TOKEN.search(html)
        if not match:
            raise RuntimeError(f"no form on {page}")
        return match.group(1), html

    def post(self, path: str, data: dict[str, Any], page: str | None = None) -> Answer:
        token, _html = self.form(page or path)
        return self.send(path, {**data, "csrfmiddlewaretoken": token})

    def sign_in(self, username: str, password: str = PASSWORD) -> Answer:
        answer = self.post("/inloggen/", {"username": username, "password": password})
        if answer.status == 302 and username in KEYS:
            check = self.send("/")
            if check.status == 302 and "/inloggen/code/" in check.location:
                # The server accepts the next step too; later sign-ins wait for a fresh one.
                used = USED.get(username, 0)
                if used >= 2:
                    time.sleep(30 - time.time() % 30 + 1)
                    used = USED[username] = 0
                code = totp_code(KEYS[username], steps_ahead=used)
                USED[username] = used + 1
                self.post("/inloggen/code/", {"code": code})
        return answer


SESSIONS: dict[str, Browser] = {}


def signed_in(base: str, username: str) -> Browser:
    """One signed-in session per user, shared by the probes."""
    if username not in SESSIONS:
        SESSIONS[username] = Browser(base)
        SESSIONS[username].sign_in(username)
    return SESSIONS[username]


@dataclass
class Probe:
    number: str
    what: str
    before: str  # what the issue reported
    now: str = ""
    fixed: bool = False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------
# The data the probes need


def prepare(app: Path) -> dict[str, str]:
    """Migrate, and make users and meldingen (inside this process, with Django)."""
    sys.path.insert(0, str(app))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.utils import timezone

    from cases import services
    from cases.models import Case

    call_command("migrate", verbosity=0)
    roles = {
        "inspecteur1": "Inspecteur",
        "inspecteur2": "Inspecteur",
        "doelwit": "Inspecteur",
        "teamleider": "Teamleider",
        "beheerder": "Functioneel beheerder",
        "nieuwkomer": None,
        "privacy": "Privacyfunctionaris",
    }
    otp = "django_otp" in settings.INSTALLED_APPS
    for username, role in roles.items():
        if role and not Group.objects.filter(name=role).exists():
            continue
        user = User.objects.create_user(
            username,
            password=PASSWORD,
            first_name=username.capitalize(),
            last_name="Probe",
            is_staff=username == "beheerder",
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        if otp and role:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            KEYS[username] = secrets.token_hex(20)
            TOTPDevice.objects.create(user=user, name="probe", key=KEYS[username])
    registrar = User.objects.get(username="teamleider")

    def melding(name: str) -> Case:
        return services.case_intake(
            actor=registrar,
            received_at=timezone.now() - dt.timedelta(hours=2),
            channel="telefoon",
            topic_codes=["niet_mogen_thuiswerken"],
            description=f"Probe {name}",
            reported_employer=services.EmployerInput(name=f"{name} B.V.", city="Zwolle"),
        )

    race = melding("Race")
    unidentified = melding("Zonder KvK")
    inspector = User.objects.get(username="inspecteur1")
    services.case_take(case=unidentified, actor=inspector, version=unidentified.version)
    old = melding("Oud")
    services.case_take(case=old, actor=inspector, version=old.version)
    services.case_decline(case=old, actor=inspector, version=old.version + 1, outcome="ingetrokken")
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=8 * 366))
    from django.db import connections

    connections.close_all()
    return {"race": race.reference, "unidentified": unidentified.reference, "old": old.reference}


# ---------------------------------------------------------------------------
# The probes


def throttling(base: str) -> Probe:
    probe = Probe(
        "1", "30 wrong passwords for one account in 20 s, then the right one", "signed in"
    )
    browser = Browser(base)
    for _ in range(30):
        browser.post("/inloggen/", {"username": "doelwit", "password": "fout"})
    answer = browser.post("/inloggen/", {"username": "doelwit", "password": PASSWORD})
    locked = answer.status == 429
    probe.now = "429, locked (cool-off page)" if locked else f"{answer.status}, signed in"
    probe.fixed = locked
    return probe


def double_intake(base: str) -> Probe:
    probe = Probe("2", "the same intake POST sent twice", "two meldingen")
    browser = signed_in(base, "inspecteur1")
    csrf, html = browser.form("/meldingen/nieuw/")
    match = INTAKE_TOKEN.search(html)
    data = {
        "csrfmiddlewaretoken": csrf,
        "received_date": (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)).isoformat(),
        "received_time": "08:00",
        "channel": "webformulier",
        "topics": ["niet_mogen_thuiswerken"],
        "description": "Dubbel verstuurd",
        "employer_name": "Dubbelpost B.V.",
        "employer_city": "Assen",
        "anonymous": "on",
        **({"token": match.group(1)} if match else {}),
    }
    first, second = browser.send("/meldingen/nieuw/", data), browser.send("/meldingen/nieuw/", data)
    found = browser.send("/meldingen/?q=Dubbelpost", None)
    if found.status == 403:  # an inspector has no "all cases": count in the intake queue
        found = browser.send("/intake/?q=Dubbelpost")
    count = len(set(re.findall(r"TW-\d{4}-\d{5}", found.text)))
    probe.now = f"{first.status}, {second.status} -> {count} melding(en)"
    if "/meldingen/TW-" in second.location:
        probe.now += ", the second shows the first"
    probe.fixed = count == 1
    return probe


def race(base: str, reference: str) -> Probe:
    probe = Probe("3", "losing the Oppakken race", "bare English 404")
    winner, loser = signed_in(base, "inspecteur2"), signed_in(base, "inspecteur1")
    token, _html = loser.form("/intake/")
    winner.post(f"/meldingen/{reference}/oppakken/", {"version": 1}, page="/intake/")
    answer = loser.send(
        f"/meldingen/{reference}/oppakken/", {"version": 1, "csrfmiddlewaretoken": token}
    )
    told = "al opgepakt door" in answer.text
    probe.now = f"{answer.status}" + (", 'al opgepakt door Inspecteur2 Probe'" if told else "")
    probe.fixed = answer.status == 409 and told
    return probe


def bad_dates(base: str) -> list[Probe]:
    browser = signed_in(base, "teamleider")
    probes = []
    for number, param in (
        ("4a", "received_before=9999-12-31"),
        ("4b", "received_after=0001-01-01"),
    ):
        statuses = {
            page: browser.send(f"{page}?{param}").status
            for page in ("/intake/", "/meldingen/", "/meldingen/mijn/", "/dashboard/")
        }
        probe = Probe(number, f"?{param} on every list and the dashboard", "500")
        probe.now = ", ".join(f"{page} {status}" for page, status in statuses.items())
        probe.fixed = all(status == 200 for status in statuses.values())
        probes.append(probe)
    return probes


def nul_bytes(base: str, reference: str) -> list[Probe]:
    browser = signed_in(base, "teamleider")
    in_url = browser.send(f"/meldingen/{reference[:8]}%00{reference[8:]}/")
    first = Probe("4c", "a NUL byte in a reference in the URL", "500 (PostgreSQL)")
    first.now, first.fixed = str(in_url.status), in_url.status == 400
    label = browser.post(
        "/dashboard/vastleggen/",
        {"filter": "received_after=2021-01-25", "label": "cijfers\x00"},
        page="/dashboard/",
    )
    second = Probe("4c", "a NUL byte in a snapshot label", "500 (PostgreSQL)")
    second.now, second.fixed = str(label.status), label.status == 400
    return [first, second]


def bad_version(base: str, reference: str) -> Probe:
    probe = Probe("4d", "version=abc posted to Oppakken", "500")
    browser = signed_in(base, "teamleider")
    answer = browser.post(
        f"/meldingen/{reference}/oppakken/", {"version": "abc"}, page="/meldingen/nieuw/"
    )
    probe.now = str(answer.status) + (
        ", 'intussen gewijzigd'" if "intussen gewijzigd" in answer.text else ""
    )
    probe.fixed = answer.status < 500
    return probe


def postcode(base: str, reference: str) -> Probe:
    probe = Probe("5", "employer postcode 1234 SS", "accepted")
    browser = signed_in(base, "inspecteur1")
    page = f"/meldingen/{reference}/"
    version = re.search(r'name="version" value="(\d+)"', browser.send(page).text)
    answer = browser.post(
        f"{page}actie/identify_employer/",
        {
            "version": version.group(1) if version else "2",
            "kvk_number": "87654321",
            "employer_name": "Zonder KvK B.V.",
            "visit_postcode": "1234 SS",
            "visit_city": "Zwolle",
        },
        page=page,
    )
    refused = answer.status == 200 and "SS" in answer.text and "bestaan niet" in answer.text
    probe.now = (
        "refused: 'Postcodes met de letters SA, SD of SS bestaan niet'"
        if refused
        else (f"{answer.status}, accepted")
    )
    probe.fixed = refused
    return probe


def health(base: str) -> Probe:
    probe = Probe("6", "HEAD /healthz", "405")
    answer = Browser(base).send("/healthz", method="HEAD")
    probe.now, probe.fixed = str(answer.status), answer.status == 200
    return probe


def role_separation(base: str) -> list[Probe]:
    admin = signed_in(base, "beheerder")
    from django.contrib.auth.models import User

    leader = User.objects.get(username="teamleider").pk
    newcomer = User.objects.get(username="nieuwkomer").pk
    new_password = "Gezet-Door-Beheer-2031"  # noqa: S105 - a throwaway account
    admin.post(
        f"/beheer/auth/user/{leader}/password/",
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    # Adding someone to the Teamleider group.
    change = f"/beheer/auth/user/{newcomer}/change/"
    _token, html = admin.form(change)
    group = re.search(r'<option value="(\d+)"[^>]*>Teamleider</option>', html)
    management = dict(
        re.findall(
            r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"'
            r'[^>]*value="(\d+)"',
            html,
        )
    )
    admin.post(
        change,
        {
            "username": "nieuwkomer",
            "is_active": "on",
            "groups": [group.group(1)] if group else [],
            **management,
            "_save": "Opslaan",
        },
    )
    officer = signed_in(base, "privacy")
    events = officer.send("/privacy/gebeurtenissen/?kind=password_set").text
    roles = officer.send("/privacy/gebeurtenissen/?kind=role_changed").text
    shown = "Wachtwoord ingesteld door een ander" in events and "Rol gewijzigd" in roles
    first = Probe("7", "beheerder sets a Teamleider's password, grants Teamleider", "no trace")
    first.now = "both Events on the privacy officer's audit view" if shown else "no trace"
    first.fixed = shown
    person = Browser(base)
    person.sign_in("teamleider", new_password)
    landing = person.send("/dashboard/")
    forced = landing.status == 302 and "/wachtwoord-wijzigen/" in landing.location
    # The grant waits for the team leaders (the only one here must change the password
    # first), so it is read from the database.
    try:
        from cases.models import RoleGrant
    except ImportError:  # an application from before role grants
        waiting = 0
    else:
        waiting = RoleGrant.objects.filter(acknowledged_at__isnull=True).count()
    second = Probe("7", "that Teamleider signs in with the password set for them", "signs in")
    second.now = (
        f"must choose a new password first; {waiting} grant(s) wait for the team leaders"
        if forced
        else f"{landing.status}, signed in"
    )
    second.fixed = forced and waiting == 1
    return [first, second]


def retention(app: Path, env: dict[str, str], reference: str) -> Probe:
    probe = Probe("8", "retention: melder data of cases closed > 7 years", "not built")
    command = [sys.executable, "manage.py", "anonymise_expired"]
    first = subprocess.run(  # noqa: S603 - fixed interpreter and command
        command, cwd=app, env=env, capture_output=True, text=True, check=False
    )
    again = subprocess.run(  # noqa: S603
        command, cwd=app, env=env, capture_output=True, text=True, check=False
    )
    ok = first.returncode == 0 and reference in first.stdout and "Anonymised 0" in again.stdout
    lines = first.stdout.strip().splitlines()
    probe.now = (
        f"{lines[-1]} Second run: {again.stdout.strip().splitlines()[-1]}"
        if ok
        else ((first.stderr.strip().splitlines() or ["failed"])[-1])
    )
    probe.fixed = ok
    return probe


def flaky(app: Path) -> Probe:
    probe = Probe("9", "test_stale_page_is_refused_and_shows_what_changed, 5 seeds", "1 in 2 fail")
    test = "tests/test_case_page.py::test_stale_page_is_refused_and_shows_what_changed"
    passed = 0
    for seed in range(5):
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
        run = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=app,
            env={**env, "TEST_SEED": str(seed)},
            capture_output=True,
            text=True,
            check=False,
        )
        passed += run.returncode == 0
    probe.now, probe.fixed = f"{passed}/5 passed", passed == 5
    return probe


# ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--app-dir", default=str(ROOT))
    parser.add_argument("--skip-flaky", action="store_true", help="leave out probe 9")
    args = parser.parse_args()
    app = Path(args.app_dir).resolve()

    workdir = Path(tempfile.mkdtemp(prefix="probes-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DOCUMENT_ROOT": str(workdir / "documents"),
        "LOG_LEVEL": "CRITICAL",
        "DJANGO_SETTINGS_MODULE": "inspectie.settings",
    }
    env.pop("OTP_REQUIRED", None)  # production default: on
    pg_name = ""
    if args.database_url:
        import psycopg

        pg_name = f"probes_{os.getpid()}"
        server = urllib.parse.urlsplit(args.database_url)
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {pg_name}")
        env["DATABASE_URL"] = urllib.parse.urlunsplit(server._replace(path=f"/{pg_name}"))
    else:
        env["SQLITE_PATH"] = str(workdir / "probes.sqlite3")
    os.environ.update(env)
    references = prepare(app)

    port = free_port()
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "inspectie.wsgi:application",
        ],
        cwd=app,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    probes: list[Probe] = []
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - our server
                break
            except OSError:
                time.sleep(0.2)
        probes.append(throttling(base))
        probes.append(double_intake(base))
        probes.append(race(base, references["race"]))
        probes += bad_dates(base)
        probes += nul_bytes(base, references["race"])
        probes.append(bad_version(base, references["race"]))
        probes.append(postcode(base, references["unidentified"]))
        probes.append(health(base))
        probes += role_separation(base)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    probes.append(retention(app, env, references["old"]))
    if not args.skip_flaky:
        probes.append(flaky(app))
    if pg_name:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_name}")

    database = "PostgreSQL" if pg_name else "SQLite"
    print(f"gunicorn, DEBUG off (two-factor sign-in where it exists), {database}; app: {app}")
    print(f"{'#':<3} {'probe':<62} {'before (issue)':<18} now")
    for probe in probes:
        mark = "fixed" if probe.fixed else "NOT FIXED"
        print(f"{probe.number:<3} {probe.what:<62} {probe.before:<18} {probe.now}  [{mark}]")
    failed = [p for p in probes if not p.fixed]
    print(f"{len(probes) - len(failed)} of {len(probes)} probes show the fix.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
