from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import factory.random
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connection, transaction

from cases.maintenance import allow_event_purge
from cases.models import Role
from tests.factories import make_user

# tests/helpers.py asserts too (refused, the page readers): with pytest's detailed messages.
# Registered before any test module imports it.
pytest.register_assert_rewrite("tests.helpers")

IN_CI = os.environ.get("CI", "").lower() == "true"
# The seed of the factories' random data (Faker names, ...). Every test gets its own random
# state derived from this and its node id, so a test sees the same data however the suite is
# split or ordered; run with another TEST_SEED to try other data (README, "Tests").
TEST_SEED = os.environ.get("TEST_SEED", "0")


@pytest.fixture(autouse=True)
def _seeded_factories(request: pytest.FixtureRequest) -> None:
    """factory_boy's and Faker's random state, seeded per test (TEST_SEED + the test's id)."""
    factory.random.reseed_random(zlib.crc32(f"{TEST_SEED}:{request.node.nodeid}".encode()))


@pytest.fixture(scope="session", autouse=True)
def _flushes_may_empty_the_event_table() -> Iterator[None]:
    """Transactional tests end with `flush`, which truncates every table. On PostgreSQL the
    Event table refuses that unless the session sets the purge flag (cases.maintenance):
    test flushes set it, nothing else in the tests does."""
    original = FlushCommand.handle

    def handle(self: FlushCommand, **options: Any) -> None:
        with allow_event_purge(options.get("database") or DEFAULT_DB_ALIAS):
            original(self, **options)

    FlushCommand.handle = handle  # type: ignore[method-assign]
    yield
    FlushCommand.handle = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _document_root(settings, tmp_path: Path) -> None:
    settings.DOCUMENT_ROOT = tmp_path / "documents"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Real password hashing costs ~0.3 s a user; tests are not about its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client() -> Any:
    """pytest-django's `client`, with a `login()` that goes through django-axes
    (tests.helpers.SignInClient)."""
    from tests.helpers import SignInClient  # after register_assert_rewrite above

    return SignInClient()


@pytest.fixture
def require_postgres() -> None:
    """Tests that need real row locks. Skipped on SQLite, but never silently in CI."""
    if connection.vendor != "postgresql":
        message = "needs PostgreSQL (set DATABASE_URL=postgres://...)"
        if IN_CI:
            pytest.fail(f"{message}; CI must run this test, not skip it")
        pytest.skip(message)


@pytest.fixture(scope="module")
def kamerbrief(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The kamerbrief_2021 fixture, loaded once per test module inside a transaction that is
    rolled back at the end of the module (tests using it must not need transactions)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", "kamerbrief_2021", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(kamerbrief: None, db: None) -> None:
    """Per test: a savepoint inside the module's kamerbrief_2021 transaction."""


@pytest.fixture
def inspector(db) -> User:
    return make_user(Role.INSPECTEUR, username="inspecteur1")


@pytest.fixture
def other_inspector(db) -> User:
    return make_user(Role.INSPECTEUR, username="inspecteur2")


@pytest.fixture
def supervisor(db) -> User:
    return make_user(Role.TEAMLEIDER, username="teamleider")


@pytest.fixture
def functional_admin(db) -> User:
    return make_user(Role.FUNCTIONEEL_BEHEERDER, username="beheerder", is_staff=True)


@pytest.fixture
def privacy_officer(db) -> User:
    return make_user(Role.PRIVACYFUNCTIONARIS, username="privacy")


@pytest.fixture
def no_role_user(db) -> User:
    return make_user(None, username="zonderrol")
