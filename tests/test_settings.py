"""Settings come from the environment and fail loudly on bad values (checked in a fresh
interpreter per case, so the test process's own settings are not involved)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_KEY = "dev-only-insecure-key-do-not-use-in-production"
GOOD_KEY = "k3y-" + "x" * 60
PRINT = (
    "import inspectie.settings as s; "
    f"print(s.DEBUG, s.SECRET_KEY == {DEV_KEY!r}, s.DATABASES['default']['ENGINE'])"
)
# Variables the settings read; everything else is inherited (PATH, HOME, ...).
CONTROLLED = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "SQLITE_PATH",
    "CONN_MAX_AGE",
    "DJANGO_SETTINGS_MODULE",
}


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Loading the settings failed with ImproperlyConfigured, naming each of `fragments`."""
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {},  # production is the default: no DEBUG, no key
        {"DEBUG": "false"},
        {"DEBUG": "false", "SECRET_KEY": ""},
        {"DEBUG": "0", "SECRET_KEY": DEV_KEY},
        {"DEBUG": "off", "SECRET_KEY": DEV_KEY},
    ],
    ids=["nothing-set", "debug-off", "empty-key", "dev-key", "dev-key-off"],
)
def test_missing_or_development_key_refused_without_debug(env: dict[str, str]) -> None:
    settings_refused(load_settings(**env), "SECRET_KEY")


def test_short_key_refused_without_debug() -> None:
    settings_refused(load_settings(DEBUG="false", SECRET_KEY="kort-maar-geheim"), "32")


@pytest.mark.parametrize("debug", ["true", "1", "yes", "on", "TRUE", " True "])
@pytest.mark.parametrize("key", [None, "", DEV_KEY], ids=["unset", "empty", "dev-key"])
def test_debug_allows_the_development_key(debug: str, key: str | None) -> None:
    env = {"DEBUG": debug}
    if key is not None:
        env["SECRET_KEY"] = key
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["True", "True"]


def test_production_settings_with_a_real_key() -> None:
    result = load_settings(DEBUG="false", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="meldingen.example.nl")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "False"]


@pytest.mark.parametrize("debug", ["maybe", "2", "ja", "nee", "t", "y"])
def test_bad_debug_value_refused(debug: str) -> None:
    settings_refused(load_settings(DEBUG=debug, SECRET_KEY=GOOD_KEY), "DEBUG", repr(debug))


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "http://example.org/db",
        "mysql://user@localhost/inspectie",
        "postgres://user@localhost:notaport/inspectie",
    ],
    ids=["garbage", "http", "mysql", "bad-port"],
)
def test_bad_database_url_refused(url: str) -> None:
    settings_refused(load_settings(DEBUG="true", DATABASE_URL=url), "DATABASE_URL")


def test_database_url_error_does_not_print_the_password() -> None:
    url = "postgres://inspectie:Sup3rGeheimWachtwoord@localhost:notaport/inspectie"
    result = load_settings(DEBUG="true", DATABASE_URL=url)
    settings_refused(result, "DATABASE_URL")
    assert "Sup3rGeheimWachtwoord" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://user:pw@127.0.0.1:5432/inspectie", "django.db.backends.postgresql"),
        ("sqlite:///tmp/inspectie.sqlite3", "django.db.backends.sqlite3"),
        ("", "django.db.backends.sqlite3"),
    ],
    ids=["postgres", "sqlite", "empty-default"],
)
def test_good_database_url_accepted(url: str, engine: str) -> None:
    result = load_settings(DEBUG="true", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == engine


def test_bad_number_refused() -> None:
    settings_refused(
        load_settings(DEBUG="true", CONN_MAX_AGE="soms", DATABASE_URL="postgres://h/db")
    )


def test_allowed_hosts_required_without_debug() -> None:
    settings_refused(load_settings(DEBUG="false", SECRET_KEY=GOOD_KEY), "ALLOWED_HOSTS")
    settings_refused(
        load_settings(DEBUG="false", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS=" , "), "ALLOWED_HOSTS"
    )


def test_postgresql_connections_run_without_jit() -> None:
    """JIT compilation cost the dashboard's queries more than it saved."""
    environment = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    code = "import inspectie.settings as s; print(s.DATABASES['default'].get('OPTIONS'))"
    for url, expected in (
        ("postgres://u@db.example:5432/inspectie", "{'options': '-c jit=off'}"),
        ("", "{'transaction_mode': 'IMMEDIATE', 'timeout': 20}"),
    ):
        result = subprocess.run(  # noqa: S603 - fixed interpreter and code
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**environment, "DEBUG": "true", "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize(
    "check",
    [
        {"args": ["check"], "env": {"DEBUG": "true"}},
        {  # as .ci/run and a production deploy run it: drf-spectacular builds the schema
            "args": ["check", "--deploy", "--fail-level", "WARNING"],
            "env": {
                "DEBUG": "false",
                "SECRET_KEY": "a-production-key-of-at-least-fifty-characters-for-this-check",
                "ALLOWED_HOSTS": "meldingen.example.nl",
                "SECURE_SSL_REDIRECT": "true",
            },
        },
    ],
    ids=["check", "check --deploy"],
)
def test_a_new_machine_can_check_an_empty_database(tmp_path: Path, check: dict) -> None:
    """`manage.py check` on a database without tables: nothing imported with the URLs, and
    nothing in the API's schema, may read the database."""
    environment = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    environment.update(check["env"], SQLITE_PATH=str(tmp_path / "empty.sqlite3"))
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(  # noqa: S603 - the arguments are the parametrize list above
        [sys.executable, "manage.py", *check["args"]],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
