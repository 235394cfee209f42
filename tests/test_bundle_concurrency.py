"""Bundled handling under real row locks (PostgreSQL): attaching, detaching and calling at once.

Every write that touches a bundle locks all its cases in the order of their ids
(`cases.services.base.lock_bundle`), so two writes on overlapping bundles queue instead of
waiting for each other in a circle. Two kinds of tests:

- two people bundling overlapping sets at the same moment (the first to have its locks keeps
  them until the other backend waits, so the writes really overlap): one wins, the other is
  refused with a clear Dutch message, nothing of the loser is written and no deadlock (also
  a detach that finds the bundle grown once it may lock);
- seeded random mixtures of attach, detach and call on a small world, run in threads at once:
  afterwards every case is in a state the workflow table allows and the bundle is coherent.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg.errors
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from cases import rollups, workflow
from cases.models import Call, Case, Employer, Event, EventKind, State
from cases.services import ServiceError, StaleVersionError
from cases.services import base as service_base
from cases.services.bundles import bundle_attach, bundle_detach
from tests.factories import EmployerFactory
from tests.helpers import EC, UI, R, case_in_state, fresh, intake, record_reached_call
from tests.test_concurrency import run_together, wait_until_another_backend_waits_for_a_lock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

# What a refused write raises; anything else (a deadlock above all) fails the test.
REFUSALS = (ServiceError, ValidationError)


def deadlock_in(exc: BaseException) -> bool:
    """Whether `exc` or what caused it is PostgreSQL's "deadlock detected"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, psycopg.errors.DeadlockDetected):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def hold_first_bundle_lock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first write to have locked its bundle keeps the locks until another transaction
    waits for one of them (later writes lock and go on). Returns the ids of the threads that
    got their locks with a valid version, in that order."""
    original = service_base.lock_bundle
    claimed = threading.Lock()
    holders: list[int] = []

    def lock_bundle_and_hold_once(*args: Any, **kwargs: Any) -> tuple[Case, dict[int, Case]]:
        locked = original(*args, **kwargs)
        with claimed:
            is_first = not holders
            holders.append(threading.get_ident())
        if is_first:
            wait_until_another_backend_waits_for_a_lock()
        return locked

    monkeypatch.setattr(service_base, "lock_bundle", lock_bundle_and_hold_once)
    return holders


def attach_at_once(lead: Case, actor: User, cases: list[Case]) -> Callable[[], Any]:
    """Attach `cases` to `lead`, with the version read now (before the threads start)."""
    version = fresh(lead).version
    return lambda: bundle_attach(
        case=lead.pk, actor=actor, version=version, cases=[c.pk for c in cases]
    )


def row(case: Case) -> dict[str, Any]:
    """The case's row, its events and calls: what a refused write must leave alone."""
    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "events": list(Event.objects.filter(case=case).order_by("pk").values_list("pk", "kind")),
        "calls": list(Call.objects.filter(case=case).values_list("pk", flat=True)),
    }


def split(results: list[tuple[str, Any]]) -> tuple[int, Any]:
    """(index of the winner, the loser's error) when exactly one worker succeeded."""
    assert not [v for s, v in results if s == "error" and deadlock_in(v)], results
    statuses = [status for status, _value in results]
    assert sorted(statuses) == ["error", "ok"], results
    winner = statuses.index("ok")
    error = results[1 - winner][1]
    assert isinstance(error, REFUSALS), repr(error)
    return winner, error


# ---------------------------------------------------------------------------
# What must hold for every case afterwards


ALLOWED_EDGES: set[tuple[str, str]] = {
    edge for edges in workflow.transition_edges().values() for edge in edges
} | {(R, UI)}  # attaching a received case takes it into investigation


def assert_coherent(cases: list[Case]) -> None:
    """The invariants of bundled handling and of the workflow, on every case of `cases`."""
    now = {case.pk: fresh(case) for case in cases}
    reached = {pk: list(Call.objects.filter(case_id=pk, reached=True).order_by("pk")) for pk in now}
    for case in now.values():
        where = f"{case.reference} ({case.state}, lead {case.bundle_lead_id})"
        assert case.state in State.values, where
        # The history: intake, then transitions the workflow table declares, ending in the
        # case's state; the last attach/detach says whether (and to whom) it is attached.
        events = list(Event.objects.filter(case=case).order_by("pk"))
        assert events[0].kind == EventKind.INTAKE and events[0].to_state == R, where
        moves = [(e.from_state, e.to_state) for e in events[1:] if e.from_state or e.to_state]
        state = R
        for move in moves:
            assert move[0] == state and move in ALLOWED_EDGES, (where, moves)
            state = move[1]
        assert state == case.state, (where, moves)
        membership = [
            (e.kind, e.data["bundle_lead"])
            for e in events
            if e.kind in (EventKind.BUNDLE_ATTACHED, EventKind.BUNDLE_DETACHED)
            and "bundle_lead" in e.data
        ]
        if case.bundle_lead_id is None:
            assert not membership or membership[-1][0] == EventKind.BUNDLE_DETACHED, where
        else:
            lead_reference = now[case.bundle_lead_id].reference
            assert membership[-1:] == [(EventKind.BUNDLE_ATTACHED, lead_reference)], where
        # Calls: a copy of a lead's call only on a case attached to that lead.
        for call in Call.objects.filter(case=case, shared_call__isnull=False):
            assert call.shared_call.case_id == case.bundle_lead_id, where
        if case.bundle_lead_id is None:
            continue
        lead = now[case.bundle_lead_id]
        assert lead.bundle_lead_id is None, f"{where}: its lead is attached too"
        assert lead.employer_id == case.employer_id, where
        assert lead.state in (UI, EC) and case.state in (UI, EC), where
        assert case.assignee_id == lead.assignee_id, where
        lead_calls = reached[lead.pk]
        assert all(c.shared_call_id is None for c in lead_calls), where
        if not lead_calls:
            assert case.state == UI and not reached[case.pk], where
        else:
            assert lead.state == EC and case.state == EC, where
            # Exactly one copy of each of the lead's reached calls, and nothing else.
            copies = sorted(c.shared_call_id for c in reached[case.pk])
            assert copies == [c.pk for c in lead_calls], (where, copies)
            assert Call.objects.filter(case=case).count() == len(lead_calls), where
    # Who leads: every reached call of a lead is copied to exactly the cases attached now.
    for lead in now.values():
        attached = {pk for pk, case in now.items() if case.bundle_lead_id == lead.pk}
        for call in reached[lead.pk]:
            copied = set(Call.objects.filter(shared_call=call).values_list("case_id", flat=True))
            assert copied == attached, (lead.reference, copied, attached)
    assert rollups.column_drift() == []
    assert rollups.day_count_drift() == []


# ---------------------------------------------------------------------------
# Two people bundling overlapping sets at once


def test_two_inspectors_bundle_overlapping_sets_at_once(
    inspector: User,
    other_inspector: User,
    supervisor: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """lead1 (inspecteur1) takes {a, b}, lead2 (inspecteur2) takes {b, c}: b is contested.
    The one that locks first wins; the other finds b attached and is refused, naming b."""
    employer = EmployerFactory()
    lead1 = case_in_state(UI, inspector=inspector, employer=employer)
    lead2 = case_in_state(UI, inspector=other_inspector, employer=employer)
    a, b, c = (intake(supervisor, employer=employer) for _ in "abc")  # unassigned, received
    sets = [(lead1, inspector, [a, b]), (lead2, other_inspector, [b, c])]
    before = {case.pk: row(case) for case in (lead1, lead2, a, b, c)}
    holders = hold_first_bundle_lock(monkeypatch)

    results = run_together([attach_at_once(*entry) for entry in sets])

    winner, error = split(results)
    (lead, actor, chosen), (lost_lead, _lost_actor, lost_chosen) = sets[winner], sets[1 - winner]
    assert len(holders) == 2  # the loser got its locks only after the winner committed
    # A clear message: the contested case, named, is already handled with another case.
    assert isinstance(error, ValidationError)
    assert error.message_dict == {
        "cases": [f"{b.reference} wordt al samen met een andere melding behandeld."]
    }
    bundle = results[winner][1]
    assert bundle.lead.pk == lead.pk and {m.pk for m in bundle.cases} == {x.pk for x in chosen}
    for case in chosen:
        now = fresh(case)
        assert (now.state, now.bundle_lead_id, now.assignee_id) == (UI, lead.pk, actor.pk)
    # The loser wrote nothing: its lead and its own candidate are as they were.
    (only_theirs,) = [x for x in lost_chosen if x.pk != b.pk]
    assert row(lost_lead) == before[lost_lead.pk]
    assert row(only_theirs) == before[only_theirs.pk]
    assert fresh(lead).version == lead.version + 1
    assert Event.objects.filter(kind=EventKind.BUNDLE_ATTACHED).count() == 3  # lead + 2 cases
    assert_coherent([lead1, lead2, a, b, c])


def test_each_lead_attaches_the_other_at_once_without_deadlock(
    inspector: User, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ids run lead1 < a < b < lead2; lead1 (inspecteur1) takes {b, lead2} while lead2
    (the team leader) takes {a, lead1}. Locking one's own lead first would make the two wait
    for each other in a circle; locking in id order makes the second queue on lead1. The
    winner's write changes the loser's lead, so the loser is refused as stale."""
    employer = EmployerFactory()
    lead1 = case_in_state(UI, inspector=inspector, employer=employer)
    a = intake(supervisor, employer=employer)
    b = intake(supervisor, employer=employer)
    lead2 = case_in_state(UI, inspector=inspector, employer=employer)
    assert lead1.pk < a.pk < b.pk < lead2.pk
    sets = [(lead1, inspector, [b, lead2]), (lead2, supervisor, [a, lead1])]
    before = {case.pk: row(case) for case in (lead1, lead2, a, b)}
    holders = hold_first_bundle_lock(monkeypatch)

    results = run_together([attach_at_once(*entry) for entry in sets])

    winner, error = split(results)
    (lead, _actor, chosen), (lost_lead, _lost_actor, lost_chosen) = sets[winner], sets[1 - winner]
    assert len(holders) == 1  # the loser was refused under the lock, before changing anything
    assert isinstance(error, StaleVersionError)
    assert error.message == (
        f"Melding {lost_lead.reference} is intussen gewijzigd door iemand anders. Bekijk de "
        "actuele gegevens en probeer het opnieuw."
    )
    for case in chosen:
        now = fresh(case)
        assert (now.state, now.bundle_lead_id, now.assignee_id) == (UI, lead.pk, inspector.pk)
    assert fresh(lead).bundle_lead_id is None
    # The loser wrote nothing: its own candidate is as it was, its lead has the winner's
    # attach event only.
    (only_theirs,) = [x for x in lost_chosen if x.pk != lead.pk]
    assert row(only_theirs) == before[only_theirs.pk]
    assert [e.kind for e in Event.objects.filter(case=lost_lead).order_by("pk")][
        len(before[lost_lead.pk]["events"]) :
    ] == [EventKind.BUNDLE_ATTACHED]
    assert_coherent([lead1, lead2, a, b])


def test_detaching_while_another_case_joins_the_bundle_is_refused_as_changed(
    inspector: User, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The detach reads who is in the bundle (lead and first) while the attach of second
    holds the locks; once it may lock, the bundle has a case it did not lock: refused with
    the "changed in the meantime" message, nothing changed; trying again works."""
    employer = EmployerFactory()
    lead = case_in_state(UI, inspector=inspector, employer=employer)
    first = intake(supervisor, employer=employer)
    second = intake(supervisor, employer=employer)
    bundle_attach(case=lead, actor=inspector, version=fresh(lead).version, cases=[first.pk])
    before = row(first)
    holders = hold_first_bundle_lock(monkeypatch)
    attach = attach_at_once(lead, inspector, [second])
    version = fresh(first).version

    def detach_once_attach_has_its_locks() -> Case:
        # The attach locks first (the hook then waits for this thread to wait).
        deadline = time.monotonic() + 15
        while not holders and time.monotonic() < deadline:
            time.sleep(0.005)
        return bundle_detach(case=first.pk, actor=inspector, version=version)

    results = run_together([attach, detach_once_attach_has_its_locks])

    winner, error = split(results)
    assert winner == 0
    assert isinstance(error, StaleVersionError)
    assert error.message == (
        f"De meldingen die samen met {first.reference} worden behandeld, zijn intussen "
        "gewijzigd. Bekijk de actuele gegevens en probeer het opnieuw."
    )
    assert row(first) == before
    assert fresh(second).bundle_lead_id == lead.pk
    assert_coherent([lead, first, second])
    bundle_detach(case=first.pk, actor=inspector, version=fresh(first).version)
    assert (fresh(first).state, fresh(first).bundle_lead_id) == (UI, None)
    assert_coherent([lead, first, second])


# ---------------------------------------------------------------------------
# Random mixtures of attach, detach and call


@dataclass(frozen=True)
class Step:
    """One planned write: `what` on the case at `target` (an index into the world's cases),
    by the actor at `actor`, attaching the cases at `others`."""

    what: str  # "attach", "detach" or "call"
    target: int
    actor: int
    others: tuple[int, ...] = ()


def plan(rng: random.Random, count: int) -> list[Step]:
    """A short random sequence of steps on a world of two leads (0, 1) and four cases
    (2-5), by inspecteur1 (0), inspecteur2 (1) or the team leader (2, more often)."""
    steps = []
    for _ in range(count):
        what = rng.choices(["attach", "detach", "call"], weights=[5, 3, 2])[0]
        actor = rng.choices([0, 1, 2], weights=[1, 1, 2])[0]
        if what == "attach":
            lead = rng.choice([0, 1])
            # Now and then the other lead too (then it can no longer lead).
            pool = [2, 3, 4, 5] + ([1 - lead] if rng.random() < 0.2 else [])
            others = tuple(rng.sample(pool, rng.choice([1, 2])))
            steps.append(Step(what, lead, actor, others))
        elif what == "detach":
            steps.append(Step(what, rng.choice([2, 3, 4, 5]), actor))
        else:
            # Mostly a lead's call; now and then one of the cases' own.
            steps.append(Step(what, rng.choice([0, 0, 1, 1, 2, 3, 4, 5]), actor))
    return steps


def perform(step: Step, cases: list[Case], actors: list[User]) -> None:
    """The step, at the version of its case read now (as a page shows it)."""
    case, actor = cases[step.target], actors[step.actor]
    if step.what == "attach":
        bundle_attach(
            case=case.pk,
            actor=actor,
            version=fresh(case).version,
            cases=[cases[i].pk for i in step.others],
        )
    elif step.what == "detach":
        bundle_detach(case=case.pk, actor=actor, version=fresh(case).version)
    else:
        record_reached_call(case, actor)


def build_world(employer: Employer, inspector: User, other: User, supervisor: User) -> list[Case]:
    """Two leads under investigation (one per inspector) and four cases about the same
    employer: two unassigned received, one received of inspecteur1, one under investigation
    of inspecteur2."""
    return [
        case_in_state(UI, inspector=inspector, employer=employer),
        case_in_state(UI, inspector=other, employer=employer),
        intake(supervisor, employer=employer),
        intake(supervisor, employer=employer),
        case_in_state(R, inspector=inspector, employer=employer),
        case_in_state(UI, inspector=other, employer=employer),
    ]


SEEDS = range(20)


def plans_for(seed: int) -> list[list[Step]]:
    """Two or three threads' steps, two to four each, from `seed`."""
    rng = random.Random(seed)
    return [plan(rng, rng.choice([2, 3, 4])) for _ in range(rng.choice([2, 3]))]


def assert_plans_mix() -> None:
    """The seeds plan attaches, detaches and calls, with two and three threads, and the
    attaches of different threads contest cases."""
    kinds: set[str] = set()
    threads: set[int] = set()
    contested = 0
    for seed in SEEDS:
        plans = plans_for(seed)
        threads.add(len(plans))
        kinds |= {step.what for steps in plans for step in steps}
        wanted = [
            {i for step in steps if step.what == "attach" for i in step.others} for steps in plans
        ]
        contested += any(
            wanted[i] & wanted[j] for i in range(len(wanted)) for j in range(i + 1, len(wanted))
        )
    assert kinds == {"attach", "detach", "call"}
    assert threads == {2, 3}
    assert contested >= 5, contested


def test_random_interleavings_of_attach_detach_and_call_keep_bundles_coherent(
    inspector: User, other_inspector: User, supervisor: User
) -> None:
    """For each seed a world of its own (another employer), its threads released at once;
    afterwards the invariants hold on the world's cases (one test: a flush of the database
    after each seed would take longer than the seeds themselves)."""
    assert_plans_mix()
    actors = [inspector, other_inspector, supervisor]
    done = 0
    for seed in SEEDS:
        cases = build_world(EmployerFactory(), inspector, other_inspector, supervisor)
        plans = plans_for(seed)

        def worker(steps: list[Step], cases: list[Case] = cases) -> Callable[[], list[str]]:
            def run() -> list[str]:
                outcomes = []
                for step in steps:
                    try:
                        perform(step, cases, actors)
                    except REFUSALS as exc:
                        outcomes.append(f"{step.what}: {type(exc).__name__}")
                    else:
                        outcomes.append(f"{step.what}: ok")
                return outcomes

            return run

        results = run_together([worker(steps) for steps in plans])

        deadlocks = [v for s, v in results if s == "error" and deadlock_in(v)]
        assert not deadlocks, (seed, deadlocks)
        # Only refusals were caught: anything else (a database error) fails its worker.
        assert [status for status, _value in results] == ["ok"] * len(plans), (seed, results)
        outcomes = [o for _status, value in results for o in value]
        assert len(outcomes) == sum(len(steps) for steps in plans), (seed, outcomes)
        done += sum(o.endswith(": ok") for o in outcomes)
        try:
            assert_coherent(cases)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {outcomes}") from exc
    assert done >= len(SEEDS), done  # the worlds did change
