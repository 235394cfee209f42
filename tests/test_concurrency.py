"""Race conditions on PostgreSQL (real row locks): threads released together by a barrier.

To make sure the threads really overlap (and the test does not pass because they happened
to run one after the other), the thread that gets the lock first holds it until PostgreSQL
reports another backend waiting for a lock.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import Case, Event, EventKind, Outcome, ReferenceCounter, State
from cases.services import StaleVersionError
from cases.services import base as service_base
from cases.services import intake as service_intake
from tests.factories import EmployerFactory
from tests.helpers import case_in_state, contact_fields, fresh, intake

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]


def wait_until_another_backend_waits_for_a_lock(timeout: float = 15.0) -> None:
    """Poll pg_stat_activity (inside the lock holder's transaction) for a lock waiter."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] > 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError("no other transaction ever waited for the lock")
            time.sleep(0.005)


def run_together(workers: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run each callable in its own thread, all released at once; (status, value) each."""
    barrier = threading.Barrier(len(workers))
    results: list[tuple[str, Any]] = [("not run", None)] * len(workers)

    def target(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = ("ok", work())
        except Exception as exc:  # reported to the test below
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=target, args=(i, work), daemon=True)
        for i, work in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def hold_first_lock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, a thread that locks a case row with the right version keeps the lock
    until another transaction is blocked on it. Returns the ids of the lock holders."""
    original = service_base.lock
    holders: list[int] = []

    def lock_and_hold(case: Any, version: Any) -> Case:
        locked = original(case, version)
        holders.append(threading.get_ident())
        wait_until_another_backend_waits_for_a_lock()
        return locked

    monkeypatch.setattr(service_base, "lock", lock_and_hold)
    return holders


def _one_winner(results: list[tuple[str, Any]]) -> Any:
    statuses = sorted(status for status, _value in results)
    assert statuses == ["error", "ok"], results
    errors = [value for status, value in results if status == "error"]
    assert isinstance(errors[0], StaleVersionError), errors[0]
    assert "intussen gewijzigd" in errors[0].message
    return next(value for status, value in results if status == "ok")


def test_same_transition_at_once_exactly_one_wins(
    inspector: User, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    version = case.version
    holders = hold_first_lock(monkeypatch)

    def take(actor: User) -> Callable[[], Case]:
        return lambda: services.case_take_into_investigation(
            case=case.pk, actor=actor, version=version
        )

    results = run_together([take(inspector), take(supervisor)])

    _one_winner(results)
    assert len(holders) == 1  # the loser never got the lock with a valid version
    after = fresh(case)
    assert after.state == State.UNDER_INVESTIGATION
    assert after.version == version + 1
    assert Event.objects.filter(case=case, kind=EventKind.TAKE_INTO_INVESTIGATION).count() == 1


def test_two_inspectors_take_the_same_queue_case(
    inspector: User, other_inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = intake(inspector)
    version = case.version
    hold_first_lock(monkeypatch)

    def take(actor: User) -> Callable[[], Case]:
        return lambda: services.case_take(case=case.pk, actor=actor, version=version)

    results = run_together([take(inspector), take(other_inspector)])

    winner = _one_winner(results)
    after = fresh(case)
    assert after.assignee_id == winner.assignee_id
    assert after.version == version + 1
    assert Event.objects.filter(case=case, kind=EventKind.ASSIGNED).count() == 1


def test_close_and_record_call_at_once(
    inspector: User, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    version = case.version
    hold_first_lock(monkeypatch)

    def close() -> Case:
        return services.case_close(
            case=case.pk, actor=supervisor, version=version, outcome=Outcome.INGETROKKEN
        )

    def call() -> Any:
        return services.case_record_call(
            case=case.pk,
            actor=inspector,
            version=version,
            called_at=timezone.now(),
            contact=contact_fields("de heer J. de Vries"),
            criteria=["fysieke_aanwezigheid"],
            employer_response="ja",
        )

    results = run_together([close, call])

    _one_winner(results)
    after = fresh(case)
    assert after.version == version + 1
    assert after.state in (State.CLOSED, State.EMPLOYER_CALLED)
    kinds = list(
        Event.objects.filter(
            case=case, kind__in=[EventKind.CLOSE, EventKind.RECORD_CALL]
        ).values_list("kind", flat=True)
    )
    assert len(kinds) == 1
    assert after.calls.filter(reached=True).count() == (
        1 if after.state == State.EMPLOYER_CALLED else 0
    )


def test_concurrent_intakes_get_distinct_contiguous_references(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = EmployerFactory()
    original = service_intake.allocate_reference
    claimed = threading.Lock()
    first: list[int] = []

    def allocate_and_hold_once(year: int) -> str:
        reference = original(year)
        with claimed:
            is_first = not first
            first.append(threading.get_ident())
        if is_first:
            wait_until_another_backend_waits_for_a_lock()
        return reference

    monkeypatch.setattr(service_intake, "allocate_reference", allocate_and_hold_once)
    count = 20
    results = run_together([lambda: intake(inspector, employer=employer)] * count)

    assert [status for status, _value in results] == ["ok"] * count, results
    references = [value.reference for _status, value in results]
    assert len(set(references)) == count
    numbers = sorted(int(r[-5:]) for r in references)
    assert numbers == list(range(numbers[0], numbers[0] + count))
    year = int(references[0][3:7])
    assert ReferenceCounter.objects.get(year=year).last_number == numbers[-1]
    # Increasing in the order the cases were stored.
    stored = list(Case.objects.order_by("pk").values_list("reference", flat=True))
    assert stored == sorted(stored)
    assert Event.objects.filter(kind=EventKind.INTAKE).count() == count


def test_recorded_figures_come_from_one_snapshot(supervisor: User, monkeypatch: Any) -> None:
    """A melding registered (and committed) by someone else between the first and the second
    query of `snapshot_create` is in neither: the figures agree. (The figures of all cases
    come from the day counts, then the overdue count from the cases: the melding registered
    in between is overdue, so the second query would count it if it saw it.)"""
    from cases.dashboard import day_counts
    from cases.dashboard import figures as figures_module

    for _ in range(3):
        intake(supervisor)
    real_execute = day_counts.execute_figures_sql
    queries: list[str] = []

    def execute_after_another_intake(using: str, sql: str, params: Any) -> Any:
        queries.append(sql)
        if len(queries) == 2:

            def register() -> None:
                try:
                    intake(supervisor, received_at=timezone.now() - dt.timedelta(days=30))
                finally:
                    connection.close()

            other = threading.Thread(target=register)
            other.start()
            other.join(timeout=30)
        return real_execute(using, sql, params)

    monkeypatch.setattr(day_counts, "execute_figures_sql", execute_after_another_intake)
    snapshot = services.snapshot_create(actor=supervisor, params={}, label="Tijdens intake")
    assert len(queries) == 2
    assert Case.objects.count() == 4  # the other intake did commit
    figures = figures_module.Figures.from_json(snapshot.figures)
    assert snapshot.received == 3
    assert sum(figures.by_state.values()) == 3
    assert sum(n for _week, n in figures.by_week) == 3
    assert figures.overdue == 0


def test_the_same_intake_form_posted_twice_at_once_registers_one_melding(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical POSTs of the intake form (one token) at the same moment: the second
    queues on the reference counter, then finds the first one's melding."""
    from django.test import Client
    from django.urls import reverse

    original = service_intake.allocate_reference
    claimed = threading.Lock()
    first: list[int] = []

    def allocate_and_hold_once(year: int) -> str:
        reference = original(year)
        with claimed:
            is_first = not first
            first.append(threading.get_ident())
        if is_first:
            wait_until_another_backend_waits_for_a_lock()
        return reference

    monkeypatch.setattr(service_intake, "allocate_reference", allocate_and_hold_once)
    now = timezone.localtime() - dt.timedelta(hours=1)
    data = {
        "token": "5f0c2b9e-2a7d-4c61-9d1e-000000000015",
        "received_date": now.date().isoformat(),
        "received_time": now.strftime("%H:%M"),
        "channel": "telefoon",
        "topics": ["niet_mogen_thuiswerken"],
        "description": "Mijn werkgever verbiedt thuiswerken.",
        "employer_name": "Dubbel B.V.",
        "employer_city": "Assen",
        "anonymous": "on",
    }
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(inspector)

    def post(client: Client) -> Callable[[], Any]:
        return lambda: client.post(reverse("case_create"), data)

    results = run_together([post(c) for c in clients])

    assert [status for status, _value in results] == ["ok", "ok"], results
    locations = sorted(response["Location"] for _status, response in results)
    case = Case.objects.get()
    assert locations == sorted([reverse("intake_queue"), f"/meldingen/{case.reference}/"])
    assert Event.objects.filter(kind=EventKind.INTAKE).count() == 1
    assert ReferenceCounter.objects.get().last_number == int(case.reference[-5:])
    assert len(first) == 2  # both did queue on the counter


def test_two_team_leaders_assign_an_employers_queue_at_once(
    inspector: User,
    other_inspector: User,
    supervisor: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The surge view's "assign all" (services.employer_assign_unassigned) by two team
    leaders at once, to different people: the rows are locked in id order, so one assigns
    all of them and the other is refused with the "changed meanwhile" message, no deadlock
    and no mixture."""
    employer = EmployerFactory()
    queue = [intake(supervisor, employer=employer) for _ in range(3)]
    seen = {case.reference: case.version for case in queue}
    hold_first_lock(monkeypatch)

    def assign_to(person: User) -> Callable[[], Any]:
        return lambda: services.employer_assign_unassigned(
            employer=employer, actor=supervisor, assignee=person, versions=seen
        )

    results = run_together([assign_to(inspector), assign_to(other_inspector)])

    winner = _one_winner(results)
    chosen = winner[0].assignee_id
    assert {fresh(case).assignee_id for case in queue} == {chosen}
    for case in queue:
        assert Event.objects.filter(case=case, kind=EventKind.ASSIGNED).count() == 1
        assert fresh(case).version == case.version + 1
